// A connection that never sends a byte (a browser's preconnect) must not stall app.close().
import { connect } from 'node:net';

import { describe, expect, it } from 'vitest';

import { startServer } from './helpers/server.js';

describe('app.close() with a silent connection open', () => {
  it('closes promptly and drops the silent socket', async () => {
    const server = await startServer();
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const closedByServer = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // Let the server accept it before closing.
    await new Promise((r) => setTimeout(r, 100));

    const started = Date.now();
    await server.close();
    await closedByServer;
    // Without the fix Node waits for its 60 s headers timeout.
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 20_000);
});
