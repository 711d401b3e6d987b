// Where `ioncam analyze` writes its results as text: one NDJSON line per frame (the server's
// FrameResult with the file name in front), or one CSV row per ion.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

import type { IonResult } from '../analysis/types.js';
import type { FrameResult } from '../pipeline/types.js';

export interface FrameOutcome {
  file: string;
  /** Set when the frame was analysed. */
  result?: FrameResult;
  /** Set when it failed. */
  error?: string;
}

export interface OutputWriter {
  write(outcome: FrameOutcome): Promise<void>;
  close(): Promise<void>;
}

/** A text sink that respects the stream's back-pressure; stdout is flushed but never closed. */
class TextSink {
  private readonly stream: Writable;
  private readonly owned: boolean;

  constructor(path: string | undefined) {
    this.owned = path !== undefined && path !== '-';
    this.stream = this.owned ? createWriteStream(path!) : process.stdout;
  }

  async opened(): Promise<void> {
    if (this.owned) await once(this.stream, 'open');
  }

  async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

function ndjsonLine(o: FrameOutcome): string {
  return JSON.stringify(o.result ? { file: o.file, ...o.result } : { file: o.file, error: o.error }) + '\n';
}

const ION_COLUMNS: [string, (ion: IonResult) => unknown][] = [
  ['x0', (i) => i.x0],
  ['y0', (i) => i.y0],
  ['sigma_x', (i) => i.sigmaX],
  ['r_y', (i) => i.rY],
  ['sigma_y', (i) => i.sigmaY],
  ['amp_x', (i) => i.ampX],
  ['amp_y', (i) => i.ampY],
  ['offset_x', (i) => i.offsetX],
  ['offset_y', (i) => i.offsetY],
  ['err_x0', (i) => i.errors.x0],
  ['err_y0', (i) => i.errors.y0],
  ['err_sigma_x', (i) => i.errors.sigmaX],
  ['err_r_y', (i) => i.errors.rY],
  ['err_sigma_y', (i) => i.errors.sigmaY],
  ['err_amp_x', (i) => i.errors.ampX],
  ['err_amp_y', (i) => i.errors.ampY],
  ['err_offset_x', (i) => i.errors.offsetX],
  ['err_offset_y', (i) => i.errors.offsetY],
  ['converged', (i) => i.converged],
  ['iterations', (i) => i.iterations],
];

export const CSV_HEADER = ['file', 'width', 'height', 'ion_count', 'ion', ...ION_COLUMNS.map(([name]) => name)];

function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per ion; a frame without ions still gets one row (empty ion columns). Failures are not rows. */
function csvRows(o: FrameOutcome): string {
  const r = o.result;
  if (!r) return '';
  const frame = [o.file, r.width, r.height, r.ionCount];
  const rows = r.ions.length === 0 ? [[...frame, '']] : r.ions.map((ion, k) => [...frame, k, ...ION_COLUMNS.map(([, get]) => get(ion))]);
  return rows.map((row) => row.map(csvField).join(',') + '\n').join('');
}

export async function textWriter(format: 'ndjson' | 'csv', out: string | undefined): Promise<OutputWriter> {
  const sink = new TextSink(out);
  await sink.opened();
  if (format === 'csv') await sink.write(CSV_HEADER.join(',') + '\n');
  const render = format === 'csv' ? csvRows : ndjsonLine;
  return {
    write: (o) => sink.write(render(o)),
    close: () => sink.close(),
  };
}
