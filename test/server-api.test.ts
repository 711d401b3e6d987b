// Round trip through every endpoint of the real server: upload, lookups, images, status,
// health, metrics, OpenAPI, the WebSocket stream and the files on disk.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadSidecar } from './helpers/fixtures.js';
import { fixture, postFrame, savedResults, startServer, subscribe, type TestServer } from './helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

describe('POST /api/frames', () => {
  it('analyses a PNG and answers with the FrameResult', async () => {
    const file = 'rand300x300_n3_s1109.png';
    const res = await postFrame(server.url, fixture(file), 'image/png', 'radius=20&source=lab-1');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body).toMatchObject({
      type: 'result',
      source: 'lab-1',
      experimentId: null,
      width: 300,
      height: 300,
      roi: { x: 0, y: 0, width: 300, height: 300 },
    });
    expect(body.id).toMatch(/^\d{8}-\d{6}-\d{6}$/);
    expect(Number.isInteger(body.seq)).toBe(true);
    expect(new Date(body.receivedAt).toISOString()).toBe(body.receivedAt);
    expect(body.ionCount).toBe(body.ions.length);
    for (const k of ['queueMs', 'decodeMs', 'detectMs', 'fitMs', 'totalMs']) expect(body.timings[k]).toBeGreaterThanOrEqual(0);
    expect(body.timings.totalMs).toBeGreaterThanOrEqual(body.timings.decodeMs);
    expect(loadSidecar(file).width).toBe(body.width);
  });

  it('takes raw 8-bit and 16-bit pixels with width, height and dtype', async () => {
    const sc = loadSidecar('u16_300_n3_s2001.raw');
    const res16 = await postFrame(server.url, fixture(sc.file), 'application/octet-stream', `width=${sc.width}&height=${sc.height}&dtype=uint16`);
    expect(res16.status).toBe(200);
    expect(await res16.json()).toMatchObject({ width: sc.width, height: sc.height });

    const raw8 = await sharp(fixture('rand300x300_n2_s1105.png')).extractChannel(0).raw().toBuffer();
    const res8 = await postFrame(server.url, raw8, 'application/octet-stream', 'width=300&height=300&dtype=uint8&analysis=1');
    expect(res8.status).toBe(200);
    expect((await res8.json()).width).toBe(300);
  });

  it('reads JPEG, TIFF and BMP uploads', async () => {
    const png = fixture('rand300x300_n1_s1101.png');
    const jpeg = await sharp(png).jpeg({ quality: 95 }).toBuffer();
    const tiff = fixture('tif8_300_n3_s2008.tif');
    const grey = await sharp(png).extractChannel(0).raw().toBuffer();
    const bmp = bmp24(300, 300, grey);
    for (const [type, body] of [['image/jpeg', jpeg], ['image/tiff', tiff], ['image/bmp', bmp]] as const) {
      const res = await postFrame(server.url, body, type);
      expect(res.status, type).toBe(200);
      expect((await res.json()).width).toBe(300);
    }
  });

  it('applies roi and the legacy xstart/xfinish (rows) / ystart/yfinish (columns) alias', async () => {
    const png = fixture('rand300x300_n3_s1110.png');
    const a = await (await postFrame(server.url, png, 'image/png', 'roi=10,20,100,50')).json();
    expect(a.roi).toEqual({ x: 10, y: 20, width: 100, height: 50 });
    const b = await (await postFrame(server.url, png, 'image/png', 'xstart=20&xfinish=70&ystart=10&yfinish=110')).json();
    expect(b.roi).toEqual({ x: 10, y: 20, width: 100, height: 50 });
  });

  it('persists saved results in the legacy layout and skips save=false', async () => {
    await server.app.pipeline.drain();
    const before = savedResults(server.dataDir).ndjson.length;
    const res = await postFrame(server.url, fixture('rand300x300_n3_s1111.png'), 'image/png');
    const saved = await res.json();
    const skipped = await (await postFrame(server.url, fixture('rand300x300_n3_s1111.png'), 'image/png', 'save=false')).json();
    await server.app.pipeline.drain();
    const disk = savedResults(server.dataDir);
    expect(disk.ndjson.map((r) => r.id)).toContain(saved.id);
    expect(disk.ndjson.map((r) => r.id)).not.toContain(skipped.id);
    expect(disk.ndjson.length).toBe(before + 1);
    expect(disk.temp).toEqual([]);

    const seq = String(saved.seq).padStart(6, '0');
    const jsonFile = disk.json.find((f) => f.endsWith(`_${seq}_data.json`))!;
    const jpgFile = disk.jpg.find((f) => f.endsWith(`_${seq}_labelled.jpg`))!;
    const day = saved.id.slice(2, 8);
    expect(jsonFile).toMatch(new RegExp(`^${day}/cam_json/\\d{6}-\\d{3}_${seq}_data\\.json$`));
    expect(jpgFile).toMatch(new RegExp(`^jpg_frames_labelled/${day}/\\d{6}-\\d{3}_${seq}_labelled\\.jpg$`));
    const record = JSON.parse(readFileSync(join(server.dataDir, jsonFile), 'utf8'));
    expect(Object.keys(record)).toEqual(expect.arrayContaining(['timestamp', 'date', 'atom_count', 'atoms']));
    expect(record.timestamp).toBe(saved.receivedAt);
    expect(record.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(record.atom_count).toBe(saved.ionCount);
    saved.ions.forEach((ion: any, i: number) => {
      expect(record.atoms[i]).toMatchObject({ id: i, x0: ion.x0, y0: ion.y0, sigma_x: ion.sigmaX, R_y: ion.rY, A_x: ion.ampX, A_y: ion.ampY, offset_x: ion.offsetX, offset_y: ion.offsetY });
      expect(Object.keys(record.atoms[i].fit_error).sort()).toEqual(['A_x', 'A_y', 'R_y', 'offset_x', 'offset_y', 'sigma_x', 'x0', 'y0']);
    });
    const meta = await sharp(join(server.dataDir, jpgFile)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 300, 300]);
  });
});

