#!/usr/bin/env node
// How fast the simulated camera renders frames, and how much of its rate reaches the analysis.
//
//   npm run build && node bench/camera.mjs [--seconds 3]
//
// Printed and written to bench/results/camera.json:
//   - render: frames/s of SimulatedScene.render (chain, PSF, Poisson + read noise, 8-bit) on one
//     core for several sizes and ion counts, by the wall clock and per CPU-second;
//   - server: the real server (dist/) capturing at 1,000 fps in infinite mode for `seconds`:
//     frames delivered by the camera/s, analysed/s and skipped/s (pipeline full).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '3' } } });
const seconds = Number(args.seconds);

const { DEFAULT_SIMULATED_SETTINGS, SimulatedScene } = await import(join(root, 'dist', 'ingest', 'camera', 'simulated.js'));
const { buildApp } = await import(join(root, 'dist', 'app.js'));

const cases = [
  { name: '300x300, 5 ions, R_y 3', settings: {} },
  { name: '300x300, 10 ions, R_y 8', settings: { ions: 10, rY: 8, spacing: 16 } },
  { name: '300x300, empty', settings: { ions: 0 } },
  { name: '800x800, 10 ions', settings: { width: 800, height: 800, ions: 10 } },
  { name: '200x200 legacy size, 3 ions', settings: { width: 200, height: 200, ions: 3 } },
];

const render = [];
for (const c of cases) {
  const scene = new SimulatedScene({ ...DEFAULT_SIMULATED_SETTINGS, ...c.settings });
  const out = new Uint8Array(scene.settings.width * scene.settings.height);
  for (let i = 0; i < 50; i++) scene.render(i, out); // warm-up (JIT)
  let frames = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - t0 < 1000 * Math.min(seconds, 2)) scene.render(frames++, out);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  render.push({
    case: c.name,
    framesPerSecond: Math.round((frames * 1000) / ms),
    msPerFrame: +(ms / frames).toFixed(3),
    // Frames per second of CPU time: what one free core gives (the wall figure suffers on a busy machine).
    framesPerCpuSecond: Math.round((frames * 1000) / cpuMs),
  });
}

// The whole path: camera -> pipeline -> analysis -> WebSocket hub / recent frames (save off).
const dataDir = mkdtempSync(join(tmpdir(), 'ioncam-bench-camera-'));
const app = await buildApp({ dataDir, save: false, cameraFps: 1000 });
await app.ready();
const delivered = { n: 0 };
app.camera.driver.on('frame', () => delivered.n++);
app.camera.startInfinite();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const status = app.camera.stop();
await app.pipeline.drain();
const final = app.camera.status();
await app.close();
rmSync(dataDir, { recursive: true, force: true });
const server = {
  requestedFps: 1000,
  seconds,
  deliveredPerSecond: Math.round(delivered.n / seconds),
  analysedPerSecond: Math.round(final.framesAnalyzed / seconds),
  skippedPerSecond: Math.round(status.framesSkipped / seconds),
  accountedFor: final.framesCaptured + final.framesSkipped === delivered.n,
};

console.log(`simulated camera, render only (one core; load average ${os.loadavg()[0].toFixed(1)}):`);
for (const r of render) {
  console.log(`  ${r.case.padEnd(30)} ${String(r.framesPerSecond).padStart(6)} frames/s wall (${r.msPerFrame} ms/frame), ${r.framesPerCpuSecond} frames per CPU-second`);
}
console.log(
  `server, camera at ${server.requestedFps} fps for ${seconds} s (300x300, 5 ions, save off): delivered ${server.deliveredPerSecond}/s, ` +
    `analysed ${server.analysedPerSecond}/s, skipped ${server.skippedPerSecond}/s, every frame accounted for: ${server.accountedFor}`,
);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'camera.json'),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, loadAverage: os.loadavg()[0], render, server }, null, 2)}\n`,
);
