#!/usr/bin/env node
// Offline throughput of `ioncam analyze` (the real CLI, a child process) on the fixture folder
// (63 frames: 300x300 to 800x800, 8/16-bit PNG, TIFF, raw; full analysis), per output format.
//
//   npm run build && node bench/cli.mjs [--repeat 3] [--dir test/fixtures/frames] [--jobs N]
//
// frames/s is the CLI's own closing summary (first file read to last result written); the
// wall time also counts process start-up. Printed and written to bench/results/cli.json.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    dir: { type: 'string', default: join(root, 'test', 'fixtures', 'frames') },
    jobs: { type: 'string' },
  },
});
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'ioncam-bench-cli-'));

async function analyzeOnce(format) {
  const out = format === 'legacy' ? join(scratch, `legacy-${Date.now()}`) : join(scratch, `out.${format}`);
  const flags = ['analyze', args.dir, '--format', format, '--out', out, '--progress', 'none'];
  if (args.jobs) flags.push('--jobs', args.jobs);
  const t0 = performance.now();
  const { stderr } = await run(process.execPath, [join(root, 'bin', 'ioncam.cjs'), ...flags]);
  const wall = (performance.now() - t0) / 1000;
  const m = /analyzed (\d+) frames, (\d+) ions, (\d+) failures in ([\d.]+) s \(([\d.]+) frames\/s\)/.exec(stderr);
  if (!m) throw new Error(`no summary in:\n${stderr}`);
  return { frames: +m[1], ions: +m[2], failures: +m[3], seconds: +m[4], framesPerSecond: +m[5], wallSeconds: +wall.toFixed(3) };
}

const results = {
  machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model, node: process.version },
  dir: args.dir,
  jobs: args.jobs ? Number(args.jobs) : availableParallelism(),
  formats: {},
};
try {
  for (const format of ['ndjson', 'csv', 'legacy']) {
    const runs = [];
    for (let i = 0; i < Number(args.repeat); i++) runs.push(await analyzeOnce(format));
    const best = runs.reduce((a, b) => (b.framesPerSecond > a.framesPerSecond ? b : a));
    results.formats[format] = { best, runs };
    console.log(
      `ioncam analyze --format ${format.padEnd(6)} ${best.frames} frames, ${best.ions} ions: ` +
        `${best.framesPerSecond} frames/s (best of ${runs.length}; wall ${best.wallSeconds} s with start-up)`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'cli.json'), JSON.stringify(results, null, 2) + '\n');
console.log('wrote bench/results/cli.json');
