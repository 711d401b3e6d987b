// The latest frame at an integer zoom, with a marker and a number per ion drawn on an overlay canvas
// at device resolution so markers stay sharp. Pixel (row r, col c) has its centre at x = c, y = r,
// so a fitted x0 lies (x0 + 0.5) * scale CSS px from the image's left edge.

const MARKER_RADIUS = 7;
const MARKER_COLOUR = '#ffd21f';
const OUTLINE = 'rgba(0, 0, 0, 0.85)';
const ROI_COLOUR = 'rgba(80, 200, 255, 0.8)';

export class FrameView {
  constructor(frameCanvas, overlay) {
    this.frameCanvas = frameCanvas;
    this.overlay = overlay;
    this.scale = 1;
    this.result = null;
    this.bitmap = null;
    this.imageMissing = false;
  }

  setScale(scale) {
    this.scale = scale;
    this.draw();
  }

  show(result, bitmap) {
    this.bitmap?.close?.();
    this.result = result;
    this.bitmap = bitmap;
    this.imageMissing = bitmap === null;
    this.draw();
  }

  draw() {
    const r = this.result;
    if (!r) return;
    const w = this.bitmap?.width ?? r.width;
    const h = this.bitmap?.height ?? r.height;
    const cssW = w * this.scale;
    const cssH = h * this.scale;
    const fc = this.frameCanvas;
    if (fc.width !== w || fc.height !== h) {
      fc.width = w;
      fc.height = h;
    }
    fc.style.width = `${cssW}px`;
    fc.style.height = `${cssH}px`;
    const fctx = fc.getContext('2d');
    if (this.bitmap) {
      fctx.drawImage(this.bitmap, 0, 0);
    } else {
      fctx.fillStyle = '#111';
      fctx.fillRect(0, 0, w, h);
    }
    this.drawOverlay(cssW, cssH);
  }

  drawOverlay(cssW, cssH) {
    const dpr = window.devicePixelRatio || 1;
    const ov = this.overlay;
    ov.width = Math.round(cssW * dpr);
    ov.height = Math.round(cssH * dpr);
    ov.style.width = `${cssW}px`;
    ov.style.height = `${cssH}px`;
    const ctx = ov.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    const r = this.result;
    const s = this.scale;
    if (r.roi && (r.roi.width !== r.width || r.roi.height !== r.height)) {
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = ROI_COLOUR;
      ctx.lineWidth = 1;
      ctx.strokeRect(r.roi.x * s + 0.5, r.roi.y * s + 0.5, r.roi.width * s - 1, r.roi.height * s - 1);
      ctx.setLineDash([]);
    }
    ctx.font = 'bold 12px system-ui, sans-serif';
    ctx.textBaseline = 'bottom';
    r.ions.forEach((ion, i) => {
      const { x, y } = this.toCss(ion);
      const label = String(i + 1);
      for (const [colour, width] of [[OUTLINE, 3.5], [MARKER_COLOUR, 1.5]]) {
        ctx.strokeStyle = colour;
        ctx.lineWidth = width;
        ctx.beginPath();
        ctx.arc(x, y, MARKER_RADIUS, 0, Math.PI * 2);
        ctx.moveTo(x - MARKER_RADIUS - 4, y);
        ctx.lineTo(x - 3, y);
        ctx.moveTo(x + 3, y);
        ctx.lineTo(x + MARKER_RADIUS + 4, y);
        ctx.moveTo(x, y - MARKER_RADIUS - 4);
        ctx.lineTo(x, y - 3);
        ctx.moveTo(x, y + 3);
        ctx.lineTo(x, y + MARKER_RADIUS + 4);
        ctx.stroke();
      }
      // The number sits beside the marker, clear of its ±11 px square.
      const lx = x + MARKER_RADIUS + 5;
      const ly = y - MARKER_RADIUS - 1;
      ctx.lineWidth = 3;
      ctx.strokeStyle = OUTLINE;
      ctx.strokeText(label, lx, ly);
      ctx.fillStyle = MARKER_COLOUR;
      ctx.fillText(label, lx, ly);
    });
  }

  /** An ion's position in CSS px from the frame's top-left corner. */
  toCss(ion) {
    return { x: (ion.x0 + 0.5) * this.scale, y: (ion.y0 + 0.5) * this.scale };
  }

  /** Where each marker is on screen (viewport CSS px), for tests and the debug hook. */
  markers() {
    if (!this.result) return [];
    const box = this.frameCanvas.getBoundingClientRect();
    return this.result.ions.map((ion, i) => {
      const { x, y } = this.toCss(ion);
      return { ion: i + 1, frameId: this.result.id, x: box.left + x, y: box.top + y, radius: MARKER_RADIUS };
    });
  }
}
