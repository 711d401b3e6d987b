// Runs the fit stage over the fixture frames and compares with truth and with intended_fit.
import { readFileSync } from 'node:fs';

import { analyze, decode, type AnalyzeOptions, type Frame, type IonResult } from '../../src/index.js';
import { allSidecars, fixturePath, type Sidecar } from './fixtures.js';

export const sidecars = allSidecars();

const frames = new Map<string, Promise<Frame>>();
export function loadFrame(sc: Sidecar): Promise<Frame> {
  if (!frames.has(sc.file)) {
    frames.set(
      sc.file,
      sc.format === 'raw'
        ? decode(readFileSync(fixturePath(sc.file)), { width: sc.width, height: sc.height, dtype: sc.dtype })
        : decode(fixturePath(sc.file)),
    );
  }
  return frames.get(sc.file)!;
}

export const legacyRoi = (sc: Sidecar) => ({
  xstart: sc.params.xstart,
  xfinish: sc.params.xfinish,
  ystart: sc.params.ystart,
  yfinish: sc.params.yfinish,
});

/** The legacy's 8-value layout: x0, y0, sigma_x, R_y, A_x, A_y, offset_x, offset_y. */
export const popt = (a: IonResult): number[] => [a.x0, a.y0, a.sigmaX, a.rY, a.ampX, a.ampY, a.offsetX, a.offsetY];

/** Indices of the parameters outside intended_fit's tolerance (positions 0.02 px, others 1 %). */
export function intendedMismatch(mine: number[], want: number[]): number[] {
  return mine
    .map((v, k) => (Math.abs(v - want[k]) <= (k < 2 ? 0.02 : 0.01 * Math.abs(want[k])) ? -1 : k))
    .filter((k) => k >= 0);
}

export const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
};

export interface TruthMatch {
  sc: Sidecar;
  truth: Sidecar['truth']['ions'][number];
  ion: IonResult;
}

export interface AccuracyRun {
  isolated: TruthMatch[]; // cases random* and r_sweep
  chain: TruthMatch[];
  missed: number; // truth ions (isolated or chain) with no fitted ion within 3 px
}

/** analyze() on every isolated-ion and chain fixture; each truth ion paired with the nearest fit. */
export async function accuracyRun(options: AnalyzeOptions): Promise<AccuracyRun> {
  const run: AccuracyRun = { isolated: [], chain: [], missed: 0 };
  for (const sc of sidecars) {
    const isolated = sc.case.startsWith('random') || sc.case === 'r_sweep';
    if (!isolated && sc.case !== 'chain') continue;
    const frame = await loadFrame(sc);
    const r = await analyze(frame, { ...options, roi: legacyRoi(sc), radius: sc.params.radius });
    for (const t of sc.truth.ions.filter((ion) => ion.in_roi)) {
      let best: IonResult | undefined;
      let bestDist = 3;
      for (const ion of r.ions) {
        const d = Math.hypot(ion.x0 - t.x, ion.y0 - t.y);
        if (d < bestDist) [best, bestDist] = [ion, d];
      }
      if (!best) run.missed++;
      else (isolated ? run.isolated : run.chain).push({ sc, truth: t, ion: best });
    }
  }
  return run;
}

export function summarise(run: AccuracyRun) {
  return {
    isolatedIons: run.isolated.length,
    medianX: median(run.isolated.map((m) => Math.abs(m.ion.x0 - m.truth.x))),
    medianY: median(run.isolated.map((m) => Math.abs(m.ion.y0 - m.truth.y))),
    chainIons: run.chain.length,
    chainMedian: median(run.chain.map((m) => Math.hypot(m.ion.x0 - m.truth.x, m.ion.y0 - m.truth.y))),
    rSweep: run.isolated
      .filter((m) => m.sc.case === 'r_sweep')
      .map((m) => ({ truth: m.truth.R_y, fit: m.ion.rY, error: Math.abs(m.ion.rY - m.truth.R_y) })),
    missed: run.missed,
  };
}
