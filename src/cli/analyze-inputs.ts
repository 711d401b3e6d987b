// Turns the paths given to `ioncam analyze` into the list of frame files to read.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

import { isFrameFile } from '../ingest/files.js';
import type { RawSize } from './analyze-args.js';

export interface InputFile {
  path: string;
  /** Set for .raw files: bare pixels of this size. */
  raw?: RawSize;
}

export interface InputProblem {
  path: string;
  message: string;
}

const isRaw = (path: string) => extname(path).toLowerCase() === '.raw';

/** The size of a .raw file from its NAME.raw.json sidecar (the fixture format), if there is one. */
async function sidecarSize(path: string): Promise<RawSize | undefined> {
  let text: string;
  try {
    text = await readFile(`${path}.json`, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const { width, height, dtype } = JSON.parse(text) as Partial<RawSize>;
    if (Number.isInteger(width) && Number.isInteger(height) && (dtype === 'uint8' || dtype === 'uint16')) {
      return { width: width!, height: height!, dtype };
    }
  } catch {
    // not a sidecar we understand
  }
  return undefined;
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) await walk(path, out);
    else if (e.isFile() && (isFrameFile(e.name) || isRaw(e.name))) out.push(path);
  }
}

/**
 * Files named on the command line are always attempted (an unreadable one is a failure);
 * files found in folders are the frame types, plus .raw files whose size is known.
 */
export async function collectInputs(
  paths: string[],
  rawSize: RawSize | undefined,
): Promise<{ files: InputFile[]; problems: InputProblem[]; skipped: string[] }> {
  const files: InputFile[] = [];
  const problems: InputProblem[] = [];
  const skipped: string[] = [];
  for (const path of paths) {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      problems.push({ path, message: code === 'ENOENT' ? 'no such file or directory' : (e as Error).message });
      continue;
    }
    const found: string[] = [];
    const explicit = !st.isDirectory();
    if (explicit) found.push(path);
    else await walk(path, found);
    for (const file of found) {
      if (!isRaw(file)) {
        files.push({ path: file });
        continue;
      }
      const raw = rawSize ?? (await sidecarSize(file));
      if (raw) files.push({ path: file, raw });
      else if (explicit) problems.push({ path: file, message: '.raw needs --raw-size WxH[:dtype] or a NAME.raw.json sidecar' });
      else skipped.push(file);
    }
  }
  return { files, problems, skipped };
}
