// Persists saved results off the request path. The main thread packs each result (its grey
// pixels and legacy JSON) and posts it to one of a few writer threads, which draw the annotated
// JPEG and write both files as temp file + rename (a crash leaves no half file under a final
// name). Once a frame's files are written, its FrameResult line goes to the day's NDJSON log.
// The backlog (accepted, not yet written) is reported so the pipeline can refuse new frames
// (503) rather than let unwritten results pile up in memory.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { packageRoot } from '../analysis/native.js';
import type { ProcessedFrame, ResultSink } from '../pipeline/types.js';
import { toGrey8 } from './markers.js';
import { DailyLog } from './daily-log.js';
import { legacyPaths, legacyRecord } from './legacy.js';
import type { ThreadRequest, WriteJob, WriterMessage } from './writer-protocol.js';

export interface WriterEvents {
  written(kind: 'jpg' | 'json' | 'ndjson'): void;
  error(kind: string, e: Error): void;
  /** The backlog shrank (the pipeline may accept again). */
  progress(): void;
}

/** The compiled thread script (tests run this module from src/, the thread always from dist/). */
function threadScript(): string {
  const sibling = fileURLToPath(new URL('./writer-thread.js', import.meta.url));
  return existsSync(sibling) ? sibling : join(packageRoot, 'dist', 'outputs', 'writer-thread.js');
}

interface Pending {
  ndjsonPath: string;
  line: Buffer;
}

export class ResultWriter implements ResultSink {
  private readonly threads: Worker[];
  private nextJob = 0;
  private readonly pending = new Map<number, Pending>();
  private flushId = 0;
  private readonly flushWaiters = new Map<number, () => void>();
  private readonly flushTargets = new Map<number, number>();
  private readonly dead = new Set<number>();
  private readonly log: DailyLog;
  private flushing = 0;
  private closed = false;

  constructor(
    private readonly dataDir: string,
    private readonly events: WriterEvents,
    threads = 2,
  ) {
    this.log = new DailyLog((e) => events.error('ndjson', e));
    this.threads = Array.from({ length: Math.max(1, threads) }, (_, index) => {
      const worker = new Worker(threadScript());
      worker.on('message', (m: WriterMessage) => this.onMessage(m));
      worker.on('error', (e) => events.error('writer', e));
      worker.on('exit', () => this.onThreadExit(index));
      // An idle writer must not keep the process alive; flush() holds it while work is pending.
      worker.unref();
      return worker;
    });
  }

  /** Saved results accepted and not yet on disk. */
  get backlog(): number {
    return this.pending.size;
  }

  private onMessage(m: WriterMessage): void {
    if (m.type === 'done') {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      for (const kind of m.written) this.events.written(kind as 'jpg' | 'json');
      for (const err of m.errors) this.events.error(err.kind, new Error(err.message));
      if (p) {
        this.log.append(p.ndjsonPath, p.line);
        this.events.written('ndjson');
      }
      this.events.progress();
    } else {
      this.flushWaiters.get(m.id)?.();
      this.flushWaiters.delete(m.id);
    }
  }

  /** A thread that died takes its unwritten jobs with it: count them as failed, never hang a flush. */
  private onThreadExit(index: number): void {
    if (this.closed) return;
    const n = this.threads.length;
    for (const id of [...this.pending.keys()]) {
      if (id % n !== index) continue;
      this.pending.delete(id);
      this.events.error('writer', new Error(`writer thread ${index} stopped before result ${id} was written`));
    }
    for (const [id, resolve] of [...this.flushWaiters]) {
      if (this.flushTargets.get(id) !== index) continue;
      this.flushWaiters.delete(id);
      resolve();
    }
    this.dead.add(index);
    this.events.progress();
  }

  accept(done: ProcessedFrame): void {
    if (!done.save || this.closed) return;
    const { result, frame } = done;
    const paths = legacyPaths(this.dataDir, done.receivedAt, result.seq);
    const grey = toGrey8(frame);
    // The 8-bit frame is still served from memory (GET /api/frames/:id), so it is copied, not moved.
    const pixels = grey === frame.data ? grey.slice() : grey;
    const id = this.nextJob++;
    const job: WriteJob = {
      type: 'write',
      id,
      jpgPath: paths.jpg,
      jsonPath: paths.json,
      width: frame.width,
      height: frame.height,
      pixels,
      ions: result.ions.map(({ x0, y0, sigmaX, rY }) => ({ x0, y0, sigmaX, rY })),
      legacy: JSON.stringify(legacyRecord(done)),
    };
    if (this.dead.has(id % this.threads.length)) {
      this.events.error('writer', new Error(`writer thread ${id % this.threads.length} is gone; result ${result.id} not saved`));
      return;
    }
    this.pending.set(id, { ndjsonPath: paths.ndjson, line: done.json });
    this.threads[id % this.threads.length].postMessage(job satisfies ThreadRequest, [pixels.buffer as ArrayBuffer]);
  }

  /** Resolves when everything accepted so far is on disk. */
  async flush(): Promise<void> {
    if (this.flushing++ === 0) for (const t of this.threads) t.ref();
    try {
      await Promise.all(
        this.threads.map((t, index) =>
          this.dead.has(index)
            ? Promise.resolve()
            : new Promise<void>((resolve) => {
                const id = ++this.flushId;
                this.flushWaiters.set(id, () => {
                  this.flushTargets.delete(id);
                  resolve();
                });
                this.flushTargets.set(id, index);
                t.postMessage({ type: 'flush', id } satisfies ThreadRequest);
              }),
        ),
      );
    } finally {
      if (--this.flushing === 0) for (const t of this.threads) t.unref();
    }
    await this.log.flush();
  }

  /** Writes everything accepted, closes the day's log and stops the threads. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    await this.log.close();
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
