// Append-only NDJSON files, one per day. Lines are batched and written by one write per file at
// a time, so lines never interleave. A line cut short by a crash is trimmed when the file is
// next opened, so readers only ever see whole lines.
import { open, type FileHandle } from 'node:fs/promises';

interface LogFile {
  handle: Promise<FileHandle>;
  pending: Buffer[];
  writing: Promise<void> | null;
}

const NEWLINE = Buffer.from('\n');

async function openRepaired(path: string): Promise<FileHandle> {
  const handle = await open(path, 'a+');
  const { size } = await handle.stat();
  if (size === 0) return handle;
  const tail = Buffer.alloc(Math.min(size, 1 << 20));
  await handle.read(tail, 0, tail.length, size - tail.length);
  if (tail[tail.length - 1] === 0x0a) return handle;
  const lastNewline = tail.lastIndexOf(0x0a);
  const keep = lastNewline < 0 ? (size > tail.length ? size - tail.length : 0) : size - tail.length + lastNewline + 1;
  await handle.truncate(keep);
  return handle;
}

export class DailyLog {
  private readonly files = new Map<string, LogFile>();

  constructor(private readonly onError: (e: Error) => void) {}

  append(path: string, line: Buffer): void {
    let file = this.files.get(path);
    if (!file) {
      // Yesterday's file is finished once a new day starts: close the others.
      for (const [other, f] of this.files) {
        if (other !== path && !f.writing && f.pending.length === 0) {
          this.files.delete(other);
          void f.handle.then((h) => h.close()).catch(() => undefined);
        }
      }
      file = { handle: openRepaired(path), pending: [], writing: null };
      file.handle.catch((e: Error) => this.onError(e));
      this.files.set(path, file);
    }
    file.pending.push(line, NEWLINE);
    if (!file.writing) file.writing = this.writeLoop(file);
  }

  private async writeLoop(file: LogFile): Promise<void> {
    try {
      const handle = await file.handle;
      while (file.pending.length > 0) {
        const batch = Buffer.concat(file.pending);
        file.pending = [];
        await handle.appendFile(batch);
      }
    } catch (e) {
      file.pending = [];
      this.onError(e as Error);
    } finally {
      file.writing = null;
    }
  }

  async flush(): Promise<void> {
    for (const file of this.files.values()) {
      while (file.writing) await file.writing;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    for (const file of this.files.values()) await (await file.handle.catch(() => null))?.close();
    this.files.clear();
  }
}
