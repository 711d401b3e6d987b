// A result-writer thread: draws and encodes the annotated JPEG and writes it and the legacy JSON,
// each as temp file + rename, with plain synchronous calls. Off the event loop and off libuv's
// pool, so saving never delays a request or an analysis. (File creation dominates the cost on
// most disks, so the writer runs several of these threads side by side.)
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parentPort, threadId } from 'node:worker_threads';

import { encodeJpegNativeSync } from '../analysis/jpeg.js';
import type { Frame } from '../analysis/types.js';
import { annotatedRgb, type Marker } from './markers.js';
import type { ThreadRequest, WriteJob, WriterMessage } from './writer-protocol.js';

const port = parentPort!;
const dirs = new Set<string>();
let tempCounter = 0;

function atomicWriteSync(path: string, data: Buffer | string): void {
  const dir = dirname(path);
  if (!dirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    dirs.add(dir);
  }
  const temp = join(dir, `.${basename(path)}.${process.pid}-${threadId}-${++tempCounter}.tmp`);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // nothing was created
    }
    throw e;
  }
}

/** libjpeg-turbo in the addon when it was built with it; sharp (loaded only then) otherwise. */
async function annotatedJpeg(frame: Frame, ions: readonly Marker[], quality = 85): Promise<Buffer> {
  const rgb = annotatedRgb(frame, ions);
  const fast = encodeJpegNativeSync(rgb, frame.width, frame.height, 3, quality);
  if (fast) return fast;
  const { default: sharp } = await import('sharp');
  return sharp(rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

async function write(job: WriteJob): Promise<WriterMessage> {
  const errors: Array<{ kind: string; message: string }> = [];
  const written: string[] = [];
  try {
    const frame = { width: job.width, height: job.height, data: job.pixels };
    atomicWriteSync(job.jpgPath, await annotatedJpeg(frame, job.ions));
    written.push('jpg');
  } catch (e) {
    errors.push({ kind: 'jpg', message: (e as Error).message });
  }
  try {
    atomicWriteSync(job.jsonPath, job.legacy);
    written.push('json');
  } catch (e) {
    errors.push({ kind: 'json', message: (e as Error).message });
  }
  return { type: 'done', id: job.id, written, errors };
}

// One job at a time, in arrival order; a flush is answered once everything before it is written.
let chain = Promise.resolve();
port.on('message', (msg: ThreadRequest) => {
  chain = chain.then(async () => {
    port.postMessage(msg.type === 'flush' ? ({ type: 'flushed', id: msg.id } satisfies WriterMessage) : await write(msg));
  });
});
