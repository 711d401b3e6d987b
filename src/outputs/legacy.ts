// The legacy on-disk layout and per-frame JSON schema, so existing lab tools keep reading them:
//   <data>/jpg_frames_labelled/YYMMDD/<time>_<seq>_labelled.jpg
//   <data>/YYMMDD/cam_json/<time>_<seq>_data.json
//   <data>/YYMMDD/results.ndjson            (every saved FrameResult, one per line)
// <time> is HHMMSS-mmm (local time), <seq> the frame's 6-digit sequence number.
import { join } from 'node:path';

import { dayFolder, fileTime, isoDay, seqStamp } from '../pipeline/ids.js';
import type { ProcessedFrame } from '../pipeline/types.js';

export interface LegacyPaths {
  day: string;
  jpgDir: string;
  jsonDir: string;
  jpg: string;
  json: string;
  ndjson: string;
}

export function legacyPaths(dataDir: string, receivedAt: Date, seq: number): LegacyPaths {
  const day = dayFolder(receivedAt);
  const base = `${fileTime(receivedAt)}_${seqStamp(seq)}`;
  const jpgDir = join(dataDir, 'jpg_frames_labelled', day);
  const jsonDir = join(dataDir, day, 'cam_json');
  return {
    day,
    jpgDir,
    jsonDir,
    jpg: join(jpgDir, `${base}_labelled.jpg`),
    json: join(jsonDir, `${base}_data.json`),
    ndjson: join(dataDir, day, 'results.ndjson'),
  };
}

/** The legacy per-frame record; fit_error holds the 1-sigma uncertainty of each fitted value. */
export function legacyRecord(done: ProcessedFrame): object {
  const { result } = done;
  return {
    timestamp: result.receivedAt,
    date: isoDay(done.receivedAt),
    atom_count: result.ionCount,
    atoms: result.ions.map((ion, id) => ({
      id,
      x0: ion.x0,
      y0: ion.y0,
      sigma_x: ion.sigmaX,
      R_y: ion.rY,
      A_x: ion.ampX,
      A_y: ion.ampY,
      offset_x: ion.offsetX,
      offset_y: ion.offsetY,
      fit_error: {
        x0: ion.errors.x0,
        y0: ion.errors.y0,
        sigma_x: ion.errors.sigmaX,
        R_y: ion.errors.rY,
        A_x: ion.errors.ampX,
        A_y: ion.errors.ampY,
        offset_x: ion.errors.offsetX,
        offset_y: ion.errors.offsetY,
      },
    })),
    frame_id: result.id,
    seq: result.seq,
    source: result.source,
    experiment_id: result.experimentId,
    width: result.width,
    height: result.height,
  };
}
