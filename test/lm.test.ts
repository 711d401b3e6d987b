// The bounded Levenberg-Marquardt core on problems whose answers are known independently.
import { describe, expect, it } from 'vitest';

import { native } from '../src/analysis/native.js';

const { evalModel, fitProfile } = native.testing;

function grid(from: number, to: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v++) out.push(v);
  return out;
}

// Deterministic pseudo-noise (uniform in [-a, a]) so every run sees the same data.
function noise(n: number, a: number, seed = 7): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * 2 * a;
  });
}

const INF = 1e30;

describe('lm_fit', () => {
  it('recovers a noiseless Gaussian from a distant start', () => {
    const x = grid(0, 40);
    const truth = [21.37, 2.8, 900, 55];
    const y = evalModel('gaussian', x, truth).value;
    const r = fitProfile('gaussian', x, y, [17, 5, 300, 0], [0, 0.2, 0, 0], [40, 20, INF, INF]);
    expect(r.converged).toBe(true);
    for (let k = 0; k < 4; k++) expect(r.params[k]).toBeCloseTo(truth[k], 6);
    expect(r.cost).toBeLessThan(1e-12);
  });

  it('recovers shm-psf amplitude R and PSF width separately from noiseless data', () => {
    const x = grid(0, 60);
    const truth = [30.4, 7.5, 2.3, 20000, 300];
    const y = evalModel('shm-psf', x, truth).value;
    const r = fitProfile('shm-psf', x, y, [29, 4, 3, 15000, 250], [0, 0, 0.3, 0, 0], [60, 30, 15, INF, INF]);
    expect(r.converged).toBe(true);
    for (let k = 0; k < 5; k++) expect(r.params[k]).toBeCloseTo(truth[k], 4);
  });

  it('separates two overlapping peaks with a joint fit', () => {
    const x = grid(0, 40);
    const truth = [15.2, 2.3, 6000, 25.6, 2.5, 4000, 100];
    const y = evalModel('gaussian-pixel', x, truth, 2).value;
    const p0 = [14, 2, 5000, 27, 2, 5000, 90];
    const r = fitProfile('gaussian-pixel', x, y, p0, [0, 0.3, 0, 0, 0.3, 0, 0], [40, 10, INF, 40, 10, INF, INF], {
      peaks: 2,
    });
    expect(r.converged).toBe(true);
    for (let k = 0; k < 7; k++) expect(r.params[k]).toBeCloseTo(truth[k], 5);
  });

  it("errors are curve_fit's: sqrt(diag(inv(J^T J)) * SSR / (n - p)) at the solution", () => {
    // Independent check: J by central differences of the model, inverted here.
    const x = grid(0, 30);
    const e = noise(x.length, 12);
    const y = evalModel('gaussian', x, [14.2, 3, 500, 40]).value.map((v: number, i: number) => v + e[i]);
    const r = fitProfile('gaussian', x, y, [15, 2.5, 400, 30], [0, 0.2, 0, 0], [30, 15, INF, INF]);
    expect(r.converged).toBe(true);
    const p: number[] = r.params;
    const cols = p.map((v, k) => {
      const h = 1e-6 * Math.max(1, Math.abs(v));
      const up = p.slice();
      const dn = p.slice();
      up[k] += h;
      dn[k] -= h;
      const fu = evalModel('gaussian', x, up).value as number[];
      const fd = evalModel('gaussian', x, dn).value as number[];
      return fu.map((u, i) => (u - fd[i]) / (2 * h));
    });
    const m = cols.map((ca) => cols.map((cb) => ca.reduce((s, v, i) => s + v * cb[i], 0)));
    // Gauss-Jordan inverse of the 4x4 normal matrix.
    const inv = m.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
    for (let c = 0; c < 4; c++) {
      let piv = c;
      for (let rr = c + 1; rr < 4; rr++) if (Math.abs(inv[rr][c]) > Math.abs(inv[piv][c])) piv = rr;
      [inv[c], inv[piv]] = [inv[piv], inv[c]];
      const d = inv[c][c];
      for (let j = 0; j < 8; j++) inv[c][j] /= d;
      for (let rr = 0; rr < 4; rr++) {
        if (rr === c) continue;
        const f = inv[rr][c];
        for (let j = 0; j < 8; j++) inv[rr][j] -= f * inv[c][j];
      }
    }
    const f = evalModel('gaussian', x, p).value as number[];
    const ssr = f.reduce((a, v, i) => a + (y[i] - v) ** 2, 0);
    expect(r.cost).toBeCloseTo(ssr / 2, 6);
    for (let k = 0; k < 4; k++) {
      const expected = Math.sqrt((inv[k][4 + k] * ssr) / (x.length - 4));
      expect(Math.abs(r.errors[k] - expected)).toBeLessThan(1e-5 * expected);
    }
  });

  it('stops on an active bound and optimises the free parameters given it', () => {
    // The data want offset 50, the box allows at most 30: the solution has offset = 30 and the
    // other parameters at the optimum with offset held at 30 (a separate fit with lower = upper).
    const x = grid(0, 40);
    const e = noise(x.length, 5, 3);
    const y = evalModel('gaussian', x, [20.3, 3.1, 400, 50]).value.map((v: number, i: number) => v + e[i]);
    const bounded = fitProfile('gaussian', x, y, [19, 2.5, 300, 20], [0, 0.2, 0, 0], [40, 20, INF, 30]);
    const held = fitProfile('gaussian', x, y, [19, 2.5, 300, 30], [0, 0.2, 0, 30], [40, 20, INF, 30]);
    expect(bounded.converged).toBe(true);
    expect(bounded.params[3]).toBe(30);
    for (let k = 0; k < 3; k++) expect(Math.abs(bounded.params[k] - held.params[k])).toBeLessThan(1e-5 * Math.abs(held.params[k]));
    // And it is a real constrained minimum: moving the free parameters or lowering the
    // offset raises the cost.
    const costAt = (p: number[]) => {
      const f = evalModel('gaussian', x, p).value as number[];
      return 0.5 * f.reduce((a, v, i) => a + (y[i] - v) ** 2, 0);
    };
    expect(costAt(bounded.params)).toBeCloseTo(bounded.cost, 6);
    for (let k = 0; k < 4; k++) {
      const p = bounded.params.slice();
      p[k] -= 1e-3 * Math.max(1, Math.abs(p[k]));
      expect(costAt(p)).toBeGreaterThan(bounded.cost);
    }
  });

  it('holds a centre that the data push beyond the box exactly on the bound', () => {
    const x = grid(0, 40);
    const y = evalModel('gaussian', x, [24, 2.5, 300, 10]).value;
    const r = fitProfile('gaussian', x, y, [20, 2.5, 300, 10], [0, 0.2, 0, 0], [21, 20, INF, INF]);
    expect(r.converged).toBe(true);
    expect(r.params[0]).toBe(21);
    expect(r.params[1]).toBeGreaterThan(2.5); // widens to reach the light beyond the bound
  });

  it('reports non-convergence when the iteration limit is hit', () => {
    const x = grid(0, 60);
    const y = evalModel('shm-psf', x, [30.4, 7.5, 2.3, 20000, 300]).value;
    const r = fitProfile('shm-psf', x, y, [20, 1, 5, 1000, 0], [0, 0, 0.3, 0, 0], [60, 30, 15, INF, INF], {
      maxIterations: 3,
    });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(3);
  });

  it('rejects inconsistent arguments', () => {
    expect(() => fitProfile('gaussian', [1, 2], [1], [1, 1, 1, 1], [0, 0, 0, 0], [2, 2, 2, 2])).toThrow(RangeError);
    expect(() => fitProfile('gaussian', [1], [1], [1, 1, 1, 1], [3, 0, 0, 0], [2, 2, 2, 2])).toThrow(RangeError);
    expect(() => fitProfile('gaussian', [1], [1], [1, 1, 1], [0, 0, 0], [2, 2, 2])).toThrow(RangeError);
  });
});
