// Persists saved results off the request path: annotated JPEG + legacy JSON per frame, each
// written to a temp file in the target folder and renamed into place (a crash leaves no half
// file under a final name), plus one NDJSON line per frame in the day's log. A bounded number of
// frames is written at once; the backlog is reported so the pipeline can refuse new frames
// (503) rather than let unwritten results pile up in memory.
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import type { ProcessedFrame, ResultSink } from '../pipeline/types.js';
import { renderAnnotatedJpeg } from './annotate.js';
import { DailyLog } from './daily-log.js';
import { legacyPaths, legacyRecord } from './legacy.js';

export interface WriterEvents {
  written(kind: 'jpg' | 'json' | 'ndjson'): void;
  error(kind: string, e: Error): void;
  /** The backlog shrank (the pipeline may accept again). */
  progress(): void;
}

let tempCounter = 0;

export async function atomicWrite(path: string, data: Buffer | string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}

export class ResultWriter implements ResultSink {
  private readonly queue: ProcessedFrame[] = [];
  private active = 0;
  private readonly dirs = new Map<string, Promise<unknown>>();
  private readonly log: DailyLog;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly dataDir: string,
    private readonly events: WriterEvents,
    private readonly concurrency = 8,
  ) {
    this.log = new DailyLog((e) => events.error('ndjson', e));
  }

  /** Saved results accepted and not yet on disk. */
  get backlog(): number {
    return this.queue.length + this.active;
  }

  accept(done: ProcessedFrame): void {
    if (!done.save) return;
    this.queue.push(done);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const done = this.queue.shift()!;
      this.active++;
      void this.write(done).finally(() => {
        this.active--;
        this.events.progress();
        this.pump();
        if (this.backlog === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  private ensureDir(dir: string): Promise<unknown> {
    let made = this.dirs.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true });
      made.catch(() => this.dirs.delete(dir));
      this.dirs.set(dir, made);
    }
    return made;
  }

  private async write(done: ProcessedFrame): Promise<void> {
    const paths = legacyPaths(this.dataDir, done.receivedAt, done.result.seq);
    const jpg = (async () => {
      await this.ensureDir(paths.jpgDir);
      await atomicWrite(paths.jpg, await renderAnnotatedJpeg(done.frame, done.result.ions));
      this.events.written('jpg');
    })().catch((e: Error) => this.events.error('jpg', e));
    const json = (async () => {
      await this.ensureDir(paths.jsonDir);
      await atomicWrite(paths.json, JSON.stringify(legacyRecord(done)));
      this.events.written('json');
    })().catch((e: Error) => this.events.error('json', e));
    await Promise.all([jpg, json]);
    this.log.append(paths.ndjson, done.json);
    this.events.written('ndjson');
  }

  /** Resolves when everything accepted so far is on disk. */
  async flush(): Promise<void> {
    if (this.backlog > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.log.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.log.close();
  }
}
