// Minimal BMP reader (uncompressed 8-bit palette, 24-bit and 32-bit), because the image
// library we use for everything else does not read BMP. Colour becomes grey with the
// ITU-R BT.601 weights OpenCV uses, so results match frames the legacy read as grey.
import type { Frame } from './types.js';

export class DecodeError extends Error {
  override name = 'DecodeError';
}

export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d;
}

export function bmpSize(buf: Uint8Array): { width: number; height: number } {
  if (buf.length < 26) throw new DecodeError('truncated BMP header');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return { width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true)) };
}

export function decodeBmp(buf: Uint8Array): Frame {
  if (buf.length < 54) throw new DecodeError('truncated BMP header');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bpp = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if (width <= 0 || rawHeight === 0) throw new DecodeError(`invalid BMP size ${width}x${rawHeight}`);
  if (compression !== 0 && !(compression === 3 && bpp === 32)) {
    throw new DecodeError(`compressed BMP (compression ${compression}) is not supported`);
  }
  if (bpp !== 8 && bpp !== 24 && bpp !== 32) throw new DecodeError(`${bpp}-bit BMP is not supported`);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (dataOffset + stride * height > buf.length) throw new DecodeError('truncated BMP pixel data');
  let palette: Uint8Array | undefined;
  if (bpp === 8) {
    const colours = view.getUint32(46, true) || 256;
    palette = new Uint8Array(256);
    const base = 14 + headerSize;
    for (let i = 0; i < colours && base + i * 4 + 2 < buf.length; i++) {
      const b = buf[base + i * 4], g = buf[base + i * 4 + 1], r = buf[base + i * 4 + 2];
      palette[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  }
  const out = new Uint8Array(width * height);
  const bytes = bpp / 8;
  for (let row = 0; row < height; row++) {
    const src = dataOffset + (topDown ? row : height - 1 - row) * stride;
    for (let col = 0; col < width; col++) {
      const p = src + col * bytes;
      out[row * width + col] = palette
        ? palette[buf[p]]
        : Math.round(0.299 * buf[p + 2] + 0.587 * buf[p + 1] + 0.114 * buf[p]);
    }
  }
  return { width, height, data: out };
}
