// Messages between the result writer (main thread) and its threads.
import type { IonResult } from '../analysis/types.js';

export interface WriteJob {
  type: 'write';
  id: number;
  jpgPath: string;
  jsonPath: string;
  width: number;
  height: number;
  /** 8-bit grey pixels, transferred. */
  pixels: Uint8Array;
  ions: Array<Pick<IonResult, 'x0' | 'y0' | 'sigmaX' | 'rY'>>;
  /** The legacy per-frame JSON, serialised. */
  legacy: string;
}

export type ThreadRequest = WriteJob | { type: 'flush'; id: number };

export type WriterMessage =
  | { type: 'done'; id: number; written: string[]; errors: Array<{ kind: string; message: string }> }
  | { type: 'flushed'; id: number };
