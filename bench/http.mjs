#!/usr/bin/env node
// HTTP throughput of the real server (dist/, a separate process) under autocannon.
//
//   npm run build && npm run bench:http [-- --seconds 10 --connections 8 --rss-frames 100000]
//
// Printed and written to bench/results/http.json:
//   - POST /api/frames with raw 300x300 8-bit pixels and with grey JPEG 300x300, save on and off
//     (full analysis: detect + fit): frames/s, p50/p99 latency, non-2xx;
//   - the same raw uploads while 50 WebSocket subscribers receive every result: frames/s and
//     messages received and dropped per subscriber;
//   - server RSS after `rss-frames` raw frames (save off, 2 subscribers attached).
// Each scenario also reports the server's CPU time per frame (all its threads, from /proc), which
// unlike frames/s does not depend on what else the machine is running; the load average at the
// start and end is recorded with the results.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import autocannon from 'autocannon';
import sharp from 'sharp';
import WebSocket from 'ws';

import { startServer } from './lib/server-process.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    'rss-frames': { type: 'string', default: '100000' },
    subscribers: { type: 'string', default: '50' },
  },
});
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const rssFrames = Number(args['rss-frames']);
const subscriberCount = Number(args.subscribers);

const FRAME = join(root, 'test', 'fixtures', 'frames', 'rand300x300_n3_s1109.png');
const raw = await sharp(FRAME).extractChannel(0).raw().toBuffer();
// Camera frames are monochrome: an 8-bit grey JPEG, as a camera or the legacy client sends.
const jpeg = await sharp(FRAME).toColourspace('b-w').jpeg({ quality: 90 }).toBuffer();

/** CPU milliseconds (user + system, all threads) the process has used. */
function readCpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
}

function readRssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections, pipelining: 1, ...opts }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

function upload(url, body, contentType, query, extra = {}) {
  return run({
    url: `${url}/api/frames?${query}`,
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
    ...extra,
  });
}

function summarise(name, result, cpuMs) {
  const ok = result['2xx'];
  const secs = result.duration;
  return {
    name,
    framesPerSecond: Math.round(ok / secs),
    serverCpuMsPerFrame: cpuMs === undefined ? undefined : +(cpuMs / ok).toFixed(3),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: +secs.toFixed(2),
    connections,
  };
}

async function subscribers(url, n) {
  const subs = await Promise.all(
    Array.from({ length: n }, () => {
      const socket = new WebSocket(url.replace('http', 'ws') + '/ws');
      const sub = { socket, results: 0, dropped: 0 };
      socket.on('message', (data) => {
        // Count without parsing the whole message: the "dropped" field is last.
        const text = data.toString();
        if (!text.startsWith('{"type":"result"')) return;
        sub.results++;
        const m = /"dropped":(\d+)}$/.exec(text);
        if (m) sub.dropped += Number(m[1]);
      });
      return new Promise((resolve, reject) => {
        socket.once('open', () => resolve(sub));
        socket.once('error', reject);
      });
    }),
  );
  return {
    subs,
    close: () => subs.forEach((s) => s.socket.close()),
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'ioncam-bench-http-'));
const server = await startServer(['--port', '0', '--data-dir', dataDir, '--tcp-port', '0', '--log-level', 'info']);
const os = await import('node:os');
const results = { machine: { cpus: os.availableParallelism(), node: process.version, loadAverageAtStart: os.loadavg() }, seconds, connections, scenarios: [] };
const print = (s) =>
  console.log(
    `${s.name.padEnd(44)} ${String(s.framesPerSecond).padStart(6)} frames/s   p50 ${String(s.latencyMs.p50).padStart(3)} ms   p99 ${String(s.latencyMs.p99).padStart(3)} ms   non-2xx ${s.non2xx}   server CPU ${s.serverCpuMsPerFrame} ms/frame`,
  );

