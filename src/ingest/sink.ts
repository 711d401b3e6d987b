// What the ingest paths need from the pipeline (see CONTRACTS.md), and how they count and
// log what they refuse. Kept structural so ingest code depends on the contract, not on the
// pipeline's implementation.
import { Counter, type Registry } from 'prom-client';

import type { AnalyzeOptions } from '../analysis/types.js';

export interface FrameSubmission {
  input: Buffer;
  raw?: { width: number; height: number; dtype: 'uint8' | 'uint16' };
  options: AnalyzeOptions;
  save?: boolean;
  source: string;
  meta?: Record<string, unknown>;
}

export interface SubmittedResult {
  id: string;
  seq: number;
  ionCount: number;
  [key: string]: unknown;
}

export interface FrameSink {
  submit(sub: FrameSubmission): Promise<SubmittedResult>;
  hasCapacity(): boolean;
  waitForCapacity(): Promise<void>;
}

/** The subset of a pino/Fastify logger ingest uses. */
export interface IngestLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: IngestLogger = { info() {}, warn() {}, error() {} };

export function isQueueFull(err: unknown): boolean {
  return err instanceof Error && err.name === 'QueueFullError';
}

/** Why a frame was refused, as a metrics label: decode failures, size limits, bad framing. */
export function rejectReason(err: unknown): string {
  if (!(err instanceof Error)) return 'error';
  switch (err.name) {
    case 'DecodeError':
      return 'undecodable';
    case 'PixelLimitError':
      return 'pixel_limit';
    case 'TypeError':
    case 'RangeError':
      return 'invalid';
    default:
      return 'error';
  }
}

const REJECTED = 'ioncam_ingest_rejected_total';

/** Frames refused by an ingest path, by source (tcp, watch) and reason. */
export function rejectedCounter(registry: Registry): Counter<'source' | 'reason'> {
  const existing = registry.getSingleMetric(REJECTED);
  if (existing) return existing as Counter<'source' | 'reason'>;
  return new Counter({
    name: REJECTED,
    help: 'Frames refused by an ingest path (tcp, watch) by reason',
    labelNames: ['source', 'reason'],
    registers: [registry],
  });
}
