// The result writer on its own: every saved result lands as JPEG + legacy JSON + NDJSON line,
// 16-bit frames included, and a writer thread that dies fails its jobs instead of hanging a flush.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';

import type { Frame } from '../src/analysis/types.js';
import { ResultWriter } from '../src/outputs/writer.js';
import type { ProcessedFrame } from '../src/pipeline/types.js';
import { savedResults } from './helpers/server.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function processed(seq: number, frame: Frame): ProcessedFrame {
  const receivedAt = new Date();
  const ion = { x0: 40, y0: 30, sigmaX: 2, rY: 3, ampX: 1, ampY: 1, offsetX: 0, offsetY: 0, converged: true, iterations: 3, errors: { x0: 0.1, y0: 0.1, sigmaX: 0, rY: 0, ampX: 0, ampY: 0, offsetX: 0, offsetY: 0 } };
  const result = {
    type: 'result' as const, id: `20260101-000000-${String(seq).padStart(6, '0')}`, seq, receivedAt: receivedAt.toISOString(), source: 'test', experimentId: null, meta: {},
    width: frame.width, height: frame.height, roi: { x: 0, y: 0, width: frame.width, height: frame.height }, ionCount: 1, ions: [ion],
    timings: { queueMs: 0, decodeMs: 0, detectMs: 0, fitMs: 0, totalMs: 0 },
  };
  return { result, json: Buffer.from(JSON.stringify(result)), frame, receivedAt, save: true };
}

function newWriter() {
  const dataDir = mkdtempSync(join(tmpdir(), 'ioncam-writer-'));
  dirs.push(dataDir);
  const errors: string[] = [];
  const written: string[] = [];
  const writer = new ResultWriter(dataDir, { written: (k) => written.push(k), error: (k, e) => errors.push(`${k}: ${e.message}`), progress: () => undefined }, 2);
  return { dataDir, writer, errors, written };
}

describe('ResultWriter', () => {
  it('writes 8-bit and 16-bit frames, and nothing for save=false', async () => {
    const { dataDir, writer, errors, written } = newWriter();
    const u8 = { width: 80, height: 60, data: new Uint8Array(80 * 60).fill(30) };
    const u16 = { width: 80, height: 60, data: new Uint16Array(80 * 60).map((_, i) => 1000 + (i % 80) * 20) };
    writer.accept(processed(1, u8));
    writer.accept(processed(2, u16));
    writer.accept({ ...processed(3, u8), save: false });
    await writer.close();
    const disk = savedResults(dataDir);
    expect(errors).toEqual([]);
    expect(disk.ndjson.map((r) => r.seq).sort()).toEqual([1, 2]);
    expect(disk.json.length).toBe(2);
    expect(disk.jpg.length).toBe(2);
    expect(written.sort()).toEqual(['jpg', 'jpg', 'json', 'json', 'ndjson', 'ndjson']);
    const jpg16 = disk.jpg.find((f) => f.includes('_000002_'))!;
    const { data, info } = await sharp(join(dataDir, jpg16)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([80, 60, 3]);
    // 16-bit values are stretched to 0..255: the darkest column is near 0, the brightest near 255.
    expect(data[(5 * 80 + 0) * 3]).toBeLessThan(20);
    expect(data[(5 * 80 + 79) * 3]).toBeGreaterThan(235);
  });

  it('fails the jobs of a writer thread that died, and still flushes', async () => {
    const { dataDir, writer, errors } = newWriter();
    await (writer as unknown as { threads: Array<{ terminate(): Promise<number> }> }).threads[0].terminate();
    const frame = { width: 40, height: 40, data: new Uint8Array(1600) };
    for (let seq = 1; seq <= 4; seq++) writer.accept(processed(seq, frame));
    await writer.flush();
    expect(writer.backlog).toBe(0);
    expect(savedResults(dataDir).ndjson.length).toBe(2);
    expect(errors.filter((e) => e.startsWith('writer:')).length).toBe(2);
    await writer.close();
  });
});
