// Images derived from a frame: the plain 8-bit grey frame (PNG, sharp) and the annotated frame
// (JPEG, a circle and a number per ion), drawn into raw pixels and encoded once.
import sharp from 'sharp';

import { encodeJpegNative, encodeJpegNativeSync } from '../analysis/jpeg.js';
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

export function renderAnnotatedJpeg(frame: Frame, ions: readonly Marker[], quality = 85): Promise<Buffer> {
  const rgb = annotatedRgb(frame, ions);
  // libjpeg-turbo in the addon when built with it (a fraction of sharp's per-image cost).
  return (
    encodeJpegNative(rgb, frame.width, frame.height, 3, quality) ??
    sharp(rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } }).jpeg({ quality }).toBuffer()
  );
}

/** The annotated JPEG on the calling thread when libjpeg is built in; else through sharp. */
export async function renderAnnotatedJpegHere(frame: Frame, ions: readonly Marker[], quality = 85): Promise<Buffer> {
  const rgb = annotatedRgb(frame, ions);
  return (
    encodeJpegNativeSync(rgb, frame.width, frame.height, 3, quality) ??
    sharp(rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } }).jpeg({ quality }).toBuffer()
  );
}

export function renderFramePng(frame: Frame): Promise<Buffer> {
  const grey = toGrey8(frame);
  return sharp(Buffer.from(grey.buffer, grey.byteOffset, grey.byteLength), {
    raw: { width: frame.width, height: frame.height, channels: 1 },
  })
    .toColourspace('b-w')
    .png({ compressionLevel: 3 })
    .toBuffer();
}