describe('GET /api/frames', () => {
  it('returns the latest result, a result by id, its frame PNG and its annotated JPEG', async () => {
    const png = fixture('rand300x300_n5_s1114.png');
    const posted = await (await postFrame(server.url, png, 'image/png')).json();
    const latest = await (await fetch(`${server.url}/api/frames/latest`)).json();
    expect(latest).toEqual(posted);
    const byId = await fetch(`${server.url}/api/frames/${posted.id}`);
    expect(byId.status).toBe(200);
    expect(await byId.json()).toEqual(posted);

    const frame = await fetch(`${server.url}/api/frames/${posted.id}/frame.png`);
    expect(frame.status).toBe(200);
    expect(frame.headers.get('content-type')).toBe('image/png');
    const servedPng = Buffer.from(await frame.arrayBuffer());
    expect((await sharp(servedPng).metadata()).channels).toBe(1);
    const served = await sharp(servedPng).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const original = await sharp(png).extractChannel(0).raw().toBuffer();
    expect(served.info).toMatchObject({ width: 300, height: 300, channels: 1 });
    expect(Buffer.compare(served.data, original)).toBe(0);

    const annotated = await fetch(`${server.url}/api/frames/${posted.id}/annotated.jpg`);
    expect(annotated.status).toBe(200);
    expect(annotated.headers.get('content-type')).toBe('image/jpeg');
    const jpeg = Buffer.from(await annotated.arrayBuffer());
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['jpeg', 300, 300, 3]);
    // Each ion's circle (radius sigma_x + R_y, at least 6 px) is drawn in green on the grey frame.
    expect(posted.ionCount).toBeGreaterThan(0);
    const rgb = await sharp(jpeg).raw().toBuffer();
    for (const ion of posted.ions) {
      const r = Math.max(6, Math.min(Math.round(ion.sigmaX + ion.rY), 60));
      const i = (Math.round(ion.y0) * 300 + Math.round(ion.x0 - r)) * 3;
      expect(rgb[i + 1] - rgb[i], `ion at ${ion.x0},${ion.y0}`).toBeGreaterThan(60);
    }
  });

  it('answers 404 JSON for unknown ids', async () => {
    for (const path of ['/api/frames/20200101-000000-999999', '/api/frames/20200101-000000-999999/frame.png', '/api/frames/20200101-000000-999999/annotated.jpg']) {
      const res = await fetch(server.url + path);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'not_found' });
    }
    const bad = await fetch(`${server.url}/api/frames/not-an-id`);
    expect(bad.status).toBe(400);
  });
});

