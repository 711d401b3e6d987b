// Fit accuracy against the fixtures' truth, through analyze() with the default detector and
// model ('peaks', 'shm-psf'): issue 2's thresholds. The other models and the legacy detector
// are measured and printed for the record (their figures are in the report, not asserted
// beyond sanity, since the legacy models are biased by design).
import { describe, expect, it } from 'vitest';

import { accuracyRun, summarise } from './helpers/fit-eval.js';

describe('fit accuracy vs truth (default detector and model)', () => {
  it('isolated ions: median |x0 - x| <= 0.05 px, median |y0 - y| <= 0.1 px; chains <= 0.1 px; R_y within 0.5 px', async () => {
    const run = await accuracyRun({});
    const s = summarise(run);
    console.log('peaks/shm-psf', JSON.stringify(s));
    expect(s.missed).toBe(0);
    expect(s.isolatedIons).toBeGreaterThan(90);
    expect(s.medianX).toBeLessThanOrEqual(0.05);
    expect(s.medianY).toBeLessThanOrEqual(0.1);
    expect(s.chainIons).toBe(50);
    expect(s.chainMedian).toBeLessThanOrEqual(0.1);
    const large = s.rSweep.filter((r) => r.truth >= 3);
    expect(large.length).toBe(10);
    for (const r of large) expect(r.error, `R_y ${r.truth} fitted ${r.fit}`).toBeLessThanOrEqual(0.5);
  });

  it('every fit converges and reports finite, positive errors', async () => {
    const run = await accuracyRun({});
    for (const m of [...run.isolated, ...run.chain]) {
      expect(m.ion.converged, `${m.sc.file} at ${m.truth.x},${m.truth.y}`).toBe(true);
      for (const [k, v] of Object.entries(m.ion.errors)) {
        expect(Number.isFinite(v), `${m.sc.file} error ${k}`).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('the position errors are honest: |x0 - x| / error is of order one', async () => {
    // Isolated, unsaturated ions: the spread of the normalised deviations should be ~1 (2x either way).
    const run = await accuracyRun({});
    const z = run.isolated
      .filter((m) => m.sc.case !== 'r_sweep')
      .flatMap((m) => [(m.ion.x0 - m.truth.x) / m.ion.errors.x0, (m.ion.y0 - m.truth.y) / m.ion.errors.y0]);
    const rms = Math.sqrt(z.reduce((a, v) => a + v * v, 0) / z.length);
    console.log(`normalised position deviations: rms ${rms.toFixed(2)} over ${z.length}`);
    expect(rms).toBeGreaterThan(0.5);
    expect(rms).toBeLessThan(2);
  });
});

describe('fit accuracy vs truth (other models and detectors, printed)', () => {
  for (const detector of ['peaks', 'legacy'] as const) {
    for (const model of ['shm-psf', 'shm', 'gaussian'] as const) {
      if (detector === 'peaks' && model === 'shm-psf') continue;
      it(`${detector}/${model}`, async () => {
        const s = summarise(await accuracyRun({ detector, model }));
        console.log(`${detector}/${model}`, JSON.stringify(s));
        // Positions stay near the ions whatever the vertical model.
        expect(s.medianX).toBeLessThan(0.1);
        expect(s.medianY).toBeLessThan(1);
      });
    }
  }
});
