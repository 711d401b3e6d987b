// A subscriber that stops reading gets messages dropped and counted: the server holds a bounded
// number of bytes for it, other subscribers get everything, and the drop count arrives with
// the next message it does get.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer, subscribe, type TestServer } from './helpers/server.js';

const WS_BUFFER = 64 * 1024;
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ wsBuffer: WS_BUFFER });
});
afterAll(async () => {
  await server?.close();
});

describe('slow WebSocket subscriber', () => {
  it('drops and counts instead of buffering without bound or stalling the pipeline', async () => {
    const fast = await subscribe(server.wsUrl);
    const slow = await subscribe(server.wsUrl);
    slow.socket.pause();
    const { pipeline, hub } = server.app;
    const pixels = Buffer.alloc(32 * 32, 10);
    const pad = 'x'.repeat(50_000); // makes each message ~50 kB, so the slow reader falls behind fast
    const submit = () => pipeline.submit({ input: pixels, raw: { width: 32, height: 32, dtype: 'uint8' }, options: { analysis: 0 }, save: false, source: 'test', meta: { pad } });

    const total = 400;
    let maxBuffered = 0;
    for (let i = 0; i < total; i++) {
      await submit();
      maxBuffered = Math.max(maxBuffered, ...hub.buffered());
    }
    await fast.waitFor(total, (m) => m.type === 'result');
    expect(hub.totalDropped).toBeGreaterThan(0);
    // Never more than the limit plus the one message that crossed it.
    expect(maxBuffered).toBeLessThanOrEqual(WS_BUFFER + 60_000);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`ioncam_ws_messages_dropped_total ${hub.totalDropped}`);
    expect((await (await fetch(`${server.url}/api/status`)).json()).wsDropped).toBe(hub.totalDropped);

    slow.socket.resume();
    const deadline = Date.now() + 20_000;
    while (Math.max(...hub.buffered()) > WS_BUFFER && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const last = await submit();
    const lastSeen = await slow.waitFor(1, (m) => m.id === last.id);
    const got = slow.messages.filter((m) => m.type === 'result');
    const reportedDrops = got.reduce((sum, m) => sum + m.dropped, 0);
    expect(lastSeen[0].dropped).toBeGreaterThan(0);
    expect(got.length + reportedDrops).toBe(total + 1);
    expect(reportedDrops).toBe(hub.totalDropped);
    fast.close();
    slow.close();
  });
});
