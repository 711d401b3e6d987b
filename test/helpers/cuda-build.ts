// Builds the CUDA-enabled addon (CMakeLists.txt, via cmake-js) into a temporary folder, so the
// tests compile every CUDA source with nvcc on every CI run, GPU or not.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { packageRoot } from '../../src/analysis/native.js';

export function nvccVersion(): string | null {
  for (const nvcc of ['nvcc', '/usr/local/cuda/bin/nvcc']) {
    const r = spawnSync(nvcc, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.trim().split('\n').pop() ?? 'nvcc';
  }
  return null;
}

export interface CudaBuild {
  dir: string;
  addon: string;
  log: string;
}

/** Runs `npm run build:cuda -- --out <tmp>`; throws with the build log when it fails. */
export function buildCudaAddon(): CudaBuild {
  const dir = mkdtempSync(join(tmpdir(), 'ioncam-cuda-build-'));
  const r = spawnSync(process.execPath, [join(packageRoot, 'scripts', 'build-cuda.mjs'), '--out', dir], {
    cwd: packageRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const log = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) throw new Error(`CUDA build failed (exit ${r.status}):\n${log.slice(-6000)}`);
  return { dir, addon: join(dir, 'Release', 'ioncam.node'), log };
}

/** Object files nvcc produced, by source name (e.g. "blur.cu"). */
export function compiledCudaObjects(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.cu.o')) found.push(e.name.slice(0, -'.o'.length));
    }
  };
  walk(dir);
  return found.sort();
}
