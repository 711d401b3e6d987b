// `ioncam analyze <files or folders...>`: offline analysis of saved frames on every core.
// Frames are decoded (sharp, threaded) and analysed (the addon, on libuv worker threads)
// `--jobs` at a time; results are written in input order whatever order they finish in.
import { performance } from 'node:perf_hooks';

import { analyze } from '../analysis/analyze.js';
import { decode } from '../analysis/decode.js';
import { resolveOptions } from '../analysis/options.js';
import type { AnalyzeOptions } from '../analysis/types.js';
import { ANALYZE_HELP, parseAnalyzeArgs, UsageError, type AnalyzeArgs } from './analyze-args.js';
import { collectInputs, type InputFile } from './analyze-inputs.js';
import { textWriter, type FrameOutcome, type ResultWriter } from './analyze-output.js';
import { progressReporter } from './progress.js';

/** Checks the options once up front, so a bad value is a usage error and not N failed files. */
function checkOptions(options: AnalyzeOptions): void {
  const probe = { width: 1, height: 1, data: new Uint8Array(1) };
  try {
    resolveOptions({ ...options, roi: undefined }, probe);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function analyzeFile(input: InputFile, options: AnalyzeOptions): Promise<FrameOutcome> {
  try {
    const t0 = performance.now();
    const frame = await decode(input.path, input.raw ?? {});
    const decodeMs = performance.now() - t0;
    const result = await analyze(frame, options);
    return { file: input.path, result, decodeMs };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const message = err.code === 'ENOENT' ? 'no such file or directory' : err.message;
    return { file: input.path, error: `${err.name ?? 'Error'}: ${message}` };
  }
}

async function openWriter(args: AnalyzeArgs): Promise<ResultWriter> {
  if (args.format === 'legacy') {
    const { legacyWriter } = await import('./analyze-legacy.js');
    return legacyWriter(args.out ?? './data');
  }
  return textWriter(args.format, args.out);
}

interface Summary {
  frames: number;
  ions: number;
  failures: { file: string; error: string }[];
  seconds: number;
}

async function runBatch(args: AnalyzeArgs): Promise<Summary> {
  const { files, problems, skipped } = await collectInputs(args.paths, args.raw);
  for (const file of skipped) process.stderr.write(`skipped ${file}: .raw without --raw-size or sidecar\n`);
  const failures = problems.map((p) => ({ file: p.path, error: p.message }));
  const writer = await openWriter(args);
  const progress = progressReporter(files.length, args.progress);
  const t0 = performance.now();
  let frames = 0;
  let ions = 0;

  // Results arrive in any order; they are written strictly in input order.
  const finished = new Map<number, FrameOutcome>();
  let nextToWrite = 0;
  let writing = Promise.resolve();
  const flushInOrder = () => {
    while (finished.has(nextToWrite)) {
      const outcome = finished.get(nextToWrite)!;
      finished.delete(nextToWrite++);
      writing = writing.then(() => writer.write(outcome));
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      const outcome = await analyzeFile(files[index], args.options);
      if (outcome.result) {
        frames++;
        ions += outcome.result.ionCount;
        progress.done(outcome.file, true, `${outcome.result.ionCount} ions`);
      } else {
        failures.push({ file: outcome.file, error: outcome.error! });
        progress.done(outcome.file, false, outcome.error!);
      }
      finished.set(index, outcome);
      flushInOrder();
      // Do not run ahead of a slow output (a pipe, a disk) by more than the batch in flight.
      if (finished.size > args.jobs * 4) await writing;
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.jobs, files.length) }, worker));
  await writing;
  await writer.close();
  progress.finish();
  return { frames, ions, failures, seconds: (performance.now() - t0) / 1000 };
}

/** Runs `ioncam analyze` and returns the exit status (0 ok, 1 some file failed, 2 usage). */
export async function runAnalyze(argv: string[]): Promise<number> {
  let args: AnalyzeArgs;
  try {
    args = parseAnalyzeArgs(argv);
    if (!args.help) checkOptions(args.options);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`ioncam analyze: ${e.message}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(ANALYZE_HELP);
    return 0;
  }
  const summary = await runBatch(args);
  const rate = summary.frames / Math.max(summary.seconds, 1e-9);
  process.stderr.write(
    `analyzed ${summary.frames} frames, ${summary.ions} ions, ${summary.failures.length} failures ` +
      `in ${summary.seconds.toFixed(2)} s (${rate.toFixed(1)} frames/s)\n`,
  );
  if (summary.failures.length > 0) {
    process.stderr.write(`failed files:\n`);
    for (const f of summary.failures) process.stderr.write(`  ${f.file}: ${f.error}\n`);
    return 1;
  }
  return 0;
}
