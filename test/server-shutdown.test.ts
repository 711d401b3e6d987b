// SIGTERM to the real CLI (bin/ioncam.cjs serve) while frames are queued: every frame that got
// a 200 is on disk when the process exits, no temp files are left, and the exit code is 0.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { fixture, postFrame, savedResults } from './helpers/server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = mkdtempSync(join(tmpdir(), 'ioncam-sigterm-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('ioncam serve', () => {
  it('drains the queue and flushes the writer on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [join(root, 'bin', 'ioncam.cjs'), 'serve', '--port', '0', '--data-dir', dataDir, '--workers', '1', '--queue-size', '64', '--tcp-port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 20_000);
      const onData = (d: Buffer) => {
        log += d.toString();
        const m = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    });

    const big = fixture('rand800x800_n10_s1302.png');
    const pending = Array.from({ length: 40 }, () => postFrame(url, big, 'image/png').catch((e: Error) => e));
    // SIGTERM once a backlog has built up, so there is something to drain.
    for (let i = 0; i < 200; i++) {
      const status = await (await fetch(`${url}/api/status`)).json();
      if (status.queueDepth >= 10) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGTERM');
    const outcomes = await Promise.all(pending);
    const code = await exited;

    const accepted: string[] = [];
    for (const o of outcomes) if (o instanceof Response && o.status === 200) accepted.push((await o.json()).id);
    expect(code, log).toBe(0);
    expect(accepted.length).toBeGreaterThanOrEqual(10);
    expect(log).toMatch(/SIGTERM: draining \d+ queued frames/);
    const disk = savedResults(dataDir);
    expect(disk.ndjson.map((r) => r.id).sort()).toEqual(accepted.sort());
    expect(disk.json.length).toBe(accepted.length);
    expect(disk.jpg.length).toBe(accepted.length);
    expect(disk.temp).toEqual([]);
  });
});
