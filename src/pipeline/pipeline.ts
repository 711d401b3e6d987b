// One bounded queue in front of the native analysis. At most `workers` frames are decoded and
// analysed at once; at most `queueSize` frames (and `queueBytes` of bodies) are accepted and
// unfinished. A full queue refuses at once (QueueFullError -> 503) instead of dropping later,
// so every accepted frame gets exactly one outcome: a result handed to every sink, or an error.
import { performance } from 'node:perf_hooks';

import { analyze } from '../analysis/analyze.js';
import { decode } from '../analysis/decode.js';
import type { Frame, GpuMode } from '../analysis/types.js';
import { QueueFullError, ShuttingDownError } from './errors.js';
import { frameId } from './ids.js';
import type { FrameResult, FrameSubmission, ProcessedFrame, ResultSink } from './types.js';

export interface PipelineObserver {
  received(source: string): void;
  rejected(source: string, reason: string): void;
  failed(source: string, reason: string): void;
  processed(result: FrameResult): void;
}

export interface PipelineOptions {
  workers: number;
  queueSize: number;
  queueBytes: number;
  maxPixels: number;
  retryAfter: number;
  /** `save` for submissions that do not say. */
  defaultSave: boolean;
  sinks: ResultSink[];
  observer?: PipelineObserver;
  /** Extra admission check, e.g. the disk writer's backlog; returns a reason to refuse, or null. */
  backPressure?: () => string | null;
  /** `gpu` option for submissions whose options do not say (server config). */
  defaultGpu?: GpuMode;
}

interface Job {
  sub: FrameSubmission;
  seq: number;
  receivedAt: Date;
  /** The experiment id when the frame was accepted, not when it is analysed. */
  experimentId: string | null;
  t0: number;
  bytes: number;
  resolve(p: ProcessedFrame): void;
  reject(e: unknown): void;
}

const round3 = (ms: number) => Math.round(ms * 1000) / 1000;

function checkSubmission(sub: FrameSubmission): void {
  if (sub === null || typeof sub !== 'object') throw new TypeError('submission must be an object');
  if (!(sub.input instanceof Uint8Array)) throw new TypeError('submission.input must be a Buffer');
  if (typeof sub.source !== 'string' || sub.source.length === 0) throw new TypeError('submission.source must be a non-empty string');
  if (sub.options === null || typeof sub.options !== 'object') throw new TypeError('submission.options must be an object');
}

