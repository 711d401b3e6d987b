// The experiment id belongs to the moment a frame is accepted: frames already queued keep the id
// they arrived under when PUT /api/camera/experiment changes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fixture, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ workers: 1, queueSize: 64, save: false });
});
afterAll(() => server.close());

describe('experiment id', () => {
  it('is stamped when the frame is accepted, not when it is analysed', async () => {
    const pipeline = (server.app as any).pipeline;
    const png = fixture('rand800x800_n10_s1301.png');
    const put = (id: string | null) =>
      fetch(`${server.url}/api/camera/experiment`, {
        method: 'PUT',
        body: JSON.stringify({ id }),
        headers: { 'content-type': 'application/json' },
      });
    expect((await put('run-a')).status).toBe(200);
    const first = Array.from({ length: 6 }, () => pipeline.submit({ input: png, options: {}, source: 'test', save: false }));
    // One worker: most of these are still waiting in the queue when the id changes.
    expect(pipeline.depth).toBeGreaterThan(1);
    expect((await put('run-b')).status).toBe(200);
    const second = pipeline.submit({ input: png, options: {}, source: 'test', save: false });
    const results = await Promise.all(first);
    expect(results.map((r: any) => r.experimentId)).toEqual(Array(6).fill('run-a'));
    expect((await second).experimentId).toBe('run-b');
    await put(null);
  });
});
