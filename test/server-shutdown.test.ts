// SIGTERM to the real CLI (bin/ioncam.cjs serve) while frames are queued: every frame that got
// a 200 is on disk when the process exits, no temp files are left, and the exit code is 0.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { startServer } from '../bench/lib/server-process.mjs';
import { fixture, postFrame, savedResults } from './helpers/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ioncam-sigterm-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('ioncam serve', () => {
  it('drains the queue and flushes the writer on SIGTERM', async () => {
    const server = await startServer(
      ['--port', '0', '--data-dir', dataDir, '--workers', '1', '--queue-size', '64', '--tcp-port', '0'],
      { timeoutMs: 20_000 },
    );
    const url = server.url;

    const big = fixture('rand800x800_n10_s1302.png');
    const pending = Array.from({ length: 40 }, () => postFrame(url, big, 'image/png').catch((e: Error) => e));
    // SIGTERM once a backlog has built up, so there is something to drain.
    for (let i = 0; i < 200; i++) {
      const status = await (await fetch(`${url}/api/status`)).json();
      if (status.queueDepth >= 10) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const stopped = server.stop();
    const outcomes = await Promise.all(pending);
    const code = await stopped;

    const accepted: string[] = [];
    for (const o of outcomes) if (o instanceof Response && o.status === 200) accepted.push((await o.json()).id);
    expect(code, server.log()).toBe(0);
    expect(accepted.length).toBeGreaterThanOrEqual(10);
    expect(server.log()).toMatch(/SIGTERM: draining \d+ queued frames/);
    const disk = savedResults(dataDir);
    expect(disk.ndjson.map((r) => r.id).sort()).toEqual(accepted.sort());
    expect(disk.json.length).toBe(accepted.length);
    expect(disk.jpg.length).toBe(accepted.length);
    expect(disk.temp).toEqual([]);
  });
});
