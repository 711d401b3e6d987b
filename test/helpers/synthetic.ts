// Small deterministic synthetic frames for tests that need a situation no fixture shows
// (hot pixel on a dark frame, ion just outside an ROI, float frames, ...).
import type { Frame } from '../../src/index.js';

/** Mulberry32: a tiny seeded PRNG so synthetic frames are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticIon {
  x: number;
  y: number;
  /** Peak height above background. */
  amp: number;
  sigma?: number;
}

/** Expected photons: background plus Gaussian spots (pixel centres sampled). */
export function expectedImage(width: number, height: number, background: number, ions: SyntheticIon[]): Float64Array {
  const lam = new Float64Array(width * height).fill(background);
  for (const ion of ions) {
    const s = ion.sigma ?? 2.5;
    const r0 = Math.max(0, Math.floor(ion.y - 6 * s)), r1 = Math.min(height - 1, Math.ceil(ion.y + 6 * s));
    const c0 = Math.max(0, Math.floor(ion.x - 6 * s)), c1 = Math.min(width - 1, Math.ceil(ion.x + 6 * s));
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        lam[r * width + c] += ion.amp * Math.exp(-((c - ion.x) ** 2 + (r - ion.y) ** 2) / (2 * s * s));
      }
    }
  }
  return lam;
}

/** Adds Gaussian-approximated shot noise and rounds into the given pixel type (clipped). */
export function noisyFrame(
  lam: Float64Array,
  width: number,
  height: number,
  dtype: 'uint8' | 'uint16' | 'float32',
  seed = 1,
): Frame {
  const rand = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const vmax = dtype === 'uint8' ? 255 : dtype === 'uint16' ? 65535 : Infinity;
  const data =
    dtype === 'uint8' ? new Uint8Array(lam.length) : dtype === 'uint16' ? new Uint16Array(lam.length) : new Float32Array(lam.length);
  for (let i = 0; i < lam.length; i++) {
    const v = lam[i] + Math.sqrt(lam[i]) * gauss();
    data[i] = dtype === 'float32' ? Math.max(0, v) : Math.min(vmax, Math.max(0, Math.round(v)));
  }
  return { width, height, data };
}
