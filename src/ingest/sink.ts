// What the ingest paths (TCP, watched folder) take from the pipeline, and how they count and
// log the frames they refuse.
import { Counter, type Registry } from 'prom-client';

import type { Pipeline } from '../pipeline/pipeline.js';

export type { FrameSubmission } from '../pipeline/types.js';

/** The part of the pipeline an ingest path uses (CONTRACTS.md). */
export type FrameSink = Pick<Pipeline, 'submit' | 'hasCapacity' | 'waitForCapacity' | 'accepting'>;

/** The subset of a pino/Fastify logger ingest uses. */
export interface IngestLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: IngestLogger = { debug() {}, info() {}, warn() {}, error() {} };

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
    case 'ShuttingDownError':
      return 'shutting_down';
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
