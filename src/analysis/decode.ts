// Turns encoded images, raw pixel buffers and the legacy text/hex formats into grey frames.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import sharp, { type Metadata } from 'sharp';

import { bmpSize, decodeBmp, DecodeError, isBmp } from './bmp.js';
import { decodeJpegNative, isJpeg } from './jpeg.js';
import { MAX_DIMENSION } from './options.js';
import type { Dtype, Frame } from './types.js';

export { DecodeError };

export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface RawFormat {
  width: number;
  height: number;
  dtype: Dtype;
}

export interface DecodeOptions extends Partial<RawFormat> {
  /** Refuse images with more pixels than this, before their pixels are allocated. */
  maxPixels?: number;
  /** Force a legacy format for buffers (files are recognised by extension). */
  format?: 'hex' | 'dat' | 'raw';
}

const BYTES: Record<Dtype, number> = { uint8: 1, uint16: 2, float32: 4 };
const HEX_SIZE = 200;

export class PixelLimitError extends RangeError {
  override name = 'PixelLimitError';
}

function checkPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new PixelLimitError(`image is ${width}x${height} = ${width * height} pixels, over the limit of ${maxPixels}`);
  }
}

function fromRaw(buf: Uint8Array, fmt: RawFormat): Frame {
  const { width, height, dtype } = fmt;
  for (const [k, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_DIMENSION) {
      throw new TypeError(`raw ${k} must be an integer in [1, ${MAX_DIMENSION}], got ${String(v)}`);
    }
  }
  if (!(dtype in BYTES)) throw new TypeError(`raw dtype must be uint8, uint16 or float32, got ${String(dtype)}`);
  const expected = width * height * BYTES[dtype];
  if (buf.byteLength !== expected) {
    throw new RangeError(
      `raw buffer has ${buf.byteLength} bytes but ${width} x ${height} ${dtype} needs ${expected}`,
    );
  }
  // Copy into a fresh, aligned buffer (also detaches from a pooled Node Buffer).
  const copy = new Uint8Array(expected);
  copy.set(buf);
  if (dtype === 'uint8') return { width, height, data: copy };
  if (dtype === 'uint16') return { width, height, data: new Uint16Array(copy.buffer) };
  const data = new Float32Array(copy.buffer);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new RangeError(`raw float32 pixel ${i} is ${data[i]}`);
  }
  return { width, height, data };
}

function fromDat(text: string): Frame {
  const rows = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(/[\s,;]+/).map(Number));
  if (rows.length === 0) throw new DecodeError('.dat file has no rows');
  const width = rows[0].length;
  const height = rows.length;
  let max = 0;
  for (const [i, row] of rows.entries()) {
    if (row.length !== width) throw new DecodeError(`.dat row ${i + 1} has ${row.length} values, row 1 has ${width}`);
    for (const v of row) {
      if (!Number.isInteger(v) || v < 0) throw new DecodeError(`.dat row ${i + 1} holds ${v}, not a non-negative integer`);
      if (v > max) max = v;
    }
  }
  const data = max > 255 ? new Uint16Array(width * height) : new Uint8Array(width * height);
  if (max > 65535) throw new DecodeError(`.dat value ${max} exceeds 65535`);
  rows.forEach((row, r) => data.set(row, r * width));
  return { width, height, data };
}

async function fromEncoded(buf: Uint8Array, maxPixels: number): Promise<Frame> {
  if (buf.byteLength === 0) throw new DecodeError('empty image');
  if (isBmp(buf)) {
    const { width, height } = bmpSize(buf);
    checkPixels(width, height, maxPixels);
    return decodeBmp(buf);
  }
  if (isJpeg(buf)) {
    const jpeg = await decodeJpegNative(buf, maxPixels);
    if (jpeg && 'data' in jpeg) return jpeg;
    if (jpeg) checkPixels(jpeg.width, jpeg.height, maxPixels);
  }
  let meta: Metadata;
  try {
    // Header only: our own maxPixels check below decides, with PixelLimitError, not sharp's limit.
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new DecodeError(`not a decodable image: ${(e as Error).message}`);
  }
  if (!meta.width || !meta.height) throw new DecodeError('image has no size');
  checkPixels(meta.width, meta.height, maxPixels);
  const deep = meta.depth !== undefined && meta.depth !== 'uchar' && meta.depth !== 'char';
  const isFloat = meta.depth === 'float' || meta.depth === 'double';
  try {
    let pipeline = sharp(buf, { limitInputPixels: maxPixels, failOn: 'error' }).removeAlpha();
    if (isFloat && (meta.channels ?? 1) === 1) {
      const { data, info } = await pipeline.raw({ depth: 'float' }).toBuffer({ resolveWithObject: true });
      const copy = new Float32Array(info.width * info.height);
      copy.set(new Float32Array(data.buffer, data.byteOffset, info.width * info.height));
      return { width: info.width, height: info.height, data: copy };
    }
    if (deep) {
      pipeline = pipeline.toColourspace('grey16');
      const { data, info } = await pipeline.raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      const copy = new Uint16Array(info.width * info.height);
      for (let i = 0; i < copy.length; i++) copy[i] = data.readUInt16LE(i * 2 * info.channels);
      return { width: info.width, height: info.height, data: copy };
    }
    const { data, info } = await pipeline.greyscale().raw().toBuffer({ resolveWithObject: true });
    const out = new Uint8Array(info.width * info.height);
    if (info.channels === 1) out.set(data);
    else for (let i = 0; i < out.length; i++) out[i] = data[i * info.channels];
    return { width: info.width, height: info.height, data: out };
  } catch (e) {
    throw new DecodeError(`image could not be decoded: ${(e as Error).message}`);
  }
}

/**
 * Decodes a frame. `input` is an encoded image (JPEG, PNG, TIFF 8/16 bit, BMP) as a Buffer,
 * or a file path; with `{ width, height, dtype }` a buffer is taken as bare little-endian pixels.
 * Paths ending in .hex (200x200 little-endian uint16) and .dat (text rows) use the legacy readers.
 */
export async function decode(input: Uint8Array | string, options: DecodeOptions = {}): Promise<Frame> {
  if (options === null || typeof options !== 'object') throw new TypeError('decode options must be an object');
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isFinite(maxPixels) || maxPixels < 1) throw new RangeError(`maxPixels must be >= 1, got ${maxPixels}`);
  let buf: Uint8Array;
  let format = options.format;
  if (typeof input === 'string') {
    const ext = extname(input).toLowerCase();
    if (!format && (ext === '.hex' || ext === '.dat' || ext === '.raw')) format = ext.slice(1) as 'hex' | 'dat' | 'raw';
    buf = await readFile(input);
  } else if (input instanceof Uint8Array) {
    buf = input;
  } else {
    throw new TypeError('decode input must be a Buffer/Uint8Array or a file path string');
  }
  const raw = options.width !== undefined || options.height !== undefined || options.dtype !== undefined;
  if (format === 'hex') return fromRaw(buf, { width: HEX_SIZE, height: HEX_SIZE, dtype: 'uint16' });
  if (format === 'dat') return fromDat(Buffer.from(buf).toString('utf8'));
  if (raw || format === 'raw') {
    if (options.width === undefined || options.height === undefined || options.dtype === undefined) {
      throw new TypeError('raw pixels need width, height and dtype');
    }
    checkPixels(options.width, options.height, maxPixels);
    return fromRaw(buf, options as RawFormat);
  }
  return fromEncoded(buf, maxPixels);
}
