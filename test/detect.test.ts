// Ion detection through the real addon (analyze at analysis level 1): the legacy detector
// against the legacy implementation's recorded outputs, the default 'peaks' detector against
// the fixtures' truth, and the situations the fixtures do not cover with synthetic frames.
import { describe, expect, it } from 'vitest';

import { analyze, type AnalysisResult, type AnalyzeOptions, type Frame } from '../src/index.js';
import { allSidecars, type Sidecar } from './helpers/fixtures.js';
import { legacyRoi, loadFrame as load } from './helpers/fit-eval.js';
import { expectedImage, noisyFrame } from './helpers/synthetic.js';

const sidecars = allSidecars();
const byName = (name: string): Sidecar => sidecars.find((s) => s.file === name)!;

function detect(frame: Frame, detector: 'legacy' | 'peaks', extra: AnalyzeOptions = {}): Promise<AnalysisResult> {
  return analyze(frame, { detector, analysis: 1, ...extra });
}

function detectFixture(sc: Sidecar, detector: 'legacy' | 'peaks'): Promise<AnalysisResult> {
  return load(sc).then((f) => detect(f, detector, { radius: sc.params.radius, roi: legacyRoi(sc) }));
}

/** Distance from each truth ion to the nearest detection. */
function nearestErrors(r: AnalysisResult, ions: { x: number; y: number }[]): number[] {
  return ions.map((t) => Math.min(...r.ions.map((i) => Math.hypot(i.x0 - t.x, i.y0 - t.y))));
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

describe('legacy detector', () => {
  const valid = sidecars.filter((s) => s.reference_valid);

  it('has a reference for most fixtures', () => {
    expect(valid.length).toBeGreaterThanOrEqual(50);
  });

  it.each(valid.map((s) => [s.file, s] as const))(
    '%s: atom_count, centres (in contour order) and blur statistics match the legacy',
    async (_, sc) => {
      const r = await detectFixture(sc, 'legacy');
      const ref = sc.reference;
      expect(r.ionCount).toBe(ref.atom_count);
      ref.Centers[0].forEach((x: number, i: number) => {
        expect(Math.abs(r.ions[i].x0 - x)).toBeLessThanOrEqual(1);
        expect(Math.abs(r.ions[i].y0 - ref.Centers[1][i])).toBeLessThanOrEqual(1);
      });
      expect(Math.abs(r.detection.lMax - ref.detection.l_max)).toBeLessThan(1e-3 * Math.max(1, ref.detection.l_max));
      expect(Math.abs(r.detection.lAvg - ref.detection.l_avg)).toBeLessThan(1e-3 * Math.max(1, ref.detection.l_avg));
      expect(r.detection.blobs).toBe(ref.detection.contours);
    },
  );

  it('thresholds 16-bit frames in their own range (no uint8 wrap)', async () => {
    // The legacy cast these to uint8 and found nothing; spread-out ions are all found here.
    const u16 = sidecars.filter((s) => s.dtype === 'uint16' && !s.reference_valid && !s.file.includes('chain'));
    expect(u16.length).toBeGreaterThanOrEqual(8);
    for (const sc of u16) {
      const r = await detectFixture(sc, 'legacy');
      expect(r.ionCount, sc.file).toBe(sc.truth.ion_count_in_roi);
      expect(r.detection.lMax, sc.file).toBeGreaterThan(255);
      expect(Math.max(...nearestErrors(r, sc.truth.ions)), sc.file).toBeLessThan(2);
    }
  });

  it('thresholds float frames in their own range', async () => {
    const sc = byName('rand300x300_n5_s1117.png');
    const u8 = await load(sc);
    const scaled: Frame = { width: u8.width, height: u8.height, data: Float32Array.from(u8.data, (v) => v / 1000) };
    const r = await detect(scaled, 'legacy');
    expect(r.ionCount).toBe(sc.reference.atom_count);
    expect(Math.max(...nearestErrors(r, sc.truth.ions))).toBeLessThan(2);
  });
});

describe('peaks detector (default)', () => {
  it('counts the ions of at least 95 % of all fixture frames', async () => {
    let peaksOk = 0;
    let legacyOk = 0;
    let legacyRan = 0;
    const failures: string[] = [];
    for (const sc of sidecars) {
      const r = await detectFixture(sc, 'peaks');
      if (r.ionCount === sc.truth.ion_count_in_roi) peaksOk++;
      else failures.push(`${sc.file} (${r.ionCount} of ${sc.truth.ion_count_in_roi})`);
      if (sc.reference_valid) {
        legacyRan++;
        if (sc.reference.atom_count === sc.truth.ion_count_in_roi) legacyOk++;
      }
    }
    console.log(
      `peaks detector: ion count right on ${peaksOk} of ${sidecars.length} fixtures ` +
        `(legacy reference: ${legacyOk} of ${legacyRan}); wrong: ${failures.join(', ') || 'none'}`,
    );
    expect(peaksOk / sidecars.length).toBeGreaterThanOrEqual(0.95);
  });

  it('puts every ion within 1.5 px of the truth (median error printed)', async () => {
    const errors: number[] = [];
    for (const sc of sidecars) {
      const r = await detectFixture(sc, 'peaks');
      if (r.ionCount !== sc.truth.ion_count_in_roi) continue;
      const e = nearestErrors(r, sc.truth.ions.filter((i) => i.in_roi));
      for (const v of e) expect(v, sc.file).toBeLessThan(1.5);
      errors.push(...e);
    }
    console.log(`peaks detector: ${errors.length} ions, median position error ${median(errors).toFixed(3)} px`);
    expect(errors.length).toBeGreaterThan(200);
    expect(median(errors)).toBeLessThan(0.5);
  });

  it('resolves chains down to 10 px spacing, which the legacy merges', async () => {
    for (const sc of sidecars.filter((s) => s.case === 'chain' || s.file.startsWith('u16_chain'))) {
      const r = await detectFixture(sc, 'peaks');
      expect(r.ionCount, sc.file).toBe(sc.truth.ion_count_in_roi);
      expect(Math.max(...nearestErrors(r, sc.truth.ions)), sc.file).toBeLessThan(1.5);
    }
    const tightest = byName('chain_n12_sp10_uni_s1406.png');
    expect(tightest.reference.atom_count).toBeLessThan(tightest.truth.ion_count);
  });

  it('counts an ion with a large oscillation amplitude (two turning-point lobes) once', async () => {
    for (const sc of sidecars.filter((s) => s.file.startsWith('rsweep'))) {
      const r = await detectFixture(sc, 'peaks');
      expect(r.ionCount, sc.file).toBe(2);
      expect(Math.max(...nearestErrors(r, sc.truth.ions)), sc.file).toBeLessThan(1.5);
    }
  });

  it('finds dim ions (400-800 photons over a background of 50)', async () => {
    for (const name of ['lowsnr_n1_ph600_s1602.png', 'lowsnr_n2_ph400_s1603.png', 'lowsnr_n3_ph800_s1604.png']) {
      const sc = byName(name);
      const r = await detectFixture(sc, 'peaks');
      expect(r.ionCount, name).toBe(sc.truth.ion_count_in_roi);
    }
  });

  it('ignores hot pixels', async () => {
    for (const sc of sidecars.filter((s) => s.case === 'hot_pixels')) {
      const r = await detectFixture(sc, 'peaks');
      expect(r.ionCount, sc.file).toBe(sc.truth.ion_count_in_roi);
    }
    expect(byName('hot300_n0_s1803.png').reference.atom_count).toBeGreaterThan(0); // the legacy's false detections

    // Single pixels at 255 on a dark frame and on a noisy background: nothing.
    const dark: Frame = { width: 120, height: 100, data: new Uint8Array(120 * 100) };
    const noisy = noisyFrame(expectedImage(120, 100, 20, []), 120, 100, 'uint8', 7);
    for (const f of [dark, noisy]) {
      for (const [x, y] of [[10, 10], [60, 50], [0, 0], [119, 99], [80, 20]]) f.data[y * 120 + x] = 255;
      expect((await detect(f, 'peaks')).ionCount).toBe(0);
    }
    // Also in strip-shaped ROIs, where the filter's reflected border counts pixels twice.
    for (const [w, h] of [[200, 5], [5, 200], [60, 1], [1, 60]]) {
      const strip: Frame = { width: w, height: h, data: new Uint16Array(w * h) };
      strip.data[Math.floor((w * h) / 2)] = 1000;
      expect((await detect(strip, 'peaks')).ionCount, `${w}x${h}`).toBe(0);
    }
    // A hot pixel on top of an ion does not hide it.
    const ion = noisyFrame(expectedImage(120, 100, 20, [{ x: 60.3, y: 40.6, amp: 120 }]), 120, 100, 'uint8', 8);
    ion.data[41 * 120 + 61] = 255;
    const r = await detect(ion, 'peaks');
    expect(r.ionCount).toBe(1);
    expect(Math.hypot(r.ions[0].x0 - 60.3, r.ions[0].y0 - 40.6)).toBeLessThan(1.5);
  });

  it('reports nothing on empty, dark, bright and flat frames', async () => {
    for (const sc of sidecars.filter((s) => ['empty', 'dark', 'bright'].includes(s.case))) {
      expect((await detectFixture(sc, 'peaks')).ionCount, sc.file).toBe(0);
    }
    const w = 256, h = 192;
    const flat = [
      noisyFrame(expectedImage(w, h, 1000, []), w, h, 'uint16', 3),
      noisyFrame(expectedImage(w, h, 5, []), w, h, 'uint8', 4),
      noisyFrame(expectedImage(w, h, 0.25, []), w, h, 'float32', 5),
      { width: w, height: h, data: new Float32Array(w * h).fill(0.5) },
      { width: w, height: h, data: new Uint16Array(w * h).fill(40000) },
    ];
    for (const f of flat) expect((await detect(f, 'peaks')).ionCount).toBe(0);
  });

  it('finds ions on an uneven background (gradient and stray-light bump) without false ones', async () => {
    const w = 300, h = 240;
    const ions = [
      { x: 60.2, y: 50.7, amp: 60 },
      { x: 150.5, y: 120.2, amp: 60 },
      { x: 160.3, y: 126.2, amp: 30 },
      { x: 240.8, y: 190.4, amp: 60 },
    ];
    const uneven = (lam: Float64Array) => {
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < w; c++) lam[r * w + c] += 40 * Math.exp(-((c - 120) ** 2 + (r - 100) ** 2) / 3200) + (30 * c) / w;
      }
      return lam;
    };
    const r = await detect(noisyFrame(uneven(expectedImage(w, h, 20, ions)), w, h, 'uint8', 5), 'peaks');
    expect(r.ionCount).toBe(4);
    for (const e of nearestErrors(r, ions)) expect(e).toBeLessThan(1.5);
    // The same background without ions: nothing.
    expect((await detect(noisyFrame(uneven(expectedImage(w, h, 20, [])), w, h, 'uint8', 6), 'peaks')).ionCount).toBe(0);
  });

  it('finds ions in 16-bit frames and in float frames', async () => {
    for (const sc of sidecars.filter((s) => s.dtype === 'uint16')) {
      const r = await detectFixture(sc, 'peaks');
      expect(r.ionCount, sc.file).toBe(sc.truth.ion_count_in_roi);
      expect(Math.max(...nearestErrors(r, sc.truth.ions)), sc.file).toBeLessThan(1.5);
    }
    const sc = byName('u16_300_n5_s2005.tif');
    const u16 = await load(sc);
    const scaled: Frame = { width: u16.width, height: u16.height, data: Float32Array.from(u16.data, (v) => v * 1e-4) };
    const r = await detect(scaled, 'peaks');
    expect(r.ionCount).toBe(sc.truth.ion_count_in_roi);
    expect(Math.max(...nearestErrors(r, sc.truth.ions))).toBeLessThan(1.5);
  });
});

