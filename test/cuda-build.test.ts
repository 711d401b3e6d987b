// The CUDA build on a machine without a GPU (CI): every .cu compiles with nvcc, the CUDA-enabled
// addon loads, reports itself, falls back to the CPU under gpu 'auto' and refuses gpu 'on'.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { decode } from '../src/index.js';
import { native, packageRoot, type NativeAddon } from '../src/analysis/native.js';
import { resolveOptions } from '../src/analysis/options.js';
import type { AnalyzeOptions, Frame } from '../src/analysis/types.js';
import { buildCudaAddon, compiledCudaObjects, nvccVersion, type CudaBuild } from './helpers/cuda-build.js';
import { fixturePath } from './helpers/fixtures.js';

const nvcc = nvccVersion();
if (!nvcc) {
  console.warn('NOTICE: nvcc not found: the CUDA compile tests are SKIPPED (CI has nvcc, so they run there).');
}

function nativeOptions(frame: Frame, options: AnalyzeOptions) {
  return resolveOptions(options, frame).native;
}

describe.skipIf(!nvcc)(`CUDA build (${nvcc ?? 'no nvcc'})`, () => {
  let build: CudaBuild;
  let cudaAddon: NativeAddon;
  let frame: Frame;

  beforeAll(async () => {
    build = buildCudaAddon();
    cudaAddon = createRequire(import.meta.url)(build.addon) as NativeAddon;
    frame = await decode(fixturePath('rand300x300_n3_s1109.png'));
  }, 600_000);

  it('compiles every CUDA source in cuda/', () => {
    const sources = readdirSync(join(packageRoot, 'cuda')).filter((f) => f.endsWith('.cu')).sort();
    expect(sources.length).toBeGreaterThan(0);
    expect(compiledCudaObjects(build.dir)).toEqual(sources);
  });

  it('builds the standalone test/bench program, which runs (CPU parts only without a GPU)', () => {
    const bench = join(build.dir, 'ioncam_gpu_bench');
    const help = spawnSync(bench, ['--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/ioncam_gpu_bench/);
    const r = spawnSync(bench, ['--quick'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.program).toBe('ioncam_gpu_bench');
    expect(out.frames.map((f: { width: number }) => f.width)).toEqual([300, 2048]);
    // The synthetic frames' ions are all found by the CPU analysis the GPU one is compared with.
    expect(out.frames.map((f: { ions_found_cpu: number }) => f.ions_found_cpu)).toEqual([3, 100]);
    expect(out.cpu_fits_per_second[0].fits_per_s).toBeGreaterThan(0);
    if (out.device.available) {
      expect(out.pass).toBe(true);
    } else {
      expect(out.pass).toBeNull();
      expect(out.device.reason).toMatch(/CUDA/);
      expect(spawnSync(bench, ['--quick', '--require-gpu'], { encoding: 'utf8', timeout: 120_000 }).status).toBe(3);
    }
  });

  it('exports the same functions as the node-gyp build (the two builds must not drift apart)', () => {
    expect(Object.keys(cudaAddon).sort()).toEqual(Object.keys(native).sort());
    expect(Object.keys(cudaAddon.testing).sort()).toEqual(Object.keys(native.testing).sort());
  });

  it('reports CUDA compiled in, and whether a device exists', () => {
    const info = cudaAddon.buildInfo() as { cuda: boolean; gpu: Record<string, unknown> };
    expect(info.cuda).toBe(true);
    expect(info.gpu.compiled).toBe(true);
    if (info.gpu.available) {
      expect(typeof info.gpu.device).toBe('string');
    } else {
      expect(info.gpu.devices).toBe(0);
      expect(info.gpu.device).toBeNull();
      expect(String(info.gpu.reason)).toMatch(/CUDA/);
    }
  });

  it("gpu 'auto' gives the same result as 'off' (CPU fallback when there is no device)", async () => {
    const off = await cudaAddon.analyze(frame, nativeOptions(frame, { gpu: 'off' }));
    const auto = await cudaAddon.analyze(frame, nativeOptions(frame, { gpu: 'auto' }));
    const { timings: _a, ...autoRest } = auto;
    const { timings: _o, ...offRest } = off;
    expect(autoRest).toEqual(offRest);
    // And the CUDA build agrees with the default CPU build.
    const { timings: _c, ...cpuRest } = await native.analyze(frame, nativeOptions(frame, { gpu: 'off' }));
    expect(offRest).toEqual(cpuRest);
  });

  it("gpu 'on' without a device rejects with a clear error", () => {
    const info = cudaAddon.buildInfo() as { gpu: { available: boolean } };
    if (info.gpu.available) return; // a GPU machine: 'on' is legitimate there
    expect(() => cudaAddon.analyzeSync(frame, nativeOptions(frame, { gpu: 'on' }))).toThrow(
      /gpu: 'on' was requested but the GPU cannot be used: no usable CUDA device/,
    );
    let code: unknown;
    try {
      cudaAddon.analyzeSync(frame, nativeOptions(frame, { gpu: 'on' }));
    } catch (e) {
      code = (e as { code?: unknown }).code;
    }
    expect(code).toBe('ERR_IONCAM_NO_GPU');
  });

  it("logs the 'auto' fallback once per process, not per frame", () => {
    const script = `
      const a = require(${JSON.stringify(build.addon)});
      const f = { width: 64, height: 64, data: new Uint8Array(64 * 64) };
      const o = { roiX: 0, roiY: 0, roiWidth: 64, roiHeight: 64, radius: 20, analysis: 2, model: 0, detector: 0, gpu: 0 };
      for (let i = 0; i < 5; i++) a.analyzeSync(f, o);
      console.log(JSON.stringify(a.gpuStatus()));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const status = JSON.parse(r.stdout.trim());
    const lines = r.stderr.split('\n').filter((l) => l.includes("gpu 'auto'"));
    if (status.available) {
      expect(lines).toHaveLength(0);
    } else {
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/analysing on the CPU/);
      expect(status.gpuJobs).toBe(0);
    }
  });
});