describe('status, health, metrics, docs', () => {
  it('reports status per the contract', async () => {
    const status = await (await fetch(`${server.url}/api/status`)).json();
    expect(status).toMatchObject({ queueDepth: 0, queueCapacity: 256, wsDropped: 0, subscribers: 0, camera: { state: 'idle', driver: 'simulated' } });
    expect(typeof status.framesPerSecond).toBe('number');
  });

  it('answers /health and /ready', async () => {
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { addon: true, dataDirWritable: true, queueNotSaturated: true } });
  });

  it('exposes Prometheus metrics that count frames', async () => {
    await postFrame(server.url, fixture('rand300x300_n1_s1102.png'), 'image/png', 'source=metrics-test');
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/ioncam_frames_received_total\{source="metrics-test"\} 1/);
    expect(text).toMatch(/ioncam_frames_processed_total\{source="metrics-test"\} 1/);
    expect(text).toMatch(/ioncam_stage_seconds_bucket\{le="[^"]+",stage="decode"\}/);
    for (const name of ['ioncam_queue_depth', 'ioncam_ws_subscribers', 'ioncam_ws_messages_dropped_total', 'ioncam_files_written_total', 'ioncam_frames_rejected_total', 'process_resident_memory_bytes']) {
      expect(text).toContain(name);
    }
  });

  it('serves the OpenAPI document and the docs UI', async () => {
    const doc = await (await fetch(`${server.url}/docs/json`)).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/frames', '/api/frames/latest', '/api/frames/{id}', '/api/status', '/metrics', '/health', '/ready']));
    const params = doc.paths['/api/frames'].post.parameters.map((p: any) => p.name);
    expect(params).toEqual(expect.arrayContaining(['roi', 'radius', 'analysis', 'model', 'detector', 'save', 'width', 'height', 'dtype']));
    expect((await fetch(`${server.url}/docs`)).status).toBe(200);
  });
});

describe('WebSocket /ws', () => {
  it('streams each result with a dropped count, honours every=N and survives bad JSON', async () => {
    const sub = await subscribe(server.wsUrl);
    sub.socket.send('not json');
    const [err] = await sub.waitFor(1, (m) => m.type === 'error');
    expect(err.message).toMatch(/JSON/);

    const posted = await (await postFrame(server.url, fixture('rand300x300_n2_s1106.png'), 'image/png')).json();
    const [msg] = await sub.waitFor(1, (m) => m.type === 'result');
    expect(msg).toEqual({ ...posted, dropped: 0 });

    sub.socket.send(JSON.stringify({ type: 'subscribe', every: 3 }));
    await sub.waitFor(1, (m) => m.type === 'subscribed');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await (await postFrame(server.url, fixture('rand300x300_n1_s1103.png'), 'image/png', 'save=false')).json()).id);
    const results = await sub.waitFor(3, (m) => m.type === 'result');
    expect(results.slice(1).map((m) => m.id)).toEqual([ids[2], ids[5]]);

    sub.socket.send(JSON.stringify({ type: 'subscribe', every: 0 }));
    await sub.waitFor(2, (m) => m.type === 'error');
    expect(sub.socket.readyState).toBe(sub.socket.OPEN);
    sub.close();
  });

  it('broadcasts non-result messages such as camera state to every subscriber', async () => {
    const a = await subscribe(server.wsUrl);
    const b = await subscribe(server.wsUrl);
    server.app.hub.broadcast({ type: 'camera', state: 'recording' });
    for (const s of [a, b]) expect((await s.waitFor(1, (m) => m.type === 'camera'))[0]).toEqual({ type: 'camera', state: 'recording', dropped: 0 });
    a.close();
    b.close();
  });
});

/** A 24-bit BMP of a grey image (bottom-up rows, 4-byte aligned). */
function bmp24(width: number, height: number, grey: Buffer): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const out = Buffer.alloc(54 + stride * height);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const g = grey[r * width + c];
      out.fill(g, 54 + (height - 1 - r) * stride + c * 3, 54 + (height - 1 - r) * stride + c * 3 + 3);
    }
  }
  return out;
}
