// The watched folder: every new frame file is analysed once, after it is completely written.
// Polling (not fs.watch) because it behaves the same on every file system, network shares
// included. A file counts as complete when its size and mtime stayed the same for `settleMs`
// (at least two polls). What was done is kept in a ledger in the data folder, so a restart
// neither repeats a file nor retries a failure in a loop.
import { EventEmitter } from 'node:events';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { Counter, register as globalRegistry, type Registry } from 'prom-client';

import type { AnalyzeOptions } from '../analysis/types.js';
import { fileInput, isFrameFile } from './files.js';
import { WatchLedger, type LedgerEntry } from './ledger.js';
import { isQueueFull, rejectedCounter, rejectReason, silentLogger, type FrameSink, type IngestLogger } from './sink.js';

export const LEDGER_FILE = 'watch-ledger.ndjson';

export interface WatchOptions {
  dir: string;
  /** The ledger lives here (the server's data folder). */
  dataDir: string;
  pipeline: FrameSink;
  analyzeOptions?: AnalyzeOptions;
  /** Time between folder scans. Default 500 ms. */
  pollMs?: number;
  /** A file's size and mtime must stay the same this long before it is read. Default 1000 ms. */
  settleMs?: number;
  log?: IngestLogger;
  registry?: Registry;
}

interface Observed {
  size: number;
  mtimeMs: number;
}

interface Sighting extends Observed {
  /** When this size and mtime were first seen (our clock). */
  since: number;
}

export interface FolderWatcher extends EventEmitter {
  readonly dir: string;
  readonly ledger: WatchLedger;
  /** Scans the folder once now (the timer keeps scanning on its own). */
  poll(): Promise<void>;
  /** Stops scanning and waits until every file already submitted is recorded. */
  close(): Promise<void>;
}

function filesCounter(registry: Registry): Counter<'status'> {
  const name = 'ioncam_watch_files_total';
  return (
    (registry.getSingleMetric(name) as Counter<'status'> | undefined) ??
    new Counter({ name, help: 'Files of the watched folder finished, by status (done, failed)', labelNames: ['status'], registers: [registry] })
  );
}

export async function startWatch(opts: WatchOptions): Promise<FolderWatcher> {
  const dir = resolve(opts.dir);
  const pollMs = opts.pollMs ?? 500;
  const settleMs = opts.settleMs ?? 1000;
  const log = opts.log ?? silentLogger;
  const registry = opts.registry ?? globalRegistry;
  const rejected = rejectedCounter(registry);
  const finished = filesCounter(registry);
  const { pipeline } = opts;
  const analyzeOptions = opts.analyzeOptions ?? {};
  const ledger = await WatchLedger.open(join(resolve(opts.dataDir), LEDGER_FILE));

  const observed = new Map<string, Sighting>();
  const inFlight = new Map<string, Promise<void>>();
  let current: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closing = false;
  let missingDirLogged = false;

  const watcher = new EventEmitter() as FolderWatcher;

  async function record(entry: LedgerEntry): Promise<void> {
    finished.inc({ status: entry.status });
    try {
      await ledger.record(entry);
    } catch (e) {
      log.error({ file: entry.file, err: (e as Error).message }, 'watch: could not write the ledger');
    }
    watcher.emit('file', entry);
  }

  async function fail(file: string, seen: Observed, err: unknown): Promise<void> {
    const reason = rejectReason(err);
    rejected.inc({ source: 'watch', reason });
    log.warn({ file, reason, err: (err as Error).message }, 'watch: file failed');
    await record({ file, ...seen, status: 'failed', reason: `${reason}: ${(err as Error).message}`, at: new Date().toISOString() });
  }

  /** Submits one complete file; resolves when the pipeline accepted it (its result comes later). */
  async function submitFile(file: string, seen: Observed): Promise<void> {
    let input;
    try {
      input = await fileInput(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // removed meanwhile
      await fail(file, seen, e);
      return;
    }
    // No await between this check and the submit, so the frame is accepted.
    while (!pipeline.hasCapacity() && pipeline.accepting) await pipeline.waitForCapacity();
    const done = pipeline.submit({ ...input, options: analyzeOptions, source: 'watch', meta: { file } }).then(
      (result) =>
        record({ file, ...seen, status: 'done', id: result.id, ionCount: result.ionCount, at: new Date().toISOString() }),
      (err: unknown) => {
        // Refused for room or because the server is stopping, not for its content: not recorded,
        // so a later poll (or the next start) tries it again.
        if (isQueueFull(err) || (err as Error)?.name === 'ShuttingDownError') observed.delete(file);
        else return fail(file, seen, err);
      },
    );
    const tracked = done.finally(() => inFlight.delete(file));
    inFlight.set(file, tracked);
  }

  async function scan(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name);
      missingDirLogged = false;
    } catch (e) {
      if (!missingDirLogged) log.warn({ dir, err: (e as Error).message }, 'watch: cannot read the folder');
      missingDirLogged = true;
      return;
    }
    const ready: [string, Observed][] = [];
    for (const name of names.sort()) {
      if (name.startsWith('.') || !isFrameFile(name)) continue;
      const file = join(dir, name);
      if (inFlight.has(file)) continue;
      let st;
      try {
        st = await stat(file);
      } catch {
        continue;
      }
      const now: Observed = { size: st.size, mtimeMs: st.mtimeMs };
      if (ledger.isSettled(file, now.size, now.mtimeMs)) {
        observed.delete(file);
        continue;
      }
      // Stability is timed by our own clock from when we first saw this size and mtime, so a
      // file server whose clock differs from ours cannot make a growing file look finished.
      const before = observed.get(file);
      const unchanged = before !== undefined && before.size === now.size && before.mtimeMs === now.mtimeMs;
      if (!unchanged) observed.set(file, { ...now, since: Date.now() });
      else if (now.size > 0 && Date.now() - before.since >= settleMs) ready.push([file, now]);
    }
    for (const [file, seen] of ready) {
      // Read no further ahead than the queue takes.
      while (!pipeline.hasCapacity() && pipeline.accepting && !closing) await pipeline.waitForCapacity();
      if (closing) break;
      await submitFile(file, seen);
    }
  }

  function schedule(): void {
    if (closing) return;
    timer = setTimeout(() => void watcher.poll().finally(schedule), pollMs);
    timer.unref();
  }

  Object.assign(watcher, {
    dir,
    ledger,
    poll(): Promise<void> {
      current ??= scan()
        .catch((e: unknown) => log.error({ dir, err: (e as Error).message }, 'watch: scan failed'))
        .finally(() => (current = null));
      return current;
    },
    async close(): Promise<void> {
      closing = true;
      if (timer) clearTimeout(timer);
      if (current) await current;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight.values()]);
      await ledger.flush();
    },
  });

  log.info({ dir, ledger: ledger.path }, 'watching folder');
  void watcher.poll().finally(schedule);
  return watcher;
}
