import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { decode, DecodeError, PixelLimitError } from '../src/index.js';
import { allSidecars, fixturePath } from './helpers/fixtures.js';

function sha256(data: Uint8Array | Uint16Array | Float32Array): string {
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

describe('decode', () => {
  it.each(allSidecars().map((s) => [s.file, s] as const))('%s decodes to the exact fixture pixels', async (file, sc) => {
    const frame =
      sc.format === 'raw'
        ? await decode(readFileSync(fixturePath(file)), { width: sc.width, height: sc.height, dtype: sc.dtype })
        : await decode(fixturePath(file));
    expect(frame.width).toBe(sc.width);
    expect(frame.height).toBe(sc.height);
    expect(frame.data).toBeInstanceOf(sc.dtype === 'uint16' ? Uint16Array : Uint8Array);
    expect(sha256(frame.data)).toBe((sc as any).pixel_sha256);
  });

  it('reads the legacy .hex and .dat formats', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'ioncam-decode-'));
    const px = new Uint16Array(200 * 200).map((_, i) => (i * 7) % 4000);
    writeFileSync(join(dir, 'f.hex'), new Uint8Array(px.buffer));
    const hex = await decode(join(dir, 'f.hex'));
    expect([hex.width, hex.height]).toEqual([200, 200]);
    expect(Array.from(hex.data.slice(0, 5))).toEqual([0, 7, 14, 21, 28]);
    writeFileSync(join(dir, 'f.dat'), '1 2 3\n4 5 600\n');
    const dat = await decode(join(dir, 'f.dat'));
    expect(dat).toMatchObject({ width: 3, height: 2 });
    expect(Array.from(dat.data)).toEqual([1, 2, 3, 4, 5, 600]);
    writeFileSync(join(dir, 'bad.dat'), '1 2 3\n4 5\n');
    await expect(decode(join(dir, 'bad.dat'))).rejects.toThrow(/row 2 has 2 values/);
  });

  it('reads 8-bit and 24-bit BMP as grey', async () => {
    const bmp = (bpp: 8 | 24, w: number, h: number, px: (x: number, y: number) => number) => {
      const stride = Math.ceil((w * bpp) / 32) * 4;
      const pal = bpp === 8 ? 1024 : 0;
      const buf = Buffer.alloc(54 + pal + stride * h);
      buf.write('BM', 0);
      buf.writeUInt32LE(buf.length, 2);
      buf.writeUInt32LE(54 + pal, 10);
      buf.writeUInt32LE(40, 14);
      buf.writeInt32LE(w, 18);
      buf.writeInt32LE(h, 22);
      buf.writeUInt16LE(1, 26);
      buf.writeUInt16LE(bpp, 28);
      for (let i = 0; pal && i < 256; i++) buf.fill(i, 54 + i * 4, 54 + i * 4 + 3);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const o = 54 + pal + (h - 1 - y) * stride + x * (bpp / 8);
          buf.fill(px(x, y), o, o + bpp / 8);
        }
      }
      return buf;
    };
    for (const bpp of [8, 24] as const) {
      const f = await decode(bmp(bpp, 5, 3, (x, y) => x * 10 + y));
      expect(f).toMatchObject({ width: 5, height: 3 });
      expect(Array.from(f.data)).toEqual([0, 10, 20, 30, 40, 1, 11, 21, 31, 41, 2, 12, 22, 32, 42]);
    }
  });

  it('rejects bad input with precise errors', async () => {
    await expect(decode(Buffer.alloc(0))).rejects.toBeInstanceOf(DecodeError);
    await expect(decode(Buffer.from('this is not an image'))).rejects.toThrow(/not a decodable image/);
    const png = readFileSync(fixturePath('rand300x300_n1_s1101.png'));
    await expect(decode(png.subarray(0, png.length / 2))).rejects.toBeInstanceOf(DecodeError);
    await expect(decode(png, { maxPixels: 1000 })).rejects.toBeInstanceOf(PixelLimitError);
    await expect(decode(Buffer.alloc(10), { width: 3, height: 3, dtype: 'uint8' })).rejects.toThrow(/10 bytes but 3 x 3 uint8 needs 9/);
    await expect(decode(Buffer.alloc(9), { width: 3, height: 3, dtype: 'int8' as any })).rejects.toThrow(TypeError);
    await expect(decode(42 as any)).rejects.toThrow(TypeError);
  });
});
