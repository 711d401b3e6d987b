// The GPU path as the server shows it: the `gpu` config setting, and /metrics saying what the
// addon has compiled in and whether the GPU takes work. Runs on any machine (GPU or not).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildInfo } from '../src/index.js';
import { resolveConfig } from '../src/config.js';
import { fixture, postFrame, startServer, type TestServer } from './helpers/server.js';

const gpu = (buildInfo() as { gpu: { compiled: boolean; available: boolean; device: string | null } }).gpu;

describe('gpu server config', () => {
  it('reads --gpu and IONCAM_GPU, default auto', () => {
    expect(resolveConfig([], {}).gpu).toBe('auto');
    expect(resolveConfig(['--gpu', 'off'], {}).gpu).toBe('off');
    expect(resolveConfig([], { IONCAM_GPU: 'on' }).gpu).toBe('on');
    expect(() => resolveConfig(['--gpu', 'maybe'], {})).toThrow(RangeError);
  });
});

describe('/metrics GPU gauges', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ camera: 'none', tcpPort: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('reports the CUDA build, the device and the jobs per device', async () => {
    const res = await postFrame(server.url, fixture('rand300x300_n3_s1109.png'), 'image/png', 'save=false');
    expect(res.status).toBe(200);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const device = gpu.device ?? 'none';
    expect(text).toContain(`ioncam_gpu_info{compiled="${gpu.compiled}",device="${device}"} 1`);
    expect(text).toMatch(new RegExp(`^ioncam_gpu_available ${gpu.available ? 1 : 0}$`, 'm'));
    expect(text).toMatch(/^ioncam_gpu_in_use [01]$/m);
    const cpuJobs = Number(/^ioncam_analysis_jobs\{device="cpu"\} (\d+)$/m.exec(text)?.[1]);
    // A 300 x 300 frame is below the size where 'auto' takes the GPU.
    expect(cpuJobs).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(gpu.available)("server with gpu 'on' and no usable GPU", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ camera: 'none', tcpPort: 0, gpu: 'on' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('fails the frame with the clear error and keeps serving', async () => {
    const res = await postFrame(server.url, fixture('rand300x300_n3_s1109.png'), 'image/png', 'save=false');
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error).toBe('gpu_unavailable');
    expect(body.message).toMatch(/gpu: 'on' was requested but the GPU cannot be used/);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
