// Profile models: analytic derivatives against central finite differences, and the physical
// models against independent numbers (areas, symmetric limits, the legacy formula).
import { describe, expect, it } from 'vitest';

import { native } from '../src/analysis/native.js';

const { evalModel } = native.testing;

interface Case {
  model: string;
  params: number[];
  peaks?: number;
}

const cases: Case[] = [
  { model: 'gaussian', params: [10.3, 2.2, 500, 40] },
  { model: 'gaussian-pixel', params: [10.3, 2.2, 5000, 40] },
  { model: 'gaussian-pixel', params: [10.3, 0.6, 5000, 40] },
  { model: 'shm', params: [10.3, 6.2, 800, 40] },
  { model: 'shm-psf', params: [10.3, 0, 2.4, 9000, 40] },
  { model: 'shm-psf', params: [10.3, 0.7, 2.4, 9000, 40] },
  { model: 'shm-psf', params: [10.3, 4.1, 2.4, 9000, 40] },
  { model: 'shm-psf', params: [10.3, 9.5, 1.6, 9000, 40] },
  { model: 'gaussian-pixel', params: [6.1, 2.2, 5000, 14.9, 2.5, 3000, 40], peaks: 2 },
  { model: 'shm-psf', params: [6.1, 2, 2.2, 5000, 16.2, 3, 2.4, 3000, 40], peaks: 2 },
];

function grid(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to + 1e-9; v += step) out.push(v);
  return out;
}

describe('profile models: derivatives', () => {
  it.each(cases.map((c) => [`${c.model} ${JSON.stringify(c.params)}`, c] as const))(
    '%s: jacobian matches central differences',
    (_name, c) => {
      // Off-grid points too, so no symmetry hides a wrong sign.
      const x = grid(-4, 24, 0.37);
      const base = evalModel(c.model, x, c.params, c.peaks);
      let worst = 0;
      for (let k = 0; k < c.params.length; k++) {
        const h = 1e-6 * Math.max(1, Math.abs(c.params[k]));
        const up = c.params.slice();
        const dn = c.params.slice();
        up[k] += h;
        dn[k] -= h;
        // shm-psf at R = 0 sits on the R >= 0 edge of its domain: one-sided there.
        const oneSided = c.model === 'shm-psf' && k % 4 === 1 && c.params[k] === 0 && k < c.params.length - 1;
        const vu = evalModel(c.model, x, up, c.peaks).value as number[];
        const vd = oneSided ? (base.value as number[]) : (evalModel(c.model, x, dn, c.peaks).value as number[]);
        const scale = Math.max(...(base.value as number[]).map((v) => Math.abs(v)));
        for (let i = 0; i < x.length; i++) {
          const fd = (vu[i] - vd[i]) / (oneSided ? h : 2 * h);
          const an = base.jacobian[i][k] as number;
          // Relative to the largest value change a unit of this parameter can make.
          const err = Math.abs(fd - an) / (scale / Math.max(1, Math.abs(c.params[k])));
          worst = Math.max(worst, err);
        }
      }
      expect(worst).toBeLessThan(2e-5);
    },
  );
});

describe('profile models: chunked evaluation (the LM path) equals point evaluation', () => {
  it.each(cases.map((c) => [`${c.model} ${JSON.stringify(c.params)}`, c] as const))('%s', (_name, c) => {
    // A unit grid (shared pixel edges, exponential recurrences) and an uneven one (fallback).
    for (const x of [grid(-8, 30, 1), [0, 1, 2, 4, 5.5, 9, 10, 11]]) {
      const point = evalModel(c.model, x, c.params, c.peaks);
      const chunk = evalModel(c.model, x, c.params, c.peaks, { chunked: true });
      const scale = Math.max(...(point.value as number[]).map(Math.abs));
      for (let i = 0; i < x.length; i++) {
        expect(Math.abs(chunk.value[i] - point.value[i])).toBeLessThan(1e-12 * scale);
        for (let k = 0; k < c.params.length; k++) {
          const ref = Math.abs(point.jacobian[i][k]) + (scale / Math.max(1, Math.abs(c.params[k]))) * 1e-3;
          expect(Math.abs(chunk.jacobian[i][k] - point.jacobian[i][k])).toBeLessThan(1e-11 * ref);
        }
      }
    }
  });
});

