// `ioncam bench [name] [flags]`: runs one of the benchmark scripts of a source checkout
// (bench/<name>.mjs), which print their figures and write bench/results/<name>.json.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { packageRoot } from '../analysis/native.js';

const BENCH_DIR = join(packageRoot, 'bench');

function available(): string[] {
  if (!existsSync(BENCH_DIR)) return [];
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => f.slice(0, -'.mjs'.length))
    .sort();
}

export async function benchCommand(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const names = available();
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(
      `Usage: ioncam bench <name> [flags]\n\nRuns bench/<name>.mjs of a source checkout (after npm run build) with the given flags;\n` +
        `each script lists its flags in its opening comment.\nAvailable: ${names.join(', ') || '(none: not a source checkout)'}\n`,
    );
    return name === undefined ? 2 : 0;
  }
  if (!names.includes(name)) {
    process.stderr.write(`ioncam bench: no benchmark "${name}" (available: ${names.join(', ') || 'none'})\n`);
    return 2;
  }
  const child = spawn(process.execPath, [join(BENCH_DIR, `${name}.mjs`), ...rest], { stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code ?? 1;
}
