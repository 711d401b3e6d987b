// Drawing the annotated frame into raw pixels: the 8-bit grey frame, a circle and a number per
// ion. Pure JavaScript, so the writer threads can use it without loading an image library.
import type { Frame, IonResult } from '../analysis/types.js';
import { drawDigits, GLYPH_HEIGHT } from './font.js';

/** 8-bit grey pixels: 8-bit frames as they are, deeper frames stretched min..max to 0..255. */
export function toGrey8(frame: Frame): Uint8Array {
  const { data } = frame;
  if (data instanceof Uint8Array) return data;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Uint8Array(data.length);
  const scale = max > min ? 255 / (max - min) : 0;
  for (let i = 0; i < data.length; i++) out[i] = Math.round((data[i] - min) * scale);
  return out;
}

/** What a marker needs of an ion. */
export type Marker = Pick<IonResult, 'x0' | 'y0' | 'sigmaX' | 'rY'>;

const CIRCLE = [0, 255, 0];
const LABEL = [255, 255, 0];

/** Marker radius: the legacy's sigma_x + R_y, with a floor so detection-only results show. */
function markerRadius(ion: Marker): number {
  const r = Math.round((ion.sigmaX || 0) + (ion.rY || 0));
  return Math.max(6, Math.min(r, 60));
}

export function annotatedRgb(frame: Frame, ions: readonly Marker[]): Buffer {
  const { width, height } = frame;
  const grey = toGrey8(frame);
  const rgb = Buffer.allocUnsafe(width * height * 3);
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) {
    const g = grey[i];
    rgb[j] = g;
    rgb[j + 1] = g;
    rgb[j + 2] = g;
  }
  let colour = CIRCLE;
  const plot = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const j = (y * width + x) * 3;
    rgb[j] = colour[0];
    rgb[j + 1] = colour[1];
    rgb[j + 2] = colour[2];
  };
  const scale = Math.max(1, Math.round(Math.min(width, height) / 150));
  ions.forEach((ion, index) => {
    if (!Number.isFinite(ion.x0) || !Number.isFinite(ion.y0)) return;
    const r = markerRadius(ion);
    const steps = Math.ceil(2 * Math.PI * r * 1.5);
    colour = CIRCLE;
    for (let s = 0; s < steps; s++) {
      const a = (2 * Math.PI * s) / steps;
      plot(Math.round(ion.x0 + r * Math.cos(a)), Math.round(ion.y0 + r * Math.sin(a)));
    }
    colour = LABEL;
    const labelY = Math.round(ion.y0 - r - GLYPH_HEIGHT * scale - 1);
    drawDigits(String(index), Math.round(ion.x0 + r * 0.7), labelY < 0 ? Math.round(ion.y0 + r + 2) : labelY, scale, plot);
  });
  return rgb;
}
