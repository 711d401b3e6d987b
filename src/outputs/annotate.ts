// Images derived from a frame: the plain 8-bit grey frame (PNG, sharp) and the annotated frame
// (JPEG, a circle and a number per ion), drawn into raw pixels and encoded once.
import sharp from 'sharp';

import { encodeJpegNative } from '../analysis/jpeg.js';
import type { Frame } from '../analysis/types.js';
import { annotatedRgb, toGrey8, type Marker } from './markers.js';

export { annotatedRgb, toGrey8, type Marker };

export function renderAnnotatedJpeg(frame: Frame, ions: readonly Marker[], quality = 85): Promise<Buffer> {
  const rgb = annotatedRgb(frame, ions);
  // libjpeg-turbo in the addon when built with it (a fraction of sharp's per-image cost).
  return (
    encodeJpegNative(rgb, frame.width, frame.height, 3, quality) ??
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
