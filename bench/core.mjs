#!/usr/bin/env node
// Speed of the native analysis core on one thread.
//
//   npm run build && npm run bench:core [-- --reps 200 --fits 2000000]
//
// Printed and written to bench/results/core.json:
//   - frames: median time per decoded frame at analysis = 2 with the default detector and model
//     (analyzeSync on this thread: detection + fits) for the fixtures rand300x300_n3_* and
//     rand800x800_n10_*, also split into the detect and fit stages, and the CPU time per frame
//     (process CPU time, which excludes time the process waited for a core on a busy machine);
//   - noiseLegacy: a 300x300 pure-noise frame through the legacy detector, per vertical model:
//     false blobs, CPU ms per frame, and the worst single fit (CPU ms);
//   - gaussianFits: Gaussian 1D profile fits per second (41 points, the LM core alone on noisy
//     profiles from realistic starts), by wall clock and by CPU time.
// Targets (issue 2): <= 0.3 ms (300x300, 3 ions), <= 2 ms (800x800, 10 ions), >= 1e6 fits/s.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { reps: { type: 'string', default: '200' }, fits: { type: 'string', default: '2000000' } },
});
const reps = Number(args.reps);
const fitCount = Number(args.fits);

const { decode, analyzeSync } = await import(join(root, 'dist', 'index.js'));
const { native } = await import(join(root, 'dist', 'analysis', 'native.js'));

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const fixtureDir = join(root, 'test', 'fixtures', 'frames');
const groups = [
  { name: 'rand300x300_n3', prefix: 'rand300x300_n3_', targetMs: 0.3 },
  { name: 'rand800x800_n10', prefix: 'rand800x800_n10_', targetMs: 2 },
];

const frames = [];
for (const g of groups) {
  const perFrame = [];
  for (const file of readdirSync(fixtureDir).filter((f) => f.startsWith(g.prefix) && f.endsWith('.png')).sort()) {
    const frame = await decode(join(fixtureDir, file));
    for (let i = 0; i < 20; i++) analyzeSync(frame, {}); // warm-up
    const total = [], detect = [], fit = [];
    let ions = 0;
    const c0 = cpuMs();
    for (let i = 0; i < reps; i++) {
      const t0 = process.hrtime.bigint();
      const r = analyzeSync(frame, {});
      total.push(Number(process.hrtime.bigint() - t0) / 1e6);
      detect.push(r.timings.detectMs);
      fit.push(r.timings.fitMs);
      ions = r.ionCount;
    }
    perFrame.push({
      file,
      ions,
      medianMs: median(total),
      detectMs: median(detect),
      fitMs: median(fit),
      cpuMsPerFrame: (cpuMs() - c0) / reps,
    });
  }
  const row = {
    group: g.name,
    frames: perFrame.length,
    medianMs: median(perFrame.map((f) => f.medianMs)),
    detectMs: median(perFrame.map((f) => f.detectMs)),
    fitMs: median(perFrame.map((f) => f.fitMs)),
    cpuMsPerFrame: median(perFrame.map((f) => f.cpuMsPerFrame)),
    targetMs: g.targetMs,
    perFrame,
  };
  frames.push(row);
  console.log(
    `${g.name}: median ${row.medianMs.toFixed(3)} ms/frame (detect ${row.detectMs.toFixed(3)}, fit ${row.fitMs.toFixed(3)}), ` +
      `CPU ${row.cpuMsPerFrame.toFixed(3)} ms/frame; target <= ${g.targetMs} ms`,
  );
}

// Pure noise through the legacy detector (radius 4: its threshold follows the noise and finds
// ~140 false blobs on this 300x300 frame): the fit cost per frame and the worst single fit,
// which bound how long such a frame can hold a pipeline thread.
const noise = (() => {
  let a = 1;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const data = new Uint8Array(300 * 300);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rand() * 256);
  return { width: 300, height: 300, data };
})();
const noiseRows = [];
for (const model of ['shm-psf', 'shm', 'gaussian']) {
  const opts = { detector: 'legacy', radius: 4, model };
  const dets = analyzeSync(noise, { ...opts, analysis: 1 }).ions.map((i) => ({ x: i.x0, y: i.y0 }));
  const c1 = cpuMs();
  const r = analyzeSync(noise, opts);
  const frameCpuMs = cpuMs() - c1;
  let worstFitMs = 0;
  for (const d of dets) {
    const t = cpuMs();
    native.testing.fitIons(noise, [d], { model, legacyWindows: true });
    worstFitMs = Math.max(worstFitMs, cpuMs() - t);
  }
  const row = { model, blobs: r.ionCount, frameCpuMs, fitMsPerBlob: r.timings.fitMs / Math.max(1, r.ionCount), worstFitMs };
  noiseRows.push(row);
  console.log(
    `noise300 legacy/${model}: ${row.blobs} blobs, ${frameCpuMs.toFixed(1)} ms CPU/frame, ` +
      `${row.fitMsPerBlob.toFixed(3)} ms/fit, worst fit ${worstFitMs.toFixed(2)} ms CPU`,
  );
}

native.testing.gaussianFitBench(100000); // warm-up
const c0 = cpuMs();
const g = native.testing.gaussianFitBench(fitCount);
const cpuSeconds = (cpuMs() - c0) / 1000;
const gaussianFits = {
  points: 41,
  fits: g.fits,
  perSecond: g.fits / g.seconds,
  perCpuSecond: g.fits / cpuSeconds,
  meanEvaluations: g.iterations,
  convergedFraction: g.converged,
  target: 1e6,
};
console.log(
  `Gaussian 1D profile fits: ${(gaussianFits.perSecond / 1e6).toFixed(3)} M/s wall, ` +
    `${(gaussianFits.perCpuSecond / 1e6).toFixed(3)} M/s CPU (${g.iterations.toFixed(2)} evaluations/fit); target >= 1 M/s`,
);

const out = {
  bench: 'core',
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  build: native.buildInfo(),
  reps,
  frames,
  noiseLegacy: noiseRows,
  gaussianFits,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'core.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log('wrote bench/results/core.json');
