#!/usr/bin/env node
// The dashboard's frame rate under a result flood: the real server (dist/), the real page in headless
// Chromium, and results at a target rate (default 1,000/s), either
//   --via hub       (default) one real result of the frame, re-issued with fresh ids through the server's
//                   WebSocket hub and recent-frames cache, so the rate does not depend on analysis speed;
//   --via pipeline  frames analysed by the real pipeline (save=false), as fast as the CPUs allow up to --rate.
//
//   npm run build && node bench/dashboard.mjs [--via hub|pipeline] [--rate 1000] [--seconds 10]
//                                             [--frame rand300x300_n3_s1109.png] [--throttle 1]
//
// Printed and written to bench/results/dashboard.json:
//   - the page's redraw rate (requestAnimationFrame callbacks/s) idle and under load, and the p95 / max
//     interval between frames, from a probe loop injected into the page (independent of the page's own loop);
//   - results the pipeline produced/s, results the page received/s, the every-Nth it asked for,
//     frame images it loaded/s, WS messages dropped.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { chromiumInstalled, INSTALL_HINT, launchChromium } from '../test/helpers/browser.mjs';
import { floodResults, paced, rawSubmission } from '../test/helpers/flood.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    via: { type: 'string', default: 'hub' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    frame: { type: 'string', default: 'rand300x300_n3_s1109.png' },
    // Chromium CPU slow-down factor (DevTools throttling) to see the page ask for every Nth result.
    throttle: { type: 'string', default: '1' },
  },
});
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const throttle = Number(args.throttle);

if (!chromiumInstalled()) {
  console.error(INSTALL_HINT);
  process.exit(2);
}

const { buildApp } = await import(join(root, 'dist', 'app.js'));
const { decode } = await import(join(root, 'dist', 'index.js'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Frames through the pipeline; a refused frame (queue full) is counted, not retried. */
function feedPipeline(app, frame) {
  const sub = rawSubmission(frame);
  const counts = { submitted: 0, done: 0, refused: 0, failed: 0 };
  const stop = paced(rate, () => {
    counts.submitted++;
    app.pipeline.submit(sub).then(
      () => counts.done++,
      (err) => (err.name === 'QueueFullError' ? counts.refused++ : counts.failed++),
    );
  });
  return { counts, stop };
}

async function pageSample(page) {
  return page.evaluate(() => {
    const h = window.__ioncam;
    const probe = window.__probe;
    return { raf: h.rafCount, received: h.received, images: h.imagesRequested, dropped: h.droppedHere, every: h.every, probe: probe.intervals.slice(), at: performance.now() };
  });
}

function summarise(a, b, serverDone) {
  const dt = (b.at - a.at) / 1000;
  const intervals = b.probe.slice(a.probe.length).sort((x, y) => x - y);
  const pct = (p) => intervals[Math.min(intervals.length - 1, Math.floor(p * intervals.length))] ?? NaN;
  return {
    seconds: +dt.toFixed(2),
    pageFps: +((b.raf - a.raf) / dt).toFixed(1),
    frameIntervalP50Ms: +pct(0.5).toFixed(1),
    frameIntervalP95Ms: +pct(0.95).toFixed(1),
    frameIntervalMaxMs: +(intervals[intervals.length - 1] ?? NaN).toFixed(1),
    serverResultsPerS: serverDone === undefined ? undefined : +(serverDone / dt).toFixed(0),
    pageReceivedPerS: +((b.received - a.received) / dt).toFixed(0),
    pageImagesPerS: +((b.images - a.images) / dt).toFixed(1),
    droppedForPage: b.dropped - a.dropped,
    every: b.every,
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'ioncam-bench-dashboard-'));
const app = await buildApp({ dataDir, tcpPort: 0, watchDir: '' });
await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${app.server.address().port}/`;
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  // A second rAF loop that only records frame intervals: what the user would feel as smoothness.
  await page.addInitScript(() => {
    const probe = { intervals: [], last: 0 };
    window.__probe = probe;
    const loop = (t) => {
      if (probe.last) probe.intervals.push(t - probe.last);
      probe.last = t;
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  });
  if (throttle > 1) await (await page.context().newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: throttle });
  await page.goto(url);
  await page.waitForFunction(() => window.__ioncam?.connection === 'open');

  await sleep(500);
  const idle0 = await pageSample(page);
  await sleep(3000);
  const idle = summarise(idle0, await pageSample(page));

  const frame = await decode(join(root, 'test', 'fixtures', 'frames', args.frame));
  const feeder = args.via === 'pipeline' ? feedPipeline(app, frame) : await floodResults(app, frame, rate);
  await sleep(2000); // let the page settle on its every-Nth
  const done0 = feeder.counts.done;
  const load0 = await pageSample(page);
  await sleep(seconds * 1000);
  const load1 = await pageSample(page);
  const loaded = summarise(load0, load1, feeder.counts.done - done0);
  feeder.stop();
  const { counts } = feeder;
  await app.pipeline.drain();
  const ionCount = (await (await fetch(`${url}api/frames/latest`)).json()).ionCount;

  const result = {
    bench: 'dashboard',
    date: new Date().toISOString(),
    via: args.via,
    targetRate: rate,
    cpuThrottle: throttle,
    frame: args.frame,
    ionsPerFrame: ionCount,
    chromium: browser.version(),
    idle,
    load: loaded,
    counts,
  };
  console.log(
    `dashboard at ${rate} results/s target via ${args.via} (${args.frame}, ${ionCount} ions/frame), Chromium ${browser.version()}` +
      (throttle > 1 ? `, CPU throttled ${throttle}x` : ''),
  );
  console.log(`  idle:  page ${idle.pageFps} frames/s (interval p95 ${idle.frameIntervalP95Ms} ms)`);
  console.log(
    `  load:  server ${loaded.serverResultsPerS} results/s -> page receives ${loaded.pageReceivedPerS}/s (every ${loaded.every}), ` +
      `draws ${loaded.pageFps} frames/s (interval p50 ${loaded.frameIntervalP50Ms} ms, p95 ${loaded.frameIntervalP95Ms} ms, ` +
      `max ${loaded.frameIntervalMaxMs} ms), loads ${loaded.pageImagesPerS} images/s, ${loaded.droppedForPage} WS messages dropped`,
  );
  console.log(`  ${args.via}: ${JSON.stringify(counts)}`);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'dashboard.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await browser.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
