// The solver check of issue 2: with the legacy windows, guesses, bounds and model ('shm') the
// bounded fit must land where the legacy method lands when its fits are allowed to run
// (the fixtures' intended_fit: scipy curve_fit, method 'trf').
import { describe, expect, it } from 'vitest';

import { analyze } from '../src/index.js';
import { native } from '../src/analysis/native.js';
import { intendedMismatch, legacyRoi, loadFrame, popt, sidecars } from './helpers/fit-eval.js';
import type { Sidecar } from './helpers/fixtures.js';

const withIntendedFit = sidecars.filter((sc) => sc.reference_valid && sc.intended_fit && sc.reference.atom_count > 0);

/** The whole frame through analyze() the legacy way: its detector, model, window and radius. */
async function analyzeLegacy(sc: Sidecar) {
  return analyze(await loadFrame(sc), { detector: 'legacy', model: 'shm', roi: legacyRoi(sc), radius: sc.params.radius });
}

describe('legacy windows, initial guesses and bounds', () => {
  it("are intended_fit's exactly (window, p0, lower, upper of every profile)", async () => {
    let profiles = 0;
    for (const sc of withIntendedFit) {
      const frame = await loadFrame(sc);
      const [xs, ys] = sc.reference.Centers as number[][];
      const roi = {
        x: sc.params.ystart,
        y: sc.params.xstart,
        width: Math.min(sc.width, sc.params.yfinish) - sc.params.ystart,
        height: Math.min(sc.height, sc.params.xfinish) - sc.params.xstart,
      };
      sc.intended_fit.ions.forEach((want: any, i: number) => {
        const setup = native.testing.legacySetup(frame, { x: xs[i] - roi.x, y: ys[i] - roi.y }, roi);
        for (const side of ['horizontal', 'vertical'] as const) {
          const w = want[side];
          if (!w.p0) continue;
          profiles++;
          const mine = setup[side];
          expect(mine.window, `${sc.file}#${i} ${side} window`).toEqual(w.window);
          for (const key of ['p0', 'lower', 'upper'] as const) {
            (w[key] as number[]).forEach((v, k) => {
              expect(Math.abs(mine[key][k] - v), `${sc.file}#${i} ${side} ${key}[${k}]`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v)));
            });
          }
        }
      });
    }
    expect(profiles).toBeGreaterThan(250);
  });
});

describe('legacy windows + shm reproduce intended_fit', () => {
  it('on the legacy detections (reference.Centers), through testing.fitIons', async () => {
    let agree = 0;
    let total = 0;
    const misses: string[] = [];
    for (const sc of withIntendedFit) {
      const frame = await loadFrame(sc);
      const [xs, ys] = sc.reference.Centers as number[][];
      const roi = { x: sc.params.ystart, y: sc.params.xstart, width: 0, height: 0 };
      roi.width = Math.min(sc.width, sc.params.yfinish) - roi.x;
      roi.height = Math.min(sc.height, sc.params.xfinish) - roi.y;
      const ions = native.testing.fitIons(frame, xs.map((x, i) => ({ x, y: ys[i] })), {
        model: 'shm',
        legacyWindows: true,
        roi,
      });
      sc.intended_fit.ions.forEach((want: any, i: number) => {
        if (!want.converged) return;
        total++;
        const bad = intendedMismatch(popt(ions[i]), want.popt);
        if (bad.length === 0) agree++;
        else misses.push(`${sc.file}#${i}: ${bad.join(',')}`);
      });
    }
    console.log(`intended_fit agreement (reference centres): ${agree}/${total}`, misses);
    expect(total).toBeGreaterThan(100);
    expect(agree / total).toBeGreaterThanOrEqual(0.95);
  });

  it("through analyze() with detector 'legacy' and model 'shm'", async () => {
    let agree = 0;
    let total = 0;
    for (const sc of withIntendedFit) {
      const r = await analyzeLegacy(sc);
      sc.intended_fit.ions.forEach((want: any, i: number) => {
        if (!want.converged) return;
        total++;
        // Ions come in the legacy's detection order, so index i is the same detection.
        if (i < r.ions.length && intendedMismatch(popt(r.ions[i]), want.popt).length === 0) agree++;
      });
    }
    console.log(`intended_fit agreement (legacy detector): ${agree}/${total}`);
    expect(agree / total).toBeGreaterThanOrEqual(0.95);
  });

  it('errors are curve_fit errors and failed fits fall back like the legacy', async () => {
    // perr within 5 % where intended_fit converged; a profile scipy could not fit (maxfev)
    // reports the detection and the initial estimates with zero errors, converged false.
    let close = 0;
    let total = 0;
    let fallbacks = 0;
    for (const sc of withIntendedFit) {
      const r = await analyzeLegacy(sc);
      sc.intended_fit.ions.forEach((want: any, i: number) => {
        const ion = r.ions[i];
        if (!ion) return;
        if (!want.converged) {
          fallbacks++;
          expect(ion.converged).toBe(false);
          return;
        }
        const e = ion.errors;
        const mine = [e.x0, e.y0, e.sigmaX, e.rY, e.ampX, e.ampY, e.offsetX, e.offsetY];
        total++;
        if (mine.every((v, k) => Math.abs(v - want.perr[k]) <= 0.05 * Math.abs(want.perr[k]) + 1e-9)) close++;
      });
    }
    console.log(`perr within 5 %: ${close}/${total}; fallbacks checked: ${fallbacks}`);
    expect(close / total).toBeGreaterThanOrEqual(0.9);
  });
});
