// Prometheus metrics. Each app owns its registry, so several apps (tests) can live in one process.
// Gauges read live values at scrape time instead of being set per frame.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { PipelineObserver } from '../pipeline/pipeline.js';
import { registerGpuMetrics } from './gpu-metrics.js';
import type { FrameResult } from '../pipeline/types.js';

const STAGE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface LiveValues {
  queueDepth(): number;
  queueCapacity(): number;
  subscribers(): number;
  writerBacklog(): number;
}

export class Metrics implements PipelineObserver {
  readonly registry = new Registry();
  private readonly framesReceived: Counter<'source'>;
  private readonly framesProcessed: Counter<'source'>;
  private readonly framesFailed: Counter<'source' | 'reason'>;
  private readonly framesRejected: Counter<'source' | 'reason'>;
  private readonly stageSeconds: Histogram<'stage'>;
  private readonly ions: Histogram;
  readonly wsMessagesSent: Counter;
  readonly wsMessagesDropped: Counter;
  readonly filesWritten: Counter<'kind'>;
  readonly writeErrors: Counter<'kind'>;
  private readonly stages: Array<[keyof FrameResult['timings'], ReturnType<Histogram<'stage'>['labels']>]>;
  /** Processed-frame timestamps in one-second buckets, for framesPerSecond. */
  private readonly perSecond = new Map<number, number>();

  constructor(live: LiveValues) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.framesReceived = new Counter({ name: 'ioncam_frames_received_total', help: 'Frames offered to the pipeline', labelNames: ['source'], registers });
    this.framesProcessed = new Counter({ name: 'ioncam_frames_processed_total', help: 'Frames analysed with a result', labelNames: ['source'], registers });
    this.framesFailed = new Counter({ name: 'ioncam_frames_failed_total', help: 'Accepted frames that failed (undecodable, bad options)', labelNames: ['source', 'reason'], registers });
    this.framesRejected = new Counter({ name: 'ioncam_frames_rejected_total', help: 'Frames refused at the door (queue full, shutting down)', labelNames: ['source', 'reason'], registers });
    this.stageSeconds = new Histogram({ name: 'ioncam_stage_seconds', help: 'Per-frame latency of each pipeline stage', labelNames: ['stage'], buckets: STAGE_BUCKETS, registers });
    this.ions = new Histogram({ name: 'ioncam_ions_per_frame', help: 'Ions found per frame', buckets: [0, 1, 2, 3, 5, 8, 12, 20, 50], registers });
    this.wsMessagesSent = new Counter({ name: 'ioncam_ws_messages_sent_total', help: 'WebSocket messages sent', registers });
    this.wsMessagesDropped = new Counter({ name: 'ioncam_ws_messages_dropped_total', help: 'WebSocket messages dropped for slow subscribers', registers });
    this.filesWritten = new Counter({ name: 'ioncam_files_written_total', help: 'Result files written', labelNames: ['kind'], registers });
    this.writeErrors = new Counter({ name: 'ioncam_write_errors_total', help: 'Failed result file writes', labelNames: ['kind'], registers });
    new Gauge({ name: 'ioncam_queue_depth', help: 'Frames accepted and not finished', registers, collect() { this.set(live.queueDepth()); } });
    new Gauge({ name: 'ioncam_queue_capacity', help: 'Queue size', registers, collect() { this.set(live.queueCapacity()); } });
    new Gauge({ name: 'ioncam_ws_subscribers', help: 'Connected WebSocket subscribers', registers, collect() { this.set(live.subscribers()); } });
    registerGpuMetrics(this.registry);
    new Gauge({ name: 'ioncam_writer_backlog', help: 'Results waiting to be written to disk', registers, collect() { this.set(live.writerBacklog()); } });
    this.stages = (['queueMs', 'decodeMs', 'detectMs', 'fitMs', 'totalMs'] as const).map((k) => [k, this.stageSeconds.labels(k.slice(0, -2))]);
  }

  received(source: string): void {
    this.framesReceived.inc({ source });
  }

  rejected(source: string, reason: string): void {
    this.framesRejected.inc({ source, reason });
  }

  failed(source: string, reason: string): void {
    this.framesFailed.inc({ source, reason });
  }

  processed(result: FrameResult): void {
    this.framesProcessed.inc({ source: result.source });
    for (const [key, child] of this.stages) child.observe(result.timings[key] / 1000);
    this.ions.observe(result.ionCount);
    const second = Math.floor(Date.now() / 1000);
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + 1);
    if (this.perSecond.size > 16) {
      for (const s of this.perSecond.keys()) if (s < second - 10) this.perSecond.delete(s);
    }
  }

  /** Frames processed per second over the last 5 complete seconds. */
  framesPerSecond(now = Date.now()): number {
    const current = Math.floor(now / 1000);
    let sum = 0;
    for (let s = current - 5; s < current; s++) sum += this.perSecond.get(s) ?? 0;
    return sum / 5;
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
