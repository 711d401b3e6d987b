// The camera endpoints on the real server (127.0.0.1, ephemeral port) with a real WebSocket
// subscriber: recordings deliver exactly N results, infinite capture stops when told, every frame
// the camera makes is either analysed or counted as skipped, and every bad input gets a 4xx.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { CameraController } from '../src/ingest/camera/controller.js';
import { call, sleep } from './helpers/camera.js';
import { savedResults, startServer, subscribe, type Subscriber, type TestServer } from './helpers/server.js';

const isCameraResult = (m: any) => m.type === 'result' && m.source === 'camera';
/** The end of a run: the first idle camera message after a running one. */
async function runEnd(sub: Subscriber, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const begun = sub.messages.findIndex((m) => m.type === 'camera' && m.state !== 'idle');
    const ended = begun < 0 ? -1 : sub.messages.findIndex((m, i) => i > begun && m.type === 'camera' && m.state === 'idle');
    if (ended >= 0) return sub.messages[ended];
    if (Date.now() > deadline) throw new Error('the run did not end');
    await sleep(10);
  }
}

/** Counts the frames the camera itself delivers (the controller must account for each). */
function countDelivered(app: TestServer['app']): { n: number } {
  const counter = { n: 0 };
  (app.camera as CameraController).driver.on('frame', () => counter.n++);
  return counter;
}

let server: TestServer;
let sub: Subscriber;
const api = (path: string) => `${server.url}/api/camera/${path}`;

beforeAll(async () => {
  server = await startServer({ cameraFps: 100, cameraWidth: 300, cameraHeight: 300, cameraIons: 5 });
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  sub?.close();
  await call(api('stop'), 'POST');
  await call(api('experiment'), 'PUT', { id: null });
  await server.app.pipeline.drain();
});

describe('recording', () => {
  it('a recording of N frames gives exactly N results on the stream, with the experiment id, then idle', async () => {
    sub = await subscribe(server.wsUrl);
    expect((await call(api('experiment'), 'PUT', { id: 'exp-1' })).body).toMatchObject({ experimentId: 'exp-1' });
    const delivered = countDelivered(server.app);
    const started = await call(api('start'), 'POST', { frames: 12 });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ state: 'recording', driver: 'simulated', experimentId: 'exp-1', fps: 100, width: 300, height: 300 });
    expect(started.body.framesRemaining).toBeLessThanOrEqual(12);

    const done = await runEnd(sub);
    // The run ends only once every result is out, so all of them came before the idle message.
    const idleAt = sub.messages.indexOf(done);
    const results = sub.messages.slice(0, idleAt).filter(isCameraResult);
    expect(results).toHaveLength(12);
    expect(done).toMatchObject({ framesCaptured: 12, framesAnalyzed: 12, framesFailed: 0, framesRemaining: null, experimentId: 'exp-1' });
    for (const r of results) {
      expect(r).toMatchObject({ experimentId: 'exp-1', width: 300, height: 300, meta: { camera: 'simulated', rY: 3 } });
      expect(new Date(r.meta.capturedAt).toISOString()).toBe(r.meta.capturedAt);
    }
    // Every frame the camera made is analysed or counted as skipped: none vanish.
    const indices = results.map((r) => r.meta.frame);
    expect(new Set(indices).size).toBe(12);
    expect(Math.max(...indices)).toBeLessThan(delivered.n);
    expect(delivered.n).toBe(12 + done.framesSkipped);

    await sleep(250);
    expect(sub.messages.filter(isCameraResult)).toHaveLength(12);
    const status = await call(api('status'), 'GET');
    expect(status.body).toMatchObject({ state: 'idle', framesCaptured: 12, framesAnalyzed: 12, framesRemaining: null });
    await server.app.pipeline.drain();
    expect(savedResults(server.dataDir).ndjson.filter((r) => r.source === 'camera' && r.experimentId === 'exp-1')).toHaveLength(12);
  });

  it('results show the simulated ion chain', async () => {
    sub = await subscribe(server.wsUrl);
    await call(api('start'), 'POST', { frames: 5 });
    const results = await sub.waitFor(5, isCameraResult);
    for (const r of results) expect(r.ionCount).toBe(5);
  });

  it('keeps every accepted frame when the pipeline is full: N results, skipped frames counted', async () => {
    const small = await startServer({ cameraFps: 1000, cameraWidth: 300, cameraHeight: 300, queueSize: 1, workers: 1 });
    try {
      const s = await subscribe(small.wsUrl);
      const delivered = countDelivered(small.app);
      const started = await call(`${small.url}/api/camera/start`, 'POST', { frames: 40 });
      expect(started.status).toBe(200);
      const done = await runEnd(s, 30_000);
      const results = s.messages.filter(isCameraResult);
      expect(results).toHaveLength(40);
      const indices = results.map((r) => r.meta.frame);
      expect(new Set(indices).size).toBe(40);
      expect(Math.max(...indices)).toBeLessThan(delivered.n);
      expect(delivered.n).toBe(40 + done.framesSkipped);
      expect(done.framesSkipped).toBeGreaterThan(0); // 1000 fps into a one-frame queue must overrun
      expect(done).toMatchObject({ framesCaptured: 40, framesAnalyzed: 40 });
      const metrics = await (await fetch(`${small.url}/metrics`)).text();
      expect(metrics).toContain('ioncam_camera_frames_total{outcome="analyzed"} 40');
      expect(metrics).toContain(`ioncam_camera_frames_total{outcome="skipped"} ${done.framesSkipped}`);
      s.close();
    } finally {
      await small.close();
    }
  });
});

