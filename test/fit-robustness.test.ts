// The fit stage on situations the fixtures do not show: ions at the frame edges and corners,
// tiny ROIs, flat and empty frames, 16-bit and float frames, clipped peaks. Nothing may crash
// or return non-finite positions; where the answer is known it must be found.
import { describe, expect, it } from 'vitest';

import { analyze } from '../src/index.js';
import { native } from '../src/analysis/native.js';
import { expectedImage, noisyFrame, rng } from './helpers/synthetic.js';

const { fitIons } = native.testing;
const MODELS = ['shm-psf', 'shm', 'gaussian'] as const;

function finiteIon(ion: any): void {
  for (const k of ['x0', 'y0', 'sigmaX', 'rY', 'ampX', 'ampY', 'offsetX', 'offsetY']) {
    expect(Number.isFinite(ion[k]), k).toBe(true);
  }
}

describe('fits at the edges and in odd frames', () => {
  it('ions at corners and edges: finite results from every model and both window schemes', () => {
    const w = 120, h = 90;
    const spots = [
      { x: 0.4, y: 0.6 }, { x: w - 1.2, y: 0.3 }, { x: 2, y: h - 1 }, { x: w - 1, y: h - 1.5 },
      { x: 60, y: 1 }, { x: 1, y: 45 }, { x: 60, y: 45 },
    ];
    const frame = noisyFrame(expectedImage(w, h, 20, spots.map((s) => ({ ...s, amp: 150 }))), w, h, 'uint8', 3);
    for (const model of MODELS) {
      for (const legacyWindows of [false, true]) {
        const ions = fitIons(frame, spots, { model, legacyWindows });
        expect(ions.length).toBe(spots.length);
        ions.forEach(finiteIon);
      }
    }
    // The centre ion, far from any edge, is found where it is.
    const centre = fitIons(frame, spots, {})[6];
    expect(Math.abs(centre.x0 - 60)).toBeLessThan(0.2);
    expect(Math.abs(centre.y0 - 45)).toBeLessThan(0.3);
  });

  it('tiny ROIs and flat frames do not break the fits', async () => {
    const flat = { width: 40, height: 30, data: new Uint8Array(1200).fill(7) };
    for (const model of MODELS) {
      for (const legacyWindows of [false, true]) {
        for (const roi of [{ x: 0, y: 0, width: 40, height: 30 }, { x: 10, y: 10, width: 3, height: 2 }, { x: 5, y: 5, width: 1, height: 1 }]) {
          const ions = fitIons(flat, [{ x: roi.x, y: roi.y }], { model, legacyWindows, roi });
          expect(ions.length).toBe(1);
          expect(Number.isFinite(ions[0].x0)).toBe(true);
        }
      }
    }
    const dark = { width: 50, height: 50, data: new Uint8Array(2500) };
    expect((await analyze(dark, {})).ionCount).toBe(0);
  });

  it('16-bit and float frames with the same ion give the same fit as 8-bit (scaled)', () => {
    const w = 80, h = 80;
    const lam = expectedImage(w, h, 30, [{ x: 40.3, y: 38.7, amp: 180 }]);
    const u8 = noisyFrame(lam, w, h, 'uint8', 5);
    const u16 = { width: w, height: h, data: Uint16Array.from(u8.data as Uint8Array, (v) => v * 16) };
    const f32 = { width: w, height: h, data: Float32Array.from(u8.data as Uint8Array, (v) => v / 4) };
    const a = fitIons(u8, [{ x: 40, y: 39 }], {})[0];
    const b = fitIons(u16, [{ x: 40, y: 39 }], {})[0];
    const c = fitIons(f32, [{ x: 40, y: 39 }], {})[0];
    for (const other of [b, c]) {
      expect(other.x0).toBeCloseTo(a.x0, 6);
      expect(other.y0).toBeCloseTo(a.y0, 6);
      expect(other.sigmaX).toBeCloseTo(a.sigmaX, 6);
      expect(other.rY).toBeCloseTo(a.rY, 5);
    }
    expect(b.ampX / a.ampX).toBeCloseTo(16, 6);
    expect(Math.abs(a.x0 - 40.3)).toBeLessThan(0.1);
  });

  it('clipped 8-bit peaks: positions and widths still come out right', () => {
    // A bright ion (peak ~900 above 20) in an 8-bit frame: its core is clipped at 255.
    const w = 100, h = 100;
    const truth = { x: 50.3, y: 49.6, sigma: 2.5 };
    const frame = noisyFrame(expectedImage(w, h, 20, [{ ...truth, amp: 900 }]), w, h, 'uint8', 9);
    expect(Array.from(frame.data as Uint8Array).filter((v) => v === 255).length).toBeGreaterThan(10);
    const ion = fitIons(frame, [{ x: 50, y: 50 }], {})[0];
    expect(Math.abs(ion.x0 - truth.x)).toBeLessThan(0.1);
    expect(Math.abs(ion.y0 - truth.y)).toBeLessThan(0.1);
    // expectedImage samples pixel centres: the pixel-integrated width is sqrt(2.5^2 - 1/12) below it.
    expect(Math.abs(ion.sigmaX - Math.sqrt(2.5 ** 2 - 1 / 12))).toBeLessThan(0.15);
  });

  it('random detections on random frames never crash and stay finite', () => {
    const rand = rng(11);
    for (let t = 0; t < 40; t++) {
      const w = 20 + Math.floor(rand() * 200), h = 20 + Math.floor(rand() * 200);
      const spots = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => ({
        x: rand() * (w - 1),
        y: rand() * (h - 1),
        amp: rand() * 300,
        sigma: 0.7 + rand() * 4,
      }));
      const frame = noisyFrame(expectedImage(w, h, rand() * 60, spots), w, h, rand() < 0.5 ? 'uint8' : 'float32', t);
      const model = MODELS[t % 3];
      const ions = fitIons(frame, spots.map(({ x, y }) => ({ x, y })), { model, legacyWindows: t % 2 === 1 });
      expect(ions.length).toBe(spots.length);
      ions.forEach(finiteIon);
    }
  });

  it('rejects bad arguments with clear errors', () => {
    const frame = { width: 10, height: 10, data: new Uint8Array(100) };
    expect(() => fitIons(frame, [{ x: 20, y: 2 }], {})).toThrow(RangeError);
    expect(() => fitIons(frame, [{ x: NaN, y: 2 }], {})).toThrow(RangeError);
    expect(() => fitIons(frame, 'nope', {})).toThrow(TypeError);
    expect(() => fitIons(frame, [{ x: 1, y: 1 }], { model: 'lorentz' })).toThrow(TypeError);
    expect(() => fitIons(frame, [{ x: 1, y: 1 }], { roi: { x: 5, y: 5, width: 10, height: 2 } })).toThrow(RangeError);
  });
});
