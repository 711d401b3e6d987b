// A flood larger than the queue gets 503 + Retry-After for some frames, and every accepted
// frame comes out exactly once: in its HTTP reply, on the WebSocket stream and on disk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { QueueFullError } from '../src/pipeline/errors.js';
import { fixture, postFrame, savedResults, startServer, subscribe, type TestServer } from './helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ queueSize: 4, workers: 1 });
});
afterAll(async () => {
  await server?.close();
});

describe('back-pressure', () => {
  it('refuses with 503 when full and loses no accepted frame', async () => {
    const sub = await subscribe(server.wsUrl);
    const big = fixture('rand800x800_n10_s1301.png');
    const responses = await Promise.all(Array.from({ length: 120 }, () => postFrame(server.url, big, 'image/png', 'source=flood')));
    const accepted: string[] = [];
    let refused = 0;
    for (const res of responses) {
      if (res.status === 200) {
        accepted.push((await res.json()).id);
      } else {
        expect(res.status).toBe(503);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(await res.json()).toMatchObject({ error: 'queue_full' });
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThanOrEqual(4);
    expect(new Set(accepted).size).toBe(accepted.length);

    const streamed = await sub.waitFor(accepted.length, (m) => m.type === 'result');
    await server.app.pipeline.drain();
    const disk = savedResults(server.dataDir);
    expect(streamed.map((m) => m.id).sort()).toEqual([...accepted].sort());
    expect(streamed.every((m) => m.dropped === 0)).toBe(true);
    expect(disk.ndjson.map((r) => r.id).sort()).toEqual([...accepted].sort());
    expect(disk.json.length).toBe(accepted.length);
    expect(disk.jpg.length).toBe(accepted.length);
    expect(disk.temp).toEqual([]);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`ioncam_frames_rejected_total{source="flood",reason="queue_full"} ${refused}`);
    expect(metrics).toContain(`ioncam_frames_processed_total{source="flood"} ${accepted.length}`);
    sub.close();
  });

  it('lets ingest paths wait for capacity instead of being refused', async () => {
    const { pipeline } = server.app;
    const raw = fixture('u16_300_n3_s2001.raw');
    const sub = () => pipeline.submit({ input: raw, raw: { width: 300, height: 300, dtype: 'uint16' }, options: { analysis: 0 }, save: false, source: 'tcp' });
    const running = Array.from({ length: 4 }, sub);
    expect(pipeline.hasCapacity()).toBe(false);
    await expect(sub()).rejects.toBeInstanceOf(QueueFullError);
    await pipeline.waitForCapacity();
    expect(pipeline.hasCapacity()).toBe(true);
    const results = await Promise.all([...running, sub()]);
    expect(results.map((r) => r.width)).toEqual([300, 300, 300, 300, 300]);
  });
});
