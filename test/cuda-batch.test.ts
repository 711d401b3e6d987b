// fitBatch: the batch API the GPU path is fed through, checked on the CPU (and on the GPU when
// one is present): the same fits as one-profile-at-a-time fits, close to the truth, and every
// bad argument refused with a TypeError/RangeError.
import { describe, expect, it } from 'vitest';

import { BATCH_PARAMS, buildInfo, fitBatch, profileFit } from '../src/index.js';
import { native } from '../src/analysis/native.js';
import { MODELS } from '../src/analysis/options.js';
import type { VerticalModelName } from '../src/analysis/types.js';
import { rng } from './helpers/synthetic.js';

const gpuAvailable = (buildInfo() as { gpu: { available: boolean } }).gpu.available;

interface Synthetic {
  profiles: number[][];
  truth: number[]; // centre of each profile
}

/** Fixture-like profiles (column/row sums of an ion window): 40 samples, offset ~2000, peak ~2500. */
function synthetic(model: 'gaussian' | 'shm-psf', count: number, seed: number, points = 40): Synthetic {
  const u = rng(seed);
  const profiles: number[][] = [];
  const truth: number[] = [];
  const x = Array.from({ length: points }, (_, j) => j);
  for (let i = 0; i < count; i++) {
    const centre = points / 2 - 3 + 6 * u();
    const offset = 1500 + 1000 * u();
    const params =
      model === 'gaussian'
        ? [centre, 2 + 1.2 * u(), 1500 + 1500 * u(), offset]
        : [centre, 1 + 6 * u(), 2 + u(), 8000 + 8000 * u(), offset];
    const clean = native.testing.evalModel(model, x, params).value as number[];
    profiles.push(
      clean.map((v) => {
        const g = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
        return Math.round(v + Math.sqrt(v) * g);
      }),
    );
    truth.push(centre);
  }
  return { profiles, truth };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function fitAlone(model: VerticalModelName, y: number[]) {
  const start = native.testing.batchStart(MODELS.indexOf(model), y, 0);
  const x = y.map((_, j) => j);
  const yf = Array.from(Float32Array.from(y));
  return native.testing.fitProfile(model, x, yf, start.p0, start.lower, start.upper) as {
    params: number[];
    errors: number[];
    converged: boolean;
    iterations: number;
  };
}

function expectClose(a: number, b: number, rel: number): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(a), Math.abs(b)));
}

