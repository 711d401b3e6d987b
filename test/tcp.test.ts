// The legacy TCP frame stream against the real server: real sockets, results over WebSocket,
// counters from /metrics, analyses compared with the library's own.
import { mkdtempSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';

import { buildApp } from '../src/app.js';
import { LengthPrefixedParser } from '../src/ingest/framing.js';
import { startTcpIngest, type TcpIngest } from '../src/ingest/tcp.js';
import { analyze, decode } from '../src/index.js';
import { fixture, postFrame, savedResults, startServer, subscribe, type Subscriber, type TestServer } from './helpers/server.js';

const FILES = [
  'rand300x300_n1_s1101.png',
  'rand300x300_n2_s1105.png',
  'rand300x300_n3_s1109.png',
  'rand300x300_n5_s1114.png',
  'chain_n5_sp25_uni_s1401.png',
  'u16_300_n3_s2001.png',
  'tif8_300_n3_s2008.tif',
  'dark300_s1901.png',
];

function framed(body: Buffer, length = body.length): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length);
  return Buffer.concat([header, body]);
}

async function open(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  peers.set(socket, `${socket.localAddress}:${socket.localPort}`);
  return socket;
}

const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Taken at connect time: a destroyed socket forgets its address.
const peers = new WeakMap<Socket, string>();
const peerOf = (socket: Socket) => peers.get(socket)!;

async function libraryIons(body: Buffer) {
  return JSON.parse(JSON.stringify((await analyze(await decode(body))).ions));
}

async function metric(url: string, line: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const hit = text.split('\n').find((l) => l.startsWith(line + ' '));
  return hit ? Number(hit.slice(line.length + 1)) : 0;
}

let server: TestServer | null = null;
let tcp: TcpIngest | null = null;
let sub: Subscriber | null = null;
const sockets: Socket[] = [];

async function setup(options: Parameters<typeof startServer>[0] = {}) {
  server = await startServer({ save: false, ...options });
  tcp = await startTcpIngest({
    pipeline: server.app.pipeline,
    port: 0,
    host: '127.0.0.1',
    maxFrameBytes: server.app.config.bodyLimit,
    registry: server.app.metrics.registry,
  });
  sub = await subscribe(server.wsUrl);
  return { port: tcp.address().port, url: server.url };
}

async function client(port: number): Promise<Socket> {
  const s = await open(port);
  sockets.push(s);
  return s;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  sub?.close();
  await tcp?.close();
  await server?.close();
  server = tcp = sub = null;
});

describe('length-prefixed framing', () => {
  it('cuts frames from arbitrary chunks and stops at a bad length', () => {
    const a = Buffer.from('first frame');
    const b = Buffer.from('second');
    const stream = Buffer.concat([framed(a), framed(b), framed(Buffer.alloc(0)), framed(a)]);
    for (const chunkSize of [1, 3, 7, stream.length]) {
      const parser = new LengthPrefixedParser(1000);
      const frames: Buffer[] = [];
      for (let i = 0; i < stream.length; i += chunkSize) frames.push(...parser.push(stream.subarray(i, i + chunkSize)));
      expect(frames.map(String)).toEqual(['first frame', 'second']);
      expect(parser.error?.reason).toBe('zero_length');
    }
    // Bodies larger than the parser's first block, in odd chunk sizes, come out byte-exact.
    const big = [Buffer.alloc(200_000), Buffer.alloc(70_000)].map((b) => b.map((_, i) => (i * 31 + 7) & 255));
    const bigStream = Buffer.concat(big.map((b) => framed(b)));
    for (const chunkSize of [1000, 65_537, bigStream.length]) {
      const parser = new LengthPrefixedParser(1 << 20);
      const frames: Buffer[] = [];
      for (let i = 0; i < bigStream.length; i += chunkSize) frames.push(...parser.push(bigStream.subarray(i, i + chunkSize)));
      expect(frames.map((f, k) => f.equals(big[k]))).toEqual([true, true]);
      expect(parser.midFrame).toBe(false);
    }
    const tooLong = new LengthPrefixedParser(10);
    expect(tooLong.push(framed(Buffer.alloc(11)))).toEqual([]);
    expect(tooLong.error).toMatchObject({ reason: 'too_long', length: 11 });
    const partial = new LengthPrefixedParser(10);
    partial.push(Buffer.from([0, 0]));
    expect(partial.midFrame).toBe(true);
  });
});

