// The day's NDJSON log: whole lines only, in order, and a line cut short by a crash is trimmed
// when the file is next opened.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { DailyLog } from '../src/outputs/daily-log.js';

const dir = mkdtempSync(join(tmpdir(), 'ioncam-ndjson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DailyLog', () => {
  it('appends whole lines in order', async () => {
    const errors: Error[] = [];
    const log = new DailyLog((e) => errors.push(e));
    const path = join(dir, 'a.ndjson');
    for (let i = 0; i < 500; i++) log.append(path, Buffer.from(JSON.stringify({ i })));
    await log.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(errors).toEqual([]);
  });

  it('trims a half-written last line before appending', async () => {
    const path = join(dir, 'b.ndjson');
    writeFileSync(path, '{"i":0}\n{"i":1}\n{"i":2, "cut sho');
    const log = new DailyLog(() => undefined);
    log.append(path, Buffer.from('{"i":3}'));
    await log.close();
    expect(readFileSync(path, 'utf8')).toBe('{"i":0}\n{"i":1}\n{"i":3}\n');
  });

  it('reports a file it cannot open, and keeps going', async () => {
    const errors: Error[] = [];
    const log = new DailyLog((e) => errors.push(e));
    log.append(join(dir, 'missing-folder', 'c.ndjson'), Buffer.from('{}'));
    await log.flush();
    expect(errors.length).toBeGreaterThan(0);
  });
});
