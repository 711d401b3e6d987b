#!/usr/bin/env node
// Detection speed on one core: median time per frame of the crop + detection stage
// (timings.detectMs of analyzeSync at analysis level 1) for both detectors.
//
//   npm run build && node bench/detect.mjs [--rounds 300]
//
// Printed and written to bench/results/detect.json, per frame group (rand300x300_n3_*,
// rand800x800_n10_*) and detector: median and 10th percentile in ms.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { decode, analyzeSync } = await import(join(root, 'dist', 'index.js'));
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '300' } } });
const rounds = Number(args.rounds);
const dir = join(root, 'test', 'fixtures', 'frames');

const quantile = (v, q) => [...v].sort((a, b) => a - b)[Math.floor(q * (v.length - 1))];
const results = [];
for (const prefix of ['rand300x300_n3_', 'rand800x800_n10_']) {
  const files = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.png'));
  const frames = await Promise.all(files.map((f) => decode(join(dir, f))));
  for (const detector of ['peaks', 'legacy']) {
    const times = [];
    for (let i = 0; i < rounds; i++) {
      for (const frame of frames) times.push(analyzeSync(frame, { detector, analysis: 1 }).timings.detectMs);
    }
    results.push({
      frames: `${prefix}*`,
      detector,
      count: times.length,
      medianMs: +quantile(times, 0.5).toFixed(4),
      p10Ms: +quantile(times, 0.1).toFixed(4),
    });
  }
}
console.log('detection (crop + detect), one core, ms per frame:');
for (const r of results) {
  console.log(`  ${r.frames.padEnd(20)} ${r.detector.padEnd(7)} median ${r.medianMs.toFixed(3)}  p10 ${r.p10Ms.toFixed(3)}  (${r.count} runs)`);
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'detect.json'),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2)}\n`,
);
