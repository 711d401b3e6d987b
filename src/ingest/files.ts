// Which files are frames, and how a frame file becomes pipeline input. Shared by the watched
// folder and the offline CLI so both accept exactly the same files.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { decode } from '../analysis/decode.js';
import type { FrameSubmission } from './sink.js';

/** Encoded images the pipeline decodes itself, and the legacy .hex/.dat formats. */
export const FRAME_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.bmp', '.hex', '.dat'] as const;

export function isFrameFile(name: string): boolean {
  return (FRAME_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}

/**
 * The bytes to submit for a frame file. Encoded images go as they are; the legacy formats,
 * which are not self-describing, are read here and submitted as raw pixels.
 */
export async function fileInput(path: string): Promise<Pick<FrameSubmission, 'input' | 'raw'>> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.hex' && ext !== '.dat') return { input: await readFile(path) };
  const frame = await decode(path);
  const dtype = frame.data instanceof Uint16Array ? 'uint16' : 'uint8';
  const { buffer, byteOffset, byteLength } = frame.data;
  return { input: Buffer.from(buffer, byteOffset, byteLength), raw: { width: frame.width, height: frame.height, dtype } };
}
