// npm run build:cuda: builds the CUDA-enabled addon into build-cuda/Release/ioncam.node with
// cmake-js (src/analysis/native.ts loads it in preference to the CPU-only build/).
// Needs nvcc and cmake; without them it says so and exits 1, leaving the CPU build untouched.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function findNvcc() {
  const candidates = ['nvcc'];
  if (process.env.CUDA_HOME) candidates.push(join(process.env.CUDA_HOME, 'bin', 'nvcc'));
  candidates.push('/usr/local/cuda/bin/nvcc');
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  return null;
}

const nvcc = findNvcc();
if (!nvcc) {
  console.error(
    'build:cuda: nvcc (the CUDA compiler) was not found in PATH, $CUDA_HOME/bin or /usr/local/cuda/bin.\n' +
      'The CUDA addon was NOT built; ioncam keeps using the CPU-only addon from `npm ci`.\n' +
      'Install the CUDA toolkit (12.x or 13.x) to build it.',
  );
  process.exit(1);
}
if (spawnSync('cmake', ['--version']).status !== 0) {
  console.error('build:cuda: cmake was not found; install cmake >= 3.24 to build the CUDA addon.');
  process.exit(1);
}

const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
if (!existsSync(cmakeJs)) {
  console.error('build:cuda: cmake-js is missing; run `npm ci` first.');
  process.exit(1);
}
// Extra arguments go to cmake-js (the tests pass `--out <tmp dir>` to build elsewhere).
const extra = process.argv.slice(2);
const out = extra.includes('--out') || extra.includes('-O') ? [] : ['--out', 'build-cuda'];
const args = [cmakeJs, 'build', ...out, '--CDCMAKE_CUDA_COMPILER=' + nvcc, ...extra];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error('build:cuda: the CUDA build failed (see above); the CPU-only addon is unaffected.');
  process.exit(r.status ?? 1);
}
console.log('build:cuda: built build-cuda/Release/ioncam.node');