describe('infinite capture', () => {
  it('runs until stopped; afterwards only the frames already accepted arrive', async () => {
    sub = await subscribe(server.wsUrl);
    const started = await call(api('start-infinite'), 'POST');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ state: 'infinite', framesRemaining: null });
    await sub.waitFor(8, isCameraResult);
    const stopped = await call(api('stop'), 'POST');
    expect(stopped.body.state).toBe('idle');
    await server.app.pipeline.drain();
    await sleep(200);
    const results = sub.messages.filter(isCameraResult);
    const status = (await call(api('status'), 'GET')).body;
    expect(status).toMatchObject({ state: 'idle', framesCaptured: results.length, framesAnalyzed: results.length });
    expect(results.length).toBeGreaterThanOrEqual(8);
    await sleep(200);
    expect(sub.messages.filter(isCameraResult)).toHaveLength(results.length);
    // The state changes went out on the stream too.
    expect(sub.messages.filter((m) => m.type === 'camera').map((m) => m.state)).toEqual(expect.arrayContaining(['infinite', 'idle']));
  });

  it('changes R_y (and other settings) while running', async () => {
    sub = await subscribe(server.wsUrl);
    await call(api('start-infinite'), 'POST');
    await sub.waitFor(3, isCameraResult);
    const changed = await call(api('settings'), 'PUT', { rY: 8 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ state: 'infinite', settings: { rY: 8 } });
    await sub.waitFor(1, (m) => isCameraResult(m) && m.meta.rY === 8);
    const before = sub.messages.filter(isCameraResult).length;
    await sub.waitFor(before + 3, isCameraResult);
    await call(api('stop'), 'POST');
    const results = sub.messages.filter(isCameraResult);
    const rYs = results.map((r) => r.meta.rY);
    expect(rYs[0]).toBe(3);
    expect(rYs.at(-1)).toBe(8);
    const mean = (rs: any[]) => rs.flatMap((r) => r.ions.map((i: any) => i.rY)).reduce((a, b) => a + b, 0) / rs.reduce((n, r) => n + r.ionCount, 0);
    expect(mean(results.filter((r) => r.meta.rY === 3))).toBeCloseTo(3, 0);
    expect(mean(results.filter((r) => r.meta.rY === 8))).toBeCloseTo(8, 0);
    await call(api('settings'), 'PUT', { rY: 3 });
    expect((await call(api('settings'), 'GET')).body).toMatchObject({ rY: 3, fps: 100, ions: 5 });
  });

  it('refuses a second start while running (409) and reports the camera in /api/status and /metrics', async () => {
    expect((await call(api('start-infinite'), 'POST')).status).toBe(200);
    for (const [path, body] of [
      ['start', { frames: 3 }],
      ['start-infinite', undefined],
    ] as const) {
      const res = await call(api(path), 'POST', body);
      expect(res.status, path).toBe(409);
      expect(res.body).toMatchObject({ error: 'camera_busy' });
      expect(res.body.message).toMatch(/already/);
    }
    const status = await call(`${server.url}/api/status`, 'GET');
    expect(status.body.camera).toMatchObject({ state: 'infinite', driver: 'simulated' });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('ioncam_camera_state{state="infinite"} 1');
    expect((await call(api('stop'), 'POST')).body.state).toBe('idle');
    expect((await call(api('stop'), 'POST')).status).toBe(200); // stopping an idle camera is harmless
  });
});

describe('failures and shutdown', () => {
  it('a camera failure ends the run and is reported in the status and on the stream', async () => {
    sub = await subscribe(server.wsUrl);
    await call(api('start-infinite'), 'POST');
    await sub.waitFor(2, isCameraResult);
    const camera = server.app.camera as CameraController;
    camera.driver.emit('error', new Error('sensor lost'));
    expect(camera.driver.running).toBe(false);
    const [broadcast] = await sub.waitFor(1, (m) => m.type === 'camera' && m.lastError !== null);
    expect(broadcast).toMatchObject({ state: 'idle', lastError: 'camera failed: sensor lost' });
    expect((await call(api('status'), 'GET')).body).toMatchObject({ state: 'idle', lastError: 'camera failed: sensor lost' });
    // A new run clears the error.
    expect((await call(api('start'), 'POST', { frames: 1 })).body.lastError).toBeNull();
    await runEnd(sub);
  });

  it('closing the server while capturing stops the camera; every accepted frame still has its outcome', async () => {
    const other = await startServer({ cameraFps: 200 });
    const s = await subscribe(other.wsUrl);
    await call(`${other.url}/api/camera/start-infinite`, 'POST');
    await s.waitFor(5, isCameraResult);
    const camera = other.app.camera as CameraController;
    await other.close();
    expect(camera.driver.running).toBe(false);
    const status = camera.status();
    expect(status.state).toBe('idle');
    expect(status.framesAnalyzed + status.framesFailed).toBe(status.framesCaptured);
    s.close();
  });
});