export class Pipeline {
  /** Stored in every result while set (PUT /api/camera/experiment). */
  experimentId: string | null = null;
  private readonly waiting: Job[] = [];
  private head = 0;
  private running = 0;
  private heldBytes = 0;
  private seq = 0;
  private closed = false;
  private capacityWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: PipelineOptions) {}

  get capacity(): number {
    return this.opts.queueSize;
  }

  /** Frames accepted and not finished: waiting plus being analysed. */
  get depth(): number {
    return this.waiting.length - this.head + this.running;
  }

  get accepting(): boolean {
    return !this.closed;
  }

  /** Why a new frame would be refused now, or null when it would be accepted. */
  private refusal(): string | null {
    if (this.depth >= this.opts.queueSize) return `queue full (${this.depth} of ${this.opts.queueSize} frames)`;
    if (this.heldBytes >= this.opts.queueBytes) return `queue full (${this.heldBytes} bytes held)`;
    return this.opts.backPressure?.() ?? null;
  }

  hasCapacity(): boolean {
    return !this.closed && this.refusal() === null;
  }

  /** Resolves when a frame would be accepted (TCP ingest pauses its socket until then). */
  waitForCapacity(): Promise<void> {
    if (this.hasCapacity()) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  submit(sub: FrameSubmission): Promise<FrameResult> {
    return this.submitProcessed(sub).then((p) => p.result);
  }

  /** Like submit, with the serialised JSON and pixels (for the REST reply). */
  submitProcessed(sub: FrameSubmission): Promise<ProcessedFrame> {
    try {
      checkSubmission(sub);
    } catch (e) {
      return Promise.reject(e);
    }
    this.opts.observer?.received(sub.source);
    if (this.closed) {
      this.opts.observer?.rejected(sub.source, 'shutting_down');
      return Promise.reject(new ShuttingDownError('server is shutting down'));
    }
    const reason = this.refusal();
    if (reason !== null) {
      this.opts.observer?.rejected(sub.source, 'queue_full');
      return Promise.reject(new QueueFullError(reason, this.opts.retryAfter));
    }
    return new Promise<ProcessedFrame>((resolve, reject) => {
      const job: Job = {
        sub,
        seq: ++this.seq,
        receivedAt: new Date(),
        experimentId: this.experimentId,
        t0: performance.now(),
        bytes: sub.input.byteLength,
        resolve,
        reject,
      };
      this.heldBytes += job.bytes;
      this.waiting.push(job);
      this.pump();
    });
  }

  private next(): Job | undefined {
    if (this.head >= this.waiting.length) return undefined;
    const job = this.waiting[this.head];
    (this.waiting as Array<Job | undefined>)[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    return job;
  }

  private pump(): void {
    while (this.running < this.opts.workers) {
      const job = this.next();
      if (!job) break;
      this.running++;
      void this.run(job);
    }
  }

  private async run(job: Job): Promise<void> {
    const { sub } = job;
    const tStart = performance.now();
    try {
      const frame: Frame = await decode(
        sub.input,
        sub.raw ? { ...sub.raw, maxPixels: this.opts.maxPixels } : { maxPixels: this.opts.maxPixels },
      );
      const tDecoded = performance.now();
      const analysis = await analyze(
        frame,
        this.opts.defaultGpu && sub.options.gpu === undefined ? { ...sub.options, gpu: this.opts.defaultGpu } : sub.options,
      );
      const tDone = performance.now();
      const result: FrameResult = {
        type: 'result',
        id: frameId(job.receivedAt, job.seq),
        seq: job.seq,
        receivedAt: job.receivedAt.toISOString(),
        source: sub.source,
        experimentId: job.experimentId,
        meta: sub.meta ?? {},
        width: analysis.width,
        height: analysis.height,
        roi: analysis.roi,
        ionCount: analysis.ionCount,
        ions: analysis.ions,
        timings: {
          queueMs: round3(tStart - job.t0),
          decodeMs: round3(tDecoded - tStart),
          detectMs: round3(analysis.timings.detectMs),
          fitMs: round3(analysis.timings.fitMs),
          totalMs: round3(tDone - job.t0),
        },
      };
      const done: ProcessedFrame = {
        result,
        json: Buffer.from(JSON.stringify(result)),
        frame,
        receivedAt: job.receivedAt,
        save: sub.save ?? this.opts.defaultSave,
      };
      for (const sink of this.opts.sinks) {
        try {
          sink.accept(done);
        } catch (e) {
          // A broken sink must not cost the caller its result; the sink counts its own failures.
          process.emitWarning(`ioncam: result sink failed: ${(e as Error).message}`);
        }
      }
      this.opts.observer?.processed(result);
      job.resolve(done);
    } catch (e) {
      this.opts.observer?.failed(sub.source, (e as Error)?.name ?? 'Error');
      job.reject(e);
    } finally {
      this.running--;
      this.heldBytes -= job.bytes;
      this.pump();
      this.notify();
    }
  }

  private notify(): void {
    if (this.capacityWaiters.length > 0 && this.hasCapacity()) {
      const waiters = this.capacityWaiters;
      this.capacityWaiters = [];
      for (const w of waiters) w();
    }
    if (this.depth === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Called by a sink whose back-pressure eased (the writer caught up). */
  capacityChanged(): void {
    this.notify();
  }

  /** Waits until every accepted frame is finished and every sink has flushed (files on disk). */
  async drain(): Promise<void> {
    if (this.depth > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    for (const sink of this.opts.sinks) await sink.flush?.();
  }

  /** Refuses new frames from now on, then drains. */
  async close(): Promise<void> {
    this.closed = true;
    const waiters = this.capacityWaiters;
    this.capacityWaiters = [];
    for (const w of waiters) w();
    await this.drain();
  }
}