describe('TCP frame stream', () => {
  it('round-trips many frames per connection over several connections at once', async () => {
    const { port } = await setup();
    const bodies = FILES.map(fixture);
    const conns = await Promise.all([client(port), client(port), client(port)]);
    // Each connection sends every frame, all in one write, in a different order.
    const orders = conns.map((_, c) => FILES.map((_, i) => (i + c * 3) % FILES.length));
    conns.forEach((s, c) => s.write(Buffer.concat(orders[c].map((i) => framed(bodies[i])))));

    const results = await sub!.waitFor(FILES.length * conns.length, (m) => m.type === 'result' && m.source === 'tcp');
    expect(results).toHaveLength(FILES.length * conns.length);
    const expected = await Promise.all(bodies.map(libraryIons));
    conns.forEach((s, c) => {
      const mine = results.filter((r) => r.meta.peer === peerOf(s));
      expect(mine.map((r) => r.meta.frame).sort((x, y) => x - y)).toEqual(FILES.map((_, k) => k));
      for (const r of mine) {
        const fileIndex = orders[c][r.meta.frame];
        expect(r.ions).toEqual(expected[fileIndex]);
        expect(r.ionCount).toBe(expected[fileIndex].length);
      }
    });
  });

  it('a malformed length closes only that connection; an undecodable frame is counted and the connection goes on', async () => {
    const { port, url } = await setup();
    const good = fixture('rand300x300_n2_s1105.png');
    const [tooLong, zero, garbage, bystander] = await Promise.all([client(port), client(port), client(port), client(port)]);

    tooLong.write(Buffer.concat([framed(good), framed(Buffer.alloc(8), 0xfffffff0)]));
    zero.write(Buffer.concat([framed(good), framed(Buffer.alloc(0))]));
    await Promise.all([closed(tooLong), closed(zero)]);

    garbage.write(framed(Buffer.from('this is not an image at all')));
    garbage.write(framed(good));
    bystander.write(framed(good));

    const results = await sub!.waitFor(4, (m) => m.source === 'tcp');
    const byPeer = (s: Socket) => results.filter((r) => r.meta.peer === peerOf(s)).map((r) => r.meta.frame);
    // Frames before a bad length still count; the undecodable frame 0 has no result, frame 1 does.
    expect(byPeer(tooLong)).toEqual([0]);
    expect(byPeer(zero)).toEqual([0]);
    expect(byPeer(garbage)).toEqual([1]);
    expect(byPeer(bystander)).toEqual([0]);
    expect(garbage.destroyed).toBe(false);
    expect(bystander.destroyed).toBe(false);

    expect(await metric(url, 'ioncam_ingest_rejected_total{source="tcp",reason="too_long"}')).toBe(1);
    expect(await metric(url, 'ioncam_ingest_rejected_total{source="tcp",reason="zero_length"}')).toBe(1);
    expect(await metric(url, 'ioncam_ingest_rejected_total{source="tcp",reason="undecodable"}')).toBe(1);
    expect(await metric(url, 'ioncam_tcp_frames_received_total')).toBe(5);
  });

  it('reassembles frames that arrive byte by byte', async () => {
    const { port } = await setup();
    // Two small real frames: ion neighbourhoods cut out of fixture frames.
    const bodies = await Promise.all([
      sharp(fixture('rand300x300_n3_s1109.png')).extract({ left: 0, top: 170, width: 80, height: 80 }).png().toBuffer(),
      sharp(fixture('rand300x300_n1_s1101.png')).jpeg({ quality: 95 }).resize(120, 120).toBuffer(),
    ]);
    const stream = Buffer.concat(bodies.map((b) => framed(b)));
    const s = await client(port);
    s.setNoDelay(true);
    for (let i = 0; i < stream.length; i++) {
      s.write(stream.subarray(i, i + 1));
      // Real pauses inside the headers, so they certainly arrive split; a tick elsewhere.
      if (i < 8 || (i >= bodies[0].length + 4 && i < bodies[0].length + 8)) await sleep(15);
      else await new Promise(setImmediate);
    }
    const results = await sub!.waitFor(2, (m) => m.source === 'tcp');
    results.sort((a, b) => a.meta.frame - b.meta.frame);
    for (const [k, body] of bodies.entries()) {
      const frame = await decode(body);
      expect([results[k].width, results[k].height]).toEqual([frame.width, frame.height]);
      expect(results[k].ions).toEqual(await libraryIons(body));
    }
  });

  it('holds back a fast sender while the queue is full and loses no frame', async () => {
    const { port, url } = await setup({ workers: 1, queueSize: 2 });
    const body = fixture('rand300x300_n5_s1114.png');
    const counts = [40, 25];
    const conns = await Promise.all(counts.map(() => client(port)));
    conns.forEach((s, c) => s.write(Buffer.concat(Array.from({ length: counts[c] }, () => framed(body)))));

    const total = counts[0] + counts[1];
    const results = await sub!.waitFor(total, (m) => m.source === 'tcp', 30_000);
    conns.forEach((s, c) => {
      const frames = results.filter((r) => r.meta.peer === peerOf(s)).map((r) => r.meta.frame);
      expect(frames.sort((x, y) => x - y)).toEqual(Array.from({ length: counts[c] }, (_, k) => k));
    });
    const expected = await libraryIons(body);
    for (const r of results) expect(r.ions).toEqual(expected);
    // The sockets were paused instead of frames being refused at the pipeline's door.
    expect(await metric(url, 'ioncam_tcp_pauses_total')).toBeGreaterThan(0);
    expect(await metric(url, 'ioncam_frames_rejected_total{source="tcp",reason="queue_full"}')).toBe(0);
    expect(await metric(url, 'ioncam_frames_processed_total{source="tcp"}')).toBe(total);
  });
});