describe('fitBatch', () => {
  it.each([
    ['gaussian', 3000],
    ['shm', 150],
    ['shm-psf', 150],
  ] as const)('%s: a batch gives the same fits as fitting each profile alone (%i profiles)', async (model, count) => {
    const data = synthetic(model === 'gaussian' ? 'gaussian' : 'shm-psf', count, 7 + count);
    const batch = await fitBatch(model, data.profiles, { gpu: 'off' });
    expect(batch.device).toBe('cpu');
    expect(batch.count).toBe(count);
    expect(batch.paramNames).toEqual(BATCH_PARAMS[model]);
    const np = batch.paramNames.length;
    // Every profile checked for the slow models, a spread sample of the Gaussian ones.
    const step = count > 500 ? 37 : 1;
    for (let i = 0; i < count; i += step) {
      const alone = fitAlone(model, data.profiles[i]);
      const fit = profileFit(batch, i);
      expect(fit.converged).toBe(alone.converged);
      expect(fit.iterations).toBe(alone.iterations);
      for (let k = 0; k < np; k++) {
        expectClose(batch.params[i * np + k], alone.params[k], 1e-9);
        expectClose(batch.errors[i * np + k], alone.errors[k], 1e-6);
      }
    }
  });

  it('finds the truth: median centre error well under 0.1 px on fixture-like profiles', async () => {
    const g = synthetic('gaussian', 500, 11);
    const gf = await fitBatch('gaussian', g.profiles);
    expect(gf.converged.every((c) => c === 1)).toBe(true);
    expect(median(g.truth.map((t, i) => Math.abs(gf.params[i * 4] - t)))).toBeLessThan(0.05);
    const s = synthetic('shm-psf', 100, 12);
    const sf = await fitBatch('shm-psf', s.profiles);
    expect(median(s.truth.map((t, i) => Math.abs(sf.params[i * 5] - t)))).toBeLessThan(0.1);
  });

  it('is independent of batch composition and layout (flat Float32Array, xStart)', async () => {
    const data = synthetic('gaussian', 5, 21);
    const all = await fitBatch('gaussian', data.profiles);
    const flat = Float32Array.from(data.profiles.flat());
    const shifted = await fitBatch('gaussian', flat, { points: 40, xStart: 100 });
    for (let i = 0; i < 5; i++) {
      const one = await fitBatch('gaussian', [data.profiles[i]]);
      expect(Array.from(one.params)).toEqual(Array.from(all.params.subarray(i * 4, i * 4 + 4)));
      expectClose(shifted.params[i * 4], all.params[i * 4] + 100, 1e-9);
      expectClose(shifted.params[i * 4 + 1], all.params[i * 4 + 1], 1e-7);
    }
  });

  it("gpu 'auto' gives the same fits as 'off'", async () => {
    const data = synthetic('gaussian', 5000, 31);
    const off = await fitBatch('gaussian', data.profiles, { gpu: 'off' });
    const auto = await fitBatch('gaussian', data.profiles, { gpu: 'auto' });
    if (auto.device === 'cpu') {
      expect(Array.from(auto.params)).toEqual(Array.from(off.params));
    } else {
      // On a GPU: the same code in double precision; positions within 1e-3 px, the rest 1e-3 relative.
      for (let i = 0; i < off.count; i++) {
        expect(Math.abs(auto.params[i * 4] - off.params[i * 4])).toBeLessThan(1e-3);
        for (let k = 1; k < 4; k++) expectClose(auto.params[i * 4 + k], off.params[i * 4 + k], 1e-3);
      }
    }
  });

  it.skipIf(gpuAvailable)("gpu 'on' without a usable GPU rejects with a clear error", async () => {
    const data = synthetic('gaussian', 3, 41);
    await expect(fitBatch('gaussian', data.profiles, { gpu: 'on' })).rejects.toThrow(
      /gpu: 'on' was requested but the GPU cannot be used/,
    );
  });

  it('returns an empty result for no profiles', async () => {
    const r = await fitBatch('shm', []);
    expect(r.count).toBe(0);
    expect(r.params).toHaveLength(0);
  });

  it('refuses bad arguments with TypeError/RangeError', async () => {
    const ok = synthetic('gaussian', 2, 51).profiles;
    // @ts-expect-error deliberately wrong
    await expect(fitBatch('lorentz', ok)).rejects.toThrow(TypeError);
    // @ts-expect-error deliberately wrong
    await expect(fitBatch('gaussian', 'abc')).rejects.toThrow(TypeError);
    await expect(fitBatch('gaussian', [ok[0], ok[1].slice(1)])).rejects.toThrow(/profiles\[1\] has 39 samples/);
    await expect(fitBatch('gaussian', [[1, 2, NaN, 4, 5, 6]])).rejects.toThrow(TypeError);
    await expect(fitBatch('gaussian', [[1, 2, 3]])).rejects.toThrow(RangeError);
    await expect(fitBatch('gaussian', new Float32Array(80))).rejects.toThrow(/options.points is required/);
    await expect(fitBatch('gaussian', new Float32Array(81), { points: 40 })).rejects.toThrow(RangeError);
    await expect(fitBatch('gaussian', new Float32Array([1, 2, 3, 4, 5, Infinity]), { points: 6 })).rejects.toThrow(
      /must be finite/,
    );
    await expect(fitBatch('gaussian', ok, { points: 2.5 })).rejects.toThrow(RangeError);
    // @ts-expect-error deliberately wrong
    await expect(fitBatch('gaussian', ok, { gpu: 'maybe' })).rejects.toThrow(TypeError);
    // @ts-expect-error deliberately wrong
    await expect(fitBatch('gaussian', ok, { window: 3 })).rejects.toThrow(/unknown option "window"/);
    await expect(fitBatch('gaussian', ok, { xStart: Number.NaN })).rejects.toThrow(TypeError);
    expect(() => profileFit({ count: 0 } as never, 0)).toThrow(RangeError);
  });
});
