// JPEG frames through the addon's libjpeg-turbo decoder: straight to 8-bit grey on a worker
// thread, about ten times cheaper per frame than the general image path (which remains the
// fallback for what this decoder does not take: CMYK, 12-bit, or an addon built without libjpeg).
import { DecodeError } from './bmp.js';
import { native } from './native.js';
import type { Frame } from './types.js';

interface NativeJpeg {
  width: number;
  height: number;
  data?: Buffer;
  tooBig?: boolean;
}

const decodeJpeg = native.decodeJpeg as ((buf: Uint8Array, maxPixels: number) => Promise<NativeJpeg>) | undefined;
const encodeJpeg = native.encodeJpeg as
  | ((pixels: Uint8Array, width: number, height: number, channels: number, quality: number) => Promise<Buffer>)
  | undefined;

const encodeJpegSync = native.encodeJpegSync as
  | ((pixels: Uint8Array, width: number, height: number, channels: number, quality: number) => Buffer)
  | undefined;

/** The same, on the calling thread (a writer thread), or null without libjpeg. */
export function encodeJpegNativeSync(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, quality: number): Buffer | null {
  return encodeJpegSync ? encodeJpegSync(pixels, width, height, channels, quality) : null;
}

/** 8-bit grey (1 channel) or RGB (3) pixels to JPEG with libjpeg-turbo, or null without it. */
export function encodeJpegNative(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, quality: number): Promise<Buffer> | null {
  return encodeJpeg ? encodeJpeg(pixels, width, height, channels, quality) : null;
}

export function isJpeg(buf: Uint8Array): boolean {
  return buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
}

/**
 * The frame, or { width, height } when the header claims more than maxPixels (nothing allocated),
 * or null when the native decoder cannot take this image (the caller falls back). Throws
 * DecodeError for a truncated JPEG.
 */
export async function decodeJpegNative(buf: Uint8Array, maxPixels: number): Promise<Frame | { width: number; height: number } | null> {
  if (!decodeJpeg) return null;
  let out: NativeJpeg;
  try {
    out = await decodeJpeg(buf, maxPixels);
  } catch (e) {
    // A JPEG cut short would otherwise come back from the fallback with its missing rows grey.
    if (/Premature end/.test((e as Error).message)) throw new DecodeError(`truncated image: ${(e as Error).message}`);
    return null;
  }
  if (out.tooBig || !out.data) return { width: out.width, height: out.height };
  return { width: out.width, height: out.height, data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length) };
}
