#!/usr/bin/env node
// TCP ingest throughput of the real server (dist/, a separate process): 300x300 JPEG frames
// (3 ions, full analysis: detect + fit) streamed in the legacy framing as fast as TCP's own
// back-pressure lets them in, over 1 and several connections.
//
//   npm run build && node bench/tcp.mjs [--frames 2000] [--connections 1,4] [--repeat 3] [--save]
//
// A run lasts from the first byte sent until /metrics counts every frame as processed; each
// connection count is run --repeat times (best and median reported, a shared machine is noisy).
// Printed and written to bench/results/tcp.json.
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import sharp from 'sharp';

import { startServer } from './lib/server-process.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    frames: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '1,4' },
    save: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '3' },
  },
});
const totalFrames = Number(args.frames);
const connectionCounts = args.connections.split(',').map(Number);

const FRAME = join(root, 'test', 'fixtures', 'frames', 'rand300x300_n3_s1109.png');
const jpeg = await sharp(FRAME).jpeg({ quality: 90 }).toBuffer();
const header = Buffer.alloc(4);
header.writeUInt32BE(jpeg.length);
const framed = Buffer.concat([header, jpeg]);

async function freePort() {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  await once(probe, 'close');
  return port;
}

async function counter(url, line) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const hit = text.split('\n').find((l) => l.startsWith(line + ' '));
  return hit ? Number(hit.slice(line.length + 1)) : 0;
}

const PROCESSED = 'ioncam_frames_processed_total{source="tcp"}';

async function send(port, frames) {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  for (let i = 0; i < frames; i++) {
    if (!socket.write(framed)) await once(socket, 'drain');
  }
  return socket;
}

async function runOnce(url, port, connections, wanted = totalFrames) {
  const before = await counter(url, PROCESSED);
  const per = Math.floor(wanted / connections);
  const frames = per * connections;
  const t0 = performance.now();
  const sending = Array.from({ length: connections }, () => send(port, per));
  let processed = 0;
  while (processed < frames) {
    await new Promise((r) => setTimeout(r, 20));
    processed = (await counter(url, PROCESSED)) - before;
  }
  const seconds = (performance.now() - t0) / 1000;
  for (const socket of await Promise.all(sending)) socket.destroy();
  return { connections, frames, seconds: +seconds.toFixed(3), framesPerSecond: Math.round(frames / seconds) };
}

const dataDir = mkdtempSync(join(tmpdir(), 'ioncam-bench-tcp-'));
const tcpPort = await freePort();
const server = await startServer(
  ['--port', '0', '--tcp-port', String(tcpPort), '--data-dir', dataDir, args.save ? '--save' : '--no-save'],
  { ready: (log) => log.includes('tcp ingest listening') },
);
const results = {
  machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model, node: process.version },
  frame: { file: 'rand300x300_n3_s1109.png as JPEG q90', bytes: jpeg.length, width: 300, height: 300 },
  save: args.save,
  runs: [],
};
try {
  await runOnce(server.url, tcpPort, 1, 100); // warm-up
  for (const connections of connectionCounts) {
    const runs = [];
    for (let i = 0; i < Number(args.repeat); i++) runs.push(await runOnce(server.url, tcpPort, connections));
    const rates = runs.map((r) => r.framesPerSecond).sort((a, b) => a - b);
    const summary = { connections, frames: runs[0].frames, bestFramesPerSecond: rates.at(-1), medianFramesPerSecond: rates[Math.floor(rates.length / 2)], runs };
    results.runs.push(summary);
    console.log(
      `tcp ingest, ${connections} connection(s), ${summary.frames} frames: best ${summary.bestFramesPerSecond} frames/s, ` +
        `median ${summary.medianFramesPerSecond} frames/s (${runs.length} runs)`,
    );
  }
  results.pauses = await counter(server.url, 'ioncam_tcp_pauses_total');
  results.rejectedQueueFull = await counter(server.url, 'ioncam_frames_rejected_total{source="tcp",reason="queue_full"}');
  console.log(`socket pauses (back-pressure): ${results.pauses}, frames refused: ${results.rejectedQueueFull}`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'tcp.json'), JSON.stringify(results, null, 2) + '\n');
console.log('wrote bench/results/tcp.json');