describe('profile models: values', () => {
  it('gaussian is the legacy formula offset + A exp(-(x-x0)^2 / (2 sigma^2))', () => {
    const { value } = evalModel('gaussian', [7, 10, 12.5], [10, 2, 300, 5]);
    expect(value[0]).toBeCloseTo(5 + 300 * Math.exp(-9 / 8), 10);
    expect(value[1]).toBeCloseTo(305, 10);
    expect(value[2]).toBeCloseTo(5 + 300 * Math.exp(-6.25 / 8), 10);
  });

  it('shm is offset + A / sqrt(R^2 - (y-y0)^2) inside |y - y0| < R and offset outside', () => {
    const { value } = evalModel('shm', [10, 13, 15, 16], [10, 5, 200, 7]);
    expect(value[0]).toBeCloseTo(7 + 200 / 5, 10);
    expect(value[1]).toBeCloseTo(7 + 200 / 4, 10);
    expect(value[2]).toBe(7);
    expect(value[3]).toBe(7);
  });

  it('pixel-integrated Gaussian: the area is A and the centre pixel holds erf(1/(2 sqrt2 sigma))', () => {
    const x = grid(-30, 50, 1);
    const { value } = evalModel('gaussian-pixel', x, [10.25, 2.5, 1000, 0]);
    const sum = (value as number[]).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1000, 3);
    // Centred ion: mass of [-0.5, 0.5] = erf(0.5 / (sqrt 2 sigma)); erf(0.1414...) = 0.158519...
    const centred = evalModel('gaussian-pixel', [0], [0, 2.5, 1, 0]).value[0];
    expect(centred).toBeCloseTo(0.1585194, 6);
  });

  it('shm-psf: area A, mean y0 and variance sigma^2 + R^2/2 + 1/12 (pixel) for every R', () => {
    const x = grid(-60, 80, 1);
    for (const r of [0, 0.5, 2, 5, 9, 15]) {
      const sigma = 2.3;
      const { value } = evalModel('shm-psf', x, [10.4, r, sigma, 1000, 0]);
      const v = value as number[];
      const sum = v.reduce((a, b) => a + b, 0);
      const mean = v.reduce((a, b, i) => a + b * x[i], 0) / sum;
      const variance = v.reduce((a, b, i) => a + b * (x[i] - mean) ** 2, 0) / sum;
      expect(sum).toBeCloseTo(1000, 3);
      expect(mean).toBeCloseTo(10.4, 5);
      expect(variance).toBeCloseTo(sigma * sigma + (r * r) / 2 + 1 / 12, 3);
    }
  });

  it('shm-psf with R = 0 is the pixel-integrated Gaussian', () => {
    const x = grid(0, 20, 1);
    const a = evalModel('shm-psf', x, [10.3, 0, 2.1, 700, 3]).value as number[];
    const b = evalModel('gaussian-pixel', x, [10.3, 2.1, 700, 3]).value as number[];
    for (let i = 0; i < x.length; i++) expect(a[i]).toBeCloseTo(b[i], 9);
  });

  it('shm-psf with a narrow PSF approaches the pixel-averaged arcsine density', () => {
    // Pixel [y - 0.5, y + 0.5] of the arcsine law on [-R, R]: (asin(b/R) - asin(a/R)) / pi.
    const r = 8;
    const x = grid(-6, 6, 1);
    const v = evalModel('shm-psf', x, [0, r, 0.3, 1, 0]).value as number[];
    for (let i = 0; i < x.length; i++) {
      const expected = (Math.asin((x[i] + 0.5) / r) - Math.asin((x[i] - 0.5) / r)) / Math.PI;
      expect(Math.abs(v[i] - expected)).toBeLessThan(0.02 * expected);
    }
  });

  it('rejects unknown models and wrong parameter counts', () => {
    expect(() => evalModel('lorentz', [1], [1, 2, 3, 4])).toThrow(TypeError);
    expect(() => evalModel('gaussian', [1], [1, 2, 3])).toThrow(RangeError);
    expect(() => evalModel('gaussian', [1], [1, 2, 3, 4], 9)).toThrow(RangeError);
    expect(() => evalModel('gaussian', [NaN], [1, 2, 3, 4])).toThrow(TypeError);
  });
});
