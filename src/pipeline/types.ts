// The pipeline's contract with every ingest path (REST, camera, TCP, watched folder).
import type { AnalyzeOptions, Dtype, Frame, IonResult, RoiRect } from '../analysis/types.js';

export interface FrameSubmission {
  /** Encoded image, or raw pixels when `raw` is set. */
  input: Buffer;
  raw?: { width: number; height: number; dtype: Dtype };
  options: AnalyzeOptions;
  /** Persist this result (default: the server's `save` setting). */
  save?: boolean;
  /** 'rest' | 'camera' | 'tcp' | 'watch' | user-given. */
  source: string;
  meta?: Record<string, unknown>;
}

export interface FrameTimings {
  queueMs: number;
  decodeMs: number;
  detectMs: number;
  fitMs: number;
  totalMs: number;
}

/** The body of POST /api/frames and of each WebSocket result message. */
export interface FrameResult {
  type: 'result';
  id: string;
  seq: number;
  receivedAt: string;
  source: string;
  experimentId: string | null;
  meta: Record<string, unknown>;
  width: number;
  height: number;
  roi: RoiRect;
  ionCount: number;
  ions: IonResult[];
  timings: FrameTimings;
}

/** A finished frame as the output sinks see it: the result, its JSON once, and its pixels. */
export interface ProcessedFrame {
  result: FrameResult;
  /** UTF-8 JSON of `result`, serialised once and shared by the HTTP reply and every subscriber. */
  json: Buffer;
  frame: Frame;
  receivedAt: Date;
  save: boolean;
}

/** Something that receives every finished frame (WebSocket hub, disk writer, recent-frames cache). */
export interface ResultSink {
  accept(done: ProcessedFrame): void;
  /** Resolves once everything accepted so far is fully handled (e.g. on disk). */
  flush?(): Promise<void>;
}