describe('region of interest', () => {
  it('reports only the ions inside a legacy-convention ROI, in full-frame coordinates', async () => {
    // xstart/xfinish cut rows, ystart/yfinish cut columns. ROIs whose edges pass at least
    // 5 px from every ion, so "inside" is unambiguous.
    const roi = { xstart: 70, xfinish: 230, ystart: 40, yfinish: 190 };
    const inside = (t: { x: number; y: number }) =>
      roi.xstart <= Math.round(t.y) && Math.round(t.y) < roi.xfinish && roi.ystart <= Math.round(t.x) && Math.round(t.x) < roi.yfinish;
    // Rows: the ion's light reaches R_y beyond its centre.
    const clear = (t: { x: number; y: number; R_y: number }) =>
      Math.min(...[t.y - roi.xstart, t.y - roi.xfinish].map(Math.abs)) > 5 + t.R_y &&
      Math.min(...[t.x - roi.ystart, t.x - roi.yfinish].map(Math.abs)) > 5;
    let tested = 0;
    let someOutside = 0;
    for (const sc of sidecars.filter((s) => s.case.startsWith('random') || s.file.startsWith('rand'))) {
      if (!sc.truth.ions.every(clear)) continue;
      tested++;
      const expected = sc.truth.ions.filter(inside);
      if (expected.length < sc.truth.ions.length) someOutside++;
      const frame = await load(sc);
      for (const r of [await detect(frame, 'peaks', { roi }), await detect(frame, 'peaks', { roi: { x: 40, y: 70, width: 150, height: 160 } })]) {
        expect(r.roi).toEqual({ x: 40, y: 70, width: 150, height: 160 });
        expect(r.ionCount, sc.file).toBe(expected.length);
        for (const e of nearestErrors(r, expected)) expect(e, sc.file).toBeLessThan(1.5);
      }
    }
    expect(tested).toBeGreaterThanOrEqual(5);
    expect(someOutside).toBeGreaterThanOrEqual(3);
  });

  it('finds every ion of a chain in an ROI drawn tightly around it', async () => {
    // Tight ROIs hold little background; the detector also looks at the frame around the ROI.
    for (const sc of sidecars.filter((s) => s.case === 'chain')) {
      const frame = await load(sc);
      const xs = sc.truth.ions.map((i) => i.x), ys = sc.truth.ions.map((i) => i.y);
      for (const margin of [10, 6]) {
        const x = Math.round(Math.min(...xs) - margin), y = Math.round(Math.min(...ys) - margin);
        const roi = { x, y, width: Math.round(Math.max(...xs) + margin) - x, height: Math.round(Math.max(...ys) + margin) - y };
        const r = await detect(frame, 'peaks', { roi });
        expect(r.ionCount, `${sc.file} margin ${margin}`).toBe(sc.truth.ions.length);
        for (const e of nearestErrors(r, sc.truth.ions)) expect(e, sc.file).toBeLessThan(1.5);
      }
    }
  });

  it('finds every ion of a frame cut tightly around a chain (little background in view)', async () => {
    for (const sc of sidecars.filter((s) => s.case === 'chain' || s.file.startsWith('rand300x300_n1'))) {
      const full = await load(sc);
      const xs = sc.truth.ions.map((i) => i.x), ys = sc.truth.ions.map((i) => i.y);
      const x0 = Math.round(Math.min(...xs) - 10), y0 = Math.round(Math.min(...ys) - 10);
      const w = Math.round(Math.max(...xs) + 10) - x0, h = Math.round(Math.max(...ys) + 10) - y0;
      const data = new Uint8Array(w * h);
      for (let r = 0; r < h; r++) data.set(full.data.subarray((r + y0) * full.width + x0, (r + y0) * full.width + x0 + w), r * w);
      const r = await detect({ width: w, height: h, data }, 'peaks');
      expect(r.ionCount, sc.file).toBe(sc.truth.ions.length);
      const shifted = sc.truth.ions.map((i) => ({ x: i.x - x0, y: i.y - y0 }));
      for (const e of nearestErrors(r, shifted)) expect(e, sc.file).toBeLessThan(1.5);
    }
  });

  it('decides in or out for fixture ions 1.5-4 px from an ROI edge', async () => {
    const tally = { x: [0, 0], y: [0, 0] };
    for (const sc of sidecars.filter((s) => s.file.startsWith('rand300'))) {
      const frame = await load(sc);
      for (const ion of sc.truth.ions) {
        for (const d of [-4, -2.5, -1.5, 1.5, 2.5, 4]) {
          // d > 0: the centre lies d px inside the ROI (edge = pixel boundary).
          const left = Math.round(ion.x - d + 0.5), top = Math.round(ion.y - d + 0.5);
          const cases = [
            ['x', { x: left, y: 0, width: sc.width - left, height: sc.height }],
            ['y', { x: 0, y: top, width: sc.width, height: sc.height - top }],
          ] as const;
          for (const [axis, roi] of cases) {
            if ((axis === 'x' ? roi.x : roi.y) < 1) continue;
            const edgeDistance = axis === 'x' ? ion.x - (roi.x - 0.5) : ion.y - (roi.y - 0.5);
            if (Math.abs(edgeDistance) < 1.5) continue;
            const r = await detect(frame, 'peaks', { roi });
            const found = r.ions.some((i) => Math.abs(i.x0 - ion.x) < 3 && Math.abs(i.y0 - ion.y) < 3 + ion.R_y);
            tally[axis][0] += Number(found === edgeDistance > 0);
            tally[axis][1]++;
          }
        }
      }
    }
    console.log(
      `ROI edge decisions, centre 1.5-4 px from the edge: left edge ${tally.x[0]}/${tally.x[1]}, top edge ${tally.y[0]}/${tally.y[1]}`,
    );
    expect(tally.x[1]).toBeGreaterThan(200);
    expect(tally.x[0] / tally.x[1]).toBeGreaterThanOrEqual(0.98);
    expect(tally.y[0] / tally.y[1]).toBeGreaterThanOrEqual(0.98);
  });

  it('does not report an ion centred just outside the ROI, and does report one just inside', async () => {
    const w = 160, h = 140;
    const ion = { x: 80.2, y: 70.3, amp: 150 };
    const frame = noisyFrame(expectedImage(w, h, 30, [ion]), w, h, 'uint8', 11);
    const cases: [AnalyzeOptions['roi'], number][] = [
      [{ x: 83, y: 0, width: 77, height: 140 }, 0], // 2.8 px right of the ion's column
      [{ x: 0, y: 0, width: 78, height: 140 }, 0], // ion 2.2 px beyond the right edge (column 77)
      [{ x: 0, y: 73, width: 160, height: 67 }, 0], // 2.7 px above the top row
      [{ x: 0, y: 0, width: 160, height: 68 }, 0], // 2.3 px below the bottom row
      [{ x: 86, y: 0, width: 74, height: 140 }, 0], // well outside, its tail still in the ROI
      [{ x: 78, y: 0, width: 82, height: 140 }, 1], // 2.2 px inside
      [{ x: 0, y: 0, width: 83, height: 140 }, 1],
      [{ x: 0, y: 68, width: 160, height: 72 }, 1],
      [{ x: 0, y: 0, width: 160, height: 73 }, 1],
    ];
    for (const [roi, n] of cases) {
      const r = await detect(frame, 'peaks', { roi });
      expect(r.ionCount, JSON.stringify(roi)).toBe(n);
      if (n) expect(Math.hypot(r.ions[0].x0 - ion.x, r.ions[0].y0 - ion.y), JSON.stringify(roi)).toBeLessThan(1.5);
    }
    // At the frame's own edges nothing beyond is visible: the light's profile decides.
    const beyond = [
      { x: -2.6, y: 40.3, amp: 150 },
      { x: 40.2, y: 141.8, amp: 150 },
      { x: 161.9, y: 30.4, amp: 150 },
    ];
    const within = [
      { x: 1.7, y: 100.3, amp: 150 },
      { x: 120.2, y: 137.6, amp: 150 },
    ];
    const edges = noisyFrame(expectedImage(w, h, 30, [...beyond, ...within]), w, h, 'uint8', 12);
    const r = await detect(edges, 'peaks');
    expect(r.ionCount).toBe(within.length);
    for (const e of nearestErrors(r, within)) expect(e).toBeLessThan(1.5);
  });
});