describe('bad input', () => {
  it('answers every bad request with a 4xx JSON error and keeps serving', async () => {
    const cases: Array<[string, string, unknown, number, string | RegExp]> = [
      ['start', 'POST', { frames: 0 }, 400, /frames/],
      ['start', 'POST', { frames: -5 }, 400, /frames/],
      ['start', 'POST', { frames: 2.5 }, 400, /frames/],
      ['start', 'POST', { frames: 'many' }, 400, /frames/],
      ['start', 'POST', { frames: 1e9 }, 400, /frames/],
      ['start', 'POST', {}, 400, /frames/],
      ['start', 'POST', undefined, 400, /body/],
      ['start', 'POST', '{"frames": 3', 400, /JSON|Unexpected|Expected/i],
      ['experiment', 'PUT', { id: 'run/7' }, 400, /path separators/],
      ['experiment', 'PUT', { id: '..\\up' }, 400, /path separators/],
      ['experiment', 'PUT', { id: 'x'.repeat(129) }, 400, /128/],
      ['experiment', 'PUT', { id: ['a'] }, 400, /id/],
      ['experiment', 'PUT', { id: 'a\u0000b' }, 400, /control/],
      ['experiment', 'PUT', {}, 400, /id/],
      ['settings', 'PUT', { rY: -1 }, 400, /rY/],
      ['settings', 'PUT', { fps: 0 }, 400, /fps/],
      ['settings', 'PUT', { ions: 3.5 }, 400, /ions/],
      ['settings', 'PUT', { exposure: 3 }, 400, /unknown camera setting "exposure"/],
      ['settings', 'PUT', { layout: 'zigzag' }, 400, /layout/],
      ['settings', 'PUT', { options: { model: 'parabola' } }, 400, /model/],
      ['settings', 'PUT', { options: { radius: -1 } }, 400, /radius/],
      ['settings', 'PUT', { options: { roi: { x: 400, y: 0, width: 10, height: 10 } } }, 400, /roi/],
      ['launch', 'POST', undefined, 400, /unknown camera command "launch"/],
      ['start', 'GET', undefined, 405, /use POST/],
      ['status', 'DELETE', undefined, 405, /use GET/],
    ];
    for (const [path, method, body, status, message] of cases) {
      const res = await call(api(path), method, body);
      const what = `${method} ${path} ${JSON.stringify(body)}`;
      expect(res.status, what).toBe(status);
      expect(Object.keys(res.body).sort(), what).toEqual(['error', 'message']);
      expect(res.body.message, what).toMatch(message);
    }
    // Nothing was changed by the refused requests, and the server still serves.
    const status = await call(api('status'), 'GET');
    expect(status.body).toMatchObject({ state: 'idle', experimentId: null, settings: { fps: 100, rY: 3, ions: 5 }, options: {} });
  });

  it('accepts experiment ids up to 128 characters; null or "" clears the id', async () => {
    const long = 'run-2026.11.28_A:' + 'x'.repeat(111);
    expect((await call(api('experiment'), 'PUT', { id: long })).body.experimentId).toBe(long);
    expect((await call(`${server.url}/api/status`, 'GET')).body.experimentId).toBe(long);
    expect((await call(api('experiment'), 'PUT', { id: '' })).body.experimentId).toBeNull();
    await call(api('experiment'), 'PUT', { id: 'e' });
    expect((await call(api('experiment'), 'PUT', { id: null })).body.experimentId).toBeNull();
  });

  it('applies a settings change all or nothing', async () => {
    const res = await call(api('settings'), 'PUT', { rY: 5, fps: 0 });
    expect(res.status).toBe(400);
    expect((await call(api('settings'), 'GET')).body).toMatchObject({ rY: 3, fps: 100 });
    const bad = await call(api('settings'), 'PUT', { rY: 5, options: { model: 'nope' } });
    expect(bad.status).toBe(400);
    expect((await call(api('settings'), 'GET')).body.rY).toBe(3);
    // A resize that would leave the analysis ROI off the frame is refused, the size kept.
    expect((await call(api('settings'), 'PUT', { options: { roi: { x: 200, y: 0, width: 50, height: 50 } } })).status).toBe(200);
    const resize = await call(api('settings'), 'PUT', { width: 100, rY: 4 });
    expect(resize.status).toBe(400);
    expect(resize.body.message).toMatch(/roi/);
    expect((await call(api('settings'), 'GET')).body).toMatchObject({ width: 300, rY: 3 });
    const good = await call(api('settings'), 'PUT', { ions: 3, options: { radius: 12, model: 'shm' }, save: false });
    expect(good.body).toMatchObject({ settings: { ions: 3 }, options: { radius: 12, model: 'shm' }, save: false });
    await call(api('settings'), 'PUT', { ions: 5, options: {}, save: null });
  });
});
