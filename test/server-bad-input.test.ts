// Every bad input gets a JSON { error, message } with the right status, and the server keeps serving.
import { deflateSync, crc32 } from 'node:zlib';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULTS } from '../src/config.js';
import { fixture, postFrame, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ bodyLimit: 200_000 });
});
afterAll(async () => {
  await server?.close();
});

async function expectError(res: Response, status: number, error: string): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = await res.json();
  expect(Object.keys(body).sort()).toEqual(['error', 'message']);
  expect(body.error).toBe(error);
  expect(body.message.length).toBeGreaterThan(5);
  return body.message;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A well-formed PNG header that claims width x height grey pixels, with one tiny IDAT. */
function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('bad frames', () => {
  const png = fixture('rand300x300_n3_s1109.png');

  it('empty body -> 400', async () => {
    await expectError(await postFrame(server.url, Buffer.alloc(0), 'image/png'), 400, 'empty_body');
    await expectError(await fetch(`${server.url}/api/frames`, { method: 'POST' }), 400, 'empty_body');
  });

  it('garbage and truncated images -> 422', async () => {
    await expectError(await postFrame(server.url, Buffer.from('definitely not an image'), 'image/png'), 422, 'undecodable_image');
    await expectError(await postFrame(server.url, png.subarray(0, Math.floor(png.length / 2)), 'image/png'), 422, 'undecodable_image');
    await expectError(await postFrame(server.url, png.subarray(0, 20), 'image/png'), 422, 'undecodable_image');
    await expectError(await postFrame(server.url, Buffer.from('BM\x00\x00'), 'image/bmp'), 422, 'undecodable_image');
  });

  it('truncated JPEG -> 422, JPEG claiming 30000x30000 -> 413, grey and colour JPEG -> 200', async () => {
    const grey = await sharp(png).toColourspace('b-w').jpeg({ quality: 90 }).toBuffer();
    const colour = await sharp(png).jpeg({ quality: 90 }).toBuffer();
    for (const ok of [grey, colour]) expect((await postFrame(server.url, ok, 'image/jpeg')).status).toBe(200);
    await expectError(await postFrame(server.url, grey.subarray(0, grey.length >> 1), 'image/jpeg'), 422, 'undecodable_image');
    const bomb = Buffer.from(grey);
    for (let i = 2; i < bomb.length - 9; i++) {
      if (bomb[i] === 0xff && bomb[i + 1] >= 0xc0 && bomb[i + 1] <= 0xc2) {
        bomb.writeUInt16BE(30000, i + 5);
        bomb.writeUInt16BE(30000, i + 7);
        break;
      }
    }
    expect(await expectError(await postFrame(server.url, bomb, 'image/jpeg'), 413, 'too_many_pixels')).toMatch(/30000x30000/);
  });

  it('unsupported content type -> 415', async () => {
    await expectError(await postFrame(server.url, png, 'text/plain'), 415, 'unsupported_media_type');
    await expectError(await postFrame(server.url, Buffer.from('{"a":1}'), 'application/json'), 415, 'unsupported_media_type');
  });

  it('body over the limit -> 413 (default limit 64 MiB)', async () => {
    expect(DEFAULTS.bodyLimit).toBe(64 * 1024 * 1024);
    expect(server.app.config.bodyLimit).toBe(200_000);
    await expectError(await postFrame(server.url, Buffer.alloc(200_001, 1), 'image/png'), 413, 'payload_too_large');
  });

  it('a PNG claiming 30000x30000 is refused from its header, before pixels are allocated -> 413', async () => {
    const bomb = pngClaiming(30000, 30000);
    expect(bomb.length).toBeLessThan(2000);
    const rssBefore = process.memoryUsage().rss;
    const message = await expectError(await postFrame(server.url, bomb, 'image/png'), 413, 'too_many_pixels');
    expect(message).toMatch(/30000x30000/);
    // 900 megapixels would need at least 900 MB; nothing near that was allocated.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  });

  it('raw pixels: length mismatch or missing size -> 400', async () => {
    const m = await expectError(await postFrame(server.url, Buffer.alloc(1000), 'application/octet-stream', 'width=300&height=300&dtype=uint8'), 400, 'bad_request');
    expect(m).toMatch(/1000 bytes/);
    await expectError(await postFrame(server.url, Buffer.alloc(90000), 'application/octet-stream', 'width=300&height=300&dtype=uint16'), 400, 'bad_request');
    await expectError(await postFrame(server.url, Buffer.alloc(90000), 'application/octet-stream', 'width=300&height=300'), 400, 'bad_request');
    await expectError(await postFrame(server.url, Buffer.alloc(90000), 'application/octet-stream', 'width=300&height=300&dtype=int7'), 400, 'bad_request');
    await expectError(await postFrame(server.url, Buffer.alloc(90000), 'application/octet-stream', 'width=0&height=300&dtype=uint8'), 400, 'bad_request');
  });

  it.each([
    ['roi=1,2,3', 'malformed roi'],
    ['roi=a,b,c,d', 'non-numeric roi'],
    ['roi=0,0,0,10', 'empty roi'],
    ['roi=400,400,10,10', 'roi outside the frame'],
    ['xstart=0&xfinish=10', 'partial legacy roi'],
    ['roi=0,0,10,10&xstart=0&xfinish=10&ystart=0&yfinish=10', 'both roi styles'],
    ['radius=-1', 'negative radius'],
    ['radius=0', 'zero radius'],
    ['radius=abc', 'non-numeric radius'],
    ['radius=100000', 'huge radius'],
    ['analysis=3', 'analysis out of range'],
    ['analysis=1.5', 'fractional analysis'],
    ['model=lorentzian', 'unknown model'],
    ['detector=magic', 'unknown detector'],
    ['save=maybe', 'non-boolean save'],
    ['source=../../etc', 'source with path characters'],
  ])('%s (%s) -> 400', async (query) => {
    await expectError(await postFrame(server.url, png, 'image/png', query), 400, 'bad_request');
  });

  it('unknown routes -> 404 JSON', async () => {
    await expectError(await fetch(`${server.url}/api/nope`), 404, 'not_found');
  });

  it('keeps serving after all of the above', async () => {
    const res = await postFrame(server.url, png, 'image/png');
    expect(res.status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/ioncam_frames_failed_total\{source="rest",reason="DecodeError"\} [1-9]/);
  });
});
