// The public `gpu` option through the library API, on whichever addon is loaded (CPU-only from
// `npm ci`, or the CUDA build when build-cuda/ exists), on a machine with or without a GPU.
import { describe, expect, it } from 'vitest';

import { analyze, analyzeSync, buildInfo, decode } from '../src/index.js';
import { fixturePath } from './helpers/fixtures.js';

interface GpuInfo {
  compiled: boolean;
  available: boolean;
  devices: number;
  device: string | null;
  reason?: string;
}

const gpu = (buildInfo() as { gpu: GpuInfo }).gpu;

describe('gpu option', () => {
  it('buildInfo() says whether CUDA is compiled in and whether a device exists', () => {
    const info = buildInfo() as { cuda: boolean; gpu: GpuInfo };
    expect(info.gpu.compiled).toBe(info.cuda);
    expect(info.gpu.available).toBe(info.gpu.compiled && info.gpu.devices > 0);
    if (!info.gpu.available) expect(info.gpu.reason).toMatch(info.cuda ? /no usable CUDA device|no CUDA device/ : /built without CUDA/);
  });

  it("'auto' gives the same ions as 'off'", async () => {
    for (const file of ['rand300x300_n3_s1109.png', 'rand800x800_n10_s1301.png']) {
      const frame = await decode(fixturePath(file));
      const off = await analyze(frame, { gpu: 'off' });
      const auto = await analyze(frame, { gpu: 'auto' });
      expect(auto.ionCount).toBe(off.ionCount);
      expect(auto.detection).toEqual(off.detection);
      expect(auto.ions).toEqual(off.ions);
    }
  });

  it.skipIf(gpu.available)("'on' without a usable GPU is a clear error (rejected promise / thrown Error)", async () => {
    const frame = await decode(fixturePath('rand300x300_n3_s1109.png'));
    await expect(analyze(frame, { gpu: 'on' })).rejects.toThrow(/gpu: 'on' was requested but the GPU cannot be used/);
    expect(() => analyzeSync(frame, { gpu: 'on' })).toThrow(
      gpu.compiled ? /no usable CUDA device|no CUDA device/ : /built without CUDA.*npm run build:cuda/,
    );
  });

  it('rejects an unknown gpu mode with a TypeError', async () => {
    const frame = await decode(fixturePath('rand300x300_n3_s1109.png'));
    // @ts-expect-error deliberately wrong
    await expect(analyze(frame, { gpu: 'yes' })).rejects.toThrow(TypeError);
    // @ts-expect-error deliberately wrong
    expect(() => analyzeSync(frame, { gpu: true })).toThrow(/options.gpu must be one of auto, on, off/);
  });
});