try {
  // Warm-up: JIT, thread pool, the addon.
  await upload(server.url, raw, 'application/octet-stream', 'width=300&height=300&dtype=uint8&save=false', { duration: 2 });

  const cases = [
    ['raw 300x300 uint8, save off', raw, 'application/octet-stream', 'width=300&height=300&dtype=uint8&save=false'],
    ['raw 300x300 uint8, save on', raw, 'application/octet-stream', 'width=300&height=300&dtype=uint8&save=true'],
    ['JPEG 300x300 grey, save off', jpeg, 'image/jpeg', 'save=false'],
    ['JPEG 300x300 grey, save on', jpeg, 'image/jpeg', 'save=true'],
  ];
  const measured = async (name, run) => {
    const cpu0 = readCpuMs(server.pid);
    const result = await run();
    return summarise(name, result, readCpuMs(server.pid) - cpu0);
  };
  for (const [name, body, type, query] of cases) {
    const s = await measured(name, () => upload(server.url, body, type, query, { duration: seconds }));
    results.scenarios.push(s);
    print(s);
  }

  // Let the writer finish the save-on runs before the fan-out run.
  await new Promise((r) => setTimeout(r, 2000));

  const fan = await subscribers(server.url, subscriberCount);
  const fanResult = await measured(`raw, save off, ${subscriberCount} WS subscribers`, () =>
    upload(server.url, raw, 'application/octet-stream', 'width=300&height=300&dtype=uint8&save=false', { duration: seconds }),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const received = fan.subs.map((s) => s.results);
  const dropped = fan.subs.map((s) => s.dropped);
  fanResult.websocket = {
    subscribers: subscriberCount,
    messagesPerSubscriber: { min: Math.min(...received), max: Math.max(...received) },
    reportedDroppedPerSubscriber: { min: Math.min(...dropped), max: Math.max(...dropped) },
    messagesDeliveredPerSecond: Math.round(received.reduce((a, b) => a + b, 0) / fanResult.seconds),
  };
  fan.close();
  results.scenarios.push(fanResult);
  print(fanResult);
  console.log(
    `  ${subscriberCount} subscribers: ${fanResult.websocket.messagesPerSubscriber.min}..${fanResult.websocket.messagesPerSubscriber.max} results each, ` +
      `${fanResult.websocket.messagesDeliveredPerSecond} messages/s delivered, dropped ${fanResult.websocket.reportedDroppedPerSubscriber.min}..${fanResult.websocket.reportedDroppedPerSubscriber.max} each`,
  );

  if (rssFrames > 0) {
    const rssBefore = readRssBytes(server.pid);
    const two = await subscribers(server.url, 2);
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, readRssBytes(server.pid))), 250);
    const t0 = performance.now();
    const r = await upload(server.url, raw, 'application/octet-stream', 'width=300&height=300&dtype=uint8&save=false', { amount: rssFrames });
    clearInterval(sampler);
    two.close();
    const rss = {
      frames: r['2xx'],
      non2xx: r.non2xx,
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
      rssBeforeMB: Math.round(rssBefore / 2 ** 20),
      rssAfterMB: Math.round(readRssBytes(server.pid) / 2 ** 20),
      rssPeakMB: Math.round(peak / 2 ** 20),
    };
    results.rss = rss;
    console.log(`RSS after ${rss.frames} raw frames (${rss.seconds} s): ${rss.rssAfterMB} MB (peak ${rss.rssPeakMB} MB, before ${rss.rssBeforeMB} MB)`);
  }
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

results.machine.loadAverageAtEnd = os.loadavg();
console.log(`load average: start ${results.machine.loadAverageAtStart.map((l) => l.toFixed(1)).join(' ')}, end ${results.machine.loadAverageAtEnd.map((l) => l.toFixed(1)).join(' ')} (${results.machine.cpus} CPUs)`);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'http.json'), JSON.stringify(results, null, 2) + '\n');
console.log('wrote bench/results/http.json');
