// The watched folder against the real app: real files written slowly, a restart in the middle,
// the ledger and the saved results on disk as the record of what was analysed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

import { buildApp, type AppOptions } from '../src/app.js';
import type { LedgerEntry } from '../src/ingest/ledger.js';
import { LEDGER_FILE, startWatch, type FolderWatcher } from '../src/ingest/watch.js';
import { analyze, decode } from '../src/index.js';
import { fixture, savedResults } from './helpers/server.js';

const POLL_MS = 40;
const SETTLE_MS = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Writes like a camera PC copying over a slow link: small chunks with pauses, one open file. */
async function writeSlowly(path: string, data: Buffer, chunk = 4096, pauseMs = 25): Promise<void> {
  const fh = await open(path, 'w');
  try {
    for (let i = 0; i < data.length; i += chunk) {
      await fh.write(data.subarray(i, i + chunk));
      await sleep(pauseMs);
    }
  } finally {
    await fh.close();
  }
}

const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `ioncam-watch-${name}-`));

function ledgerLines(dataDir: string): LedgerEntry[] {
  let text = '';
  try {
    text = readFileSync(join(dataDir, LEDGER_FILE), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as LedgerEntry);
}

interface Running {
  app: FastifyInstance;
  watcher: FolderWatcher;
  events: LedgerEntry[];
  stop(): Promise<void>;
}

const running: Running[] = [];

async function startWatching(dir: string, dataDir: string, options: AppOptions = {}): Promise<Running> {
  const app = await buildApp({ tcpPort: 0, ...options, dataDir });
  await app.ready();
  const watcher = await startWatch({
    dir,
    dataDir,
    pipeline: app.pipeline,
    pollMs: POLL_MS,
    settleMs: SETTLE_MS,
    registry: app.metrics.registry,
  });
  const events: LedgerEntry[] = [];
  watcher.on('file', (e: LedgerEntry) => events.push(e));
  let stopped = false;
  const r: Running = {
    app,
    watcher,
    events,
    async stop() {
      if (stopped) return;
      stopped = true;
      await watcher.close();
      await app.close();
    },
  };
  running.push(r);
  return r;
}

afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

async function libraryIons(path: string) {
  return JSON.parse(JSON.stringify((await analyze(await decode(path))).ions));
}

describe('watched folder', () => {
  it('analyses slowly written files once each, across a restart in the middle', async () => {
    const dir = tempDir('in');
    const data = tempDir('data');
    const frames = {
      a: fixture('rand300x300_n3_s1109.png'),
      b: fixture('rand300x300_n5_s1114.png'),
      c: fixture('u16_300_n3_s2001.tif'),
      d: fixture('chain_n5_sp25_uni_s1401.png'),
    };
    const path = (name: keyof typeof frames) => join(dir, `${name}${name === 'c' ? '.tif' : '.png'}`);

    const first = await startWatching(dir, data);
    await writeSlowly(path('a'), frames.a);
    await waitUntil('a.png analysed', () => first.events.length === 1);

    // Restart while b.png is half written.
    const writingB = writeSlowly(path('b'), frames.b, 2048, 30);
    await sleep(300);
    await first.stop();
    // A file that arrives whole while the server is down.
    writeFileSync(path('d'), frames.d);
    const second = await startWatching(dir, data);
    await writingB;
    await writeSlowly(path('c'), frames.c);
    await waitUntil('b, c and d analysed', () => second.events.length === 3);
    await sleep(SETTLE_MS + 5 * POLL_MS); // more polls: nothing else may happen
    await second.app.pipeline.drain();

    expect(first.events.map((e) => e.file)).toEqual([path('a')]);
    expect(second.events.map((e) => e.file).sort()).toEqual([path('b'), path('c'), path('d')]);
    const ledger = ledgerLines(data);
    expect(ledger.map((e) => [e.file, e.status]).sort()).toEqual(
      (['a', 'b', 'c', 'd'] as const).map((n) => [path(n), 'done']),
    );
    // What is on disk is the independent record: one saved result per file, none twice.
    const saved = savedResults(data);
    expect(saved.json).toHaveLength(4);
    expect(saved.ndjson.map((r) => r.meta.file).sort()).toEqual((['a', 'b', 'c', 'd'] as const).map(path));
    for (const r of saved.ndjson) {
      expect(r.source).toBe('watch');
      expect(r.ions).toEqual(await libraryIons(r.meta.file));
    }
  });

  it('records a failure once with its reason, does not retry it, and looks again once the file changes', async () => {
    const dir = tempDir('in');
    const data = tempDir('data');
    const bad = join(dir, 'bad.png');
    writeFileSync(bad, 'not a png, whatever the name says');
    writeFileSync(join(dir, 'notes.txt'), 'not a frame');
    writeFileSync(join(dir, '.hidden.png'), fixture('dark300_s1901.png'));
    const first = await startWatching(dir, data);
    await waitUntil('bad.png recorded', () => first.events.length === 1);
    expect(first.events[0]).toMatchObject({ file: bad, status: 'failed' });
    expect(first.events[0].reason).toMatch(/^undecodable: /);
    await sleep(SETTLE_MS + 10 * POLL_MS);
    expect(first.events).toHaveLength(1);
    const text = await (await first.app.inject({ url: '/metrics' })).body;
    expect(text).toContain('ioncam_ingest_rejected_total{source="watch",reason="undecodable"} 1');
    await first.stop();

    const second = await startWatching(dir, data);
    await sleep(SETTLE_MS + 10 * POLL_MS);
    expect(second.events).toHaveLength(0);
    // The file is replaced by a good frame (e.g. the copy had been cut short): one more try.
    await writeFile(bad, fixture('rand300x300_n1_s1101.png'));
    await waitUntil('bad.png analysed after it changed', () => second.events.length === 1);
    expect(second.events[0]).toMatchObject({ file: bad, status: 'done', ionCount: expect.any(Number) });
    // Unchanged, it stays done; replaced by a new frame under the same name, it is analysed again.
    await sleep(SETTLE_MS + 10 * POLL_MS);
    expect(second.events).toHaveLength(1);
    await writeFile(bad, fixture('rand300x300_n2_s1105.png'));
    await waitUntil('the new bad.png analysed', () => second.events.length === 2);
    expect(ledgerLines(data).map((e) => e.status)).toEqual(['failed', 'done', 'done']);
  });

  it('reads the legacy .hex and .dat formats and analyses them like the library', async () => {
    const dir = tempDir('in');
    const data = tempDir('data');
    // A .hex frame: 200x200 little-endian uint16, cut from a 16-bit fixture.
    const u16 = await decode(fixture('u16_300_n3_s2001.png'));
    const hex = new Uint16Array(200 * 200);
    for (let r = 0; r < 200; r++) hex.set(u16.data.subarray(r * 300 + 50, r * 300 + 250), r * 200);
    writeFileSync(join(dir, 'frame.hex'), new Uint8Array(hex.buffer));
    // A .dat frame: text rows of integers.
    const u8 = await decode(fixture('rand300x300_n2_s1105.png'));
    const rows: string[] = [];
    for (let r = 0; r < 300; r++) rows.push(Array.from(u8.data.subarray(r * 300, (r + 1) * 300)).join(' '));
    writeFileSync(join(dir, 'frame.dat'), rows.join('\n') + '\n');

    const w = await startWatching(dir, data);
    await waitUntil('both analysed', () => w.events.length === 2);
    expect(w.events.every((e) => e.status === 'done')).toBe(true);
    await w.app.pipeline.drain();
    const saved = savedResults(data).ndjson;
    expect(saved).toHaveLength(2);
    for (const r of saved) {
      const frame = await decode(r.meta.file);
      expect([r.width, r.height]).toEqual([frame.width, frame.height]);
      expect(r.ions).toEqual(JSON.parse(JSON.stringify((await analyze(frame)).ions)));
    }
  });

  it('waits for room when many files arrive at once for a tiny queue, and loses none', async () => {
    const dir = tempDir('in');
    const data = tempDir('data');
    const names = Array.from({ length: 12 }, (_, i) => `f${String(i).padStart(2, '0')}.png`);
    for (const n of names) writeFileSync(join(dir, n), fixture('rand300x300_n2_s1106.png'));
    const w = await startWatching(dir, data, { workers: 1, queueSize: 1 });
    await waitUntil('all analysed', () => w.events.length === names.length);
    expect(w.events.map((e) => e.status)).toEqual(names.map(() => 'done'));
    expect(new Set(w.events.map((e) => e.file)).size).toBe(names.length);
  });
});

describe('watched folder in the app', () => {
  it('starts with IONCAM_WATCH_DIR and stops with the app', async () => {
    const dir = tempDir('in');
    const data = tempDir('data');
    const app = await buildApp({ tcpPort: 0, watchDir: dir, watchPollMs: 30, dataDir: data });
    await app.ready();
    const watcher = app.ingest.watch!;
    expect(watcher.dir).toBe(dir);
    const events: LedgerEntry[] = [];
    watcher.on('file', (e: LedgerEntry) => events.push(e));
    writeFileSync(join(dir, 'x.png'), fixture('rand300x300_n1_s1102.png'));
    await waitUntil('x.png analysed', () => events.length === 1);
    await app.close();
    expect(events[0]).toMatchObject({ status: 'done', file: join(dir, 'x.png') });
    expect(savedResults(data).json).toHaveLength(1);
  });
});
