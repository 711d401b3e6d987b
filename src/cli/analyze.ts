// `ioncam analyze <files or folders...>`: offline analysis of saved frames on every core,
// through the server's own pipeline (decode, analysis, result shape) and, for --format legacy,
// its own result writer. `--jobs` frames are analysed at once on libuv worker threads; results
// are written in input order whatever order they finish in.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

import { DEFAULT_MAX_PIXELS } from '../analysis/decode.js';
import { resolveOptions } from '../analysis/options.js';
import type { AnalyzeOptions } from '../analysis/types.js';
import { fileInput } from '../ingest/files.js';
import type { FrameSubmission } from '../ingest/sink.js';
import { ResultWriter } from '../outputs/writer.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { ANALYZE_HELP, parseAnalyzeArgs, UsageError, type AnalyzeArgs } from './analyze-args.js';
import { collectInputs, type InputFile } from './analyze-inputs.js';
import { textWriter, type FrameOutcome, type OutputWriter } from './analyze-output.js';
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

async function submissionFor(file: InputFile): Promise<Pick<FrameSubmission, 'input' | 'raw'>> {
  if (file.raw) return { input: await readFile(file.path), raw: file.raw };
  return fileInput(file.path);
}

function describeError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return 'no such file or directory';
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
}

interface Summary {
  frames: number;
  ions: number;
  failures: { file: string; error: string }[];
  writeErrors: string[];
  seconds: number;
}

async function runBatch(args: AnalyzeArgs): Promise<Summary> {
  const { files, problems, skipped } = await collectInputs(args.paths, args.raw);
  for (const file of skipped) process.stderr.write(`skipped ${file}: .raw without --raw-size or sidecar\n`);
  const failures = problems.map((p) => ({ file: p.path, error: p.message }));
  const writeErrors: string[] = [];
  const legacy = args.format === 'legacy'
    ? new ResultWriter(resolve(args.out ?? './data'), {
        written: () => undefined,
        error: (kind, e) => writeErrors.push(`${kind}: ${e.message}`),
        progress: () => pipeline.capacityChanged(),
      })
    : null;
  const text: OutputWriter | null = legacy ? null : await textWriter(args.format as 'ndjson' | 'csv', args.out);
  const pipeline: Pipeline = new Pipeline({
    workers: args.jobs,
    queueSize: args.jobs * 2,
    queueBytes: 1024 * 1024 * 1024,
    maxPixels: DEFAULT_MAX_PIXELS,
    retryAfter: 0,
    defaultSave: true,
    sinks: legacy ? [legacy] : [],
    backPressure: legacy ? () => (legacy.backlog >= args.jobs * 4 ? 'result writer behind' : null) : undefined,
  });
  // A redrawn bar would garble results printed to the same terminal.
  const resultsOnTerminal = text !== null && (args.out === undefined || args.out === '-') && process.stdout.isTTY === true;
  const progress = progressReporter(files.length, args.progress === 'auto' && resultsOnTerminal ? 'lines' : args.progress);
  const t0 = performance.now();
  let frames = 0;
  let ions = 0;

  // Results arrive in any order; they are written strictly in input order.
  const finished = new Map<number, FrameOutcome>();
  let nextToWrite = 0;
  let writing = Promise.resolve();
  const settle = (index: number, outcome: FrameOutcome) => {
    if (outcome.result) {
      frames++;
      ions += outcome.result.ionCount;
      progress.done(outcome.file, true, `${outcome.result.ionCount} ions`);
    } else {
      failures.push({ file: outcome.file, error: outcome.error! });
      progress.done(outcome.file, false, outcome.error!);
    }
    finished.set(index, outcome);
    while (finished.has(nextToWrite)) {
      const next = finished.get(nextToWrite)!;
      finished.delete(nextToWrite++);
      if (text) writing = writing.then(() => text.write(next));
    }
  };

  const outcomes: Promise<void>[] = [];
  for (const [index, input] of files.entries()) {
    await pipeline.waitForCapacity(); // read no further ahead than the queue takes
    // Keep a slow output (a pipe, a disk) from letting finished results pile up.
    if (finished.size > args.jobs * 4) await writing;
    let sub;
    try {
      sub = await submissionFor(input);
    } catch (e) {
      settle(index, { file: input.path, error: describeError(e) });
      continue;
    }
    // Room can shrink while the file was read (finished frames add to the writer's backlog);
    // checked again with no await between the check and the submit, the frame is accepted.
    while (!pipeline.hasCapacity()) await pipeline.waitForCapacity();
    outcomes.push(
      pipeline
        .submit({ ...sub, options: args.options, source: 'cli', meta: { file: input.path } })
        .then(
          (result) => settle(index, { file: input.path, result }),
          (e: unknown) => settle(index, { file: input.path, error: describeError(e) }),
        ),
    );
  }
  await Promise.all(outcomes);
  await pipeline.close();
  await legacy?.close();
  await writing;
  await text?.close();
  progress.finish();
  return { frames, ions, failures, writeErrors, seconds: (performance.now() - t0) / 1000 };
}

/** Runs `ioncam analyze` and returns the exit status (0 ok, 1 some file failed, 2 usage). */
export async function analyzeCommand(argv: string[]): Promise<number> {
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
  // Work in flight may sit only in threads that do not hold the process open (the result
  // writer's); without a handle of our own Node could exit mid-batch, silently, with status 0.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let summary: Summary;
  try {
    summary = await runBatch(args);
  } finally {
    clearInterval(keepAlive);
  }
  const rate = summary.frames / Math.max(summary.seconds, 1e-9);
  process.stderr.write(
    `analyzed ${summary.frames} frames, ${summary.ions} ions, ${summary.failures.length} failures ` +
      `in ${summary.seconds.toFixed(2)} s (${rate.toFixed(1)} frames/s)\n`,
  );
  if (summary.writeErrors.length > 0) {
    process.stderr.write(`${summary.writeErrors.length} result files could not be written:\n`);
    for (const e of summary.writeErrors) process.stderr.write(`  ${e}\n`);
  }
  if (summary.failures.length > 0) {
    process.stderr.write(`failed files:\n`);
    for (const f of summary.failures) process.stderr.write(`  ${f.file}: ${f.error}\n`);
  }
  return summary.failures.length > 0 || summary.writeErrors.length > 0 ? 1 : 0;
}