describe('TCP ingest in the app', () => {
  async function freePort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    return port;
  }

  it('listens on IONCAM_TCP_PORT with the app, and not at all with port 0', async () => {
    const off = await buildApp({ tcpPort: 0, save: false, dataDir: `${process.env.TMPDIR ?? '/tmp'}/ioncam-tcp-off-${process.pid}` });
    await off.ready();
    expect(off.ingest.tcp).toBeNull();
    await off.close();

    const port = await freePort();
    server = await startServer({ tcpPort: port, save: false });
    sub = await subscribe(server.wsUrl);
    expect(server.app.ingest.tcp?.address().port).toBe(port);
    const s = await client(port);
    s.write(framed(fixture('rand300x300_n1_s1101.png')));
    const [result] = await sub.waitFor(1, (m) => m.source === 'tcp');
    expect(result.meta.peer).toBe(peerOf(s));
    await server.close();
    server = null;
    await expect(open(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('analyses TCP frames with the server-wide IONCAM_ROI/IONCAM_DETECTOR; a POST request\'s own options win', async () => {
    const port = await freePort();
    // The legacy ROI form, as `ioncam analyze --roi` takes it: rows 20..280, columns 0..150.
    server = await startServer({ tcpPort: port, save: false, roi: 'xstart=20,xfinish=280,ystart=0,yfinish=150', detector: 'legacy' });
    sub = await subscribe(server.wsUrl);
    const body = fixture('rand300x300_n5_s1114.png');
    (await client(port)).write(framed(body));
    const [result] = await sub.waitFor(1, (m) => m.source === 'tcp');
    const options = { roi: { xstart: 20, xfinish: 280, ystart: 0, yfinish: 150 }, detector: 'legacy' as const };
    const expected = JSON.parse(JSON.stringify((await analyze(await decode(body), options)).ions));
    expect(result.roi).toEqual({ x: 0, y: 20, width: 150, height: 260 });
    expect(result.ions).toEqual(expected);
    expect(expected).not.toEqual(await libraryIons(body));

    const own = await (await postFrame(server.url, body, 'image/png', 'roi=10,10,100,100')).json();
    expect(own.roi).toEqual({ x: 10, y: 10, width: 100, height: 100 });
    const absent = await (await postFrame(server.url, body, 'image/png')).json();
    expect(absent.roi).toEqual(result.roi);
    expect(absent.ions).toEqual(expected);
  });

  it('on close, finishes and saves every frame it had read, even with the queue full', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'ioncam-tcp-close-'));
    const app = await buildApp({ tcpPort: port, workers: 1, queueSize: 2, dataDir });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const s = await client(port);
    s.write(Buffer.concat(Array.from({ length: 30 }, () => framed(fixture('rand300x300_n3_s1110.png')))));
    const value = async (name: string, labels: Record<string, string> = {}) =>
      (await app.metrics.registry.getSingleMetric(name)!.get()).values.find((v) =>
        Object.entries(labels).every(([k, l]) => v.labels[k] === l),
      )?.value ?? 0;
    while ((await value('ioncam_frames_processed_total', { source: 'tcp' })) < 3) await sleep(10);
    await app.close();
    const read = await value('ioncam_tcp_frames_received_total');
    const processed = await value('ioncam_frames_processed_total', { source: 'tcp' });
    expect(read).toBeGreaterThan(3);
    expect(processed).toBe(read);
    expect(await value('ioncam_frames_rejected_total', { source: 'tcp' })).toBe(0);
    expect(savedResults(dataDir).json).toHaveLength(read);
  });
});
