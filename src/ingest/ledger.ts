// The watched folder's record of what it already did, as NDJSON in the data folder, so that
// a restart never analyses the same file twice. One line per finished file, appended (a crash can
// at worst tear the last line, which is then ignored).
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface LedgerEntry {
  file: string;
  size: number;
  mtimeMs: number;
  status: 'done' | 'failed';
  at: string;
  id?: string;
  ionCount?: number;
  reason?: string;
}

export class WatchLedger {
  private entries = new Map<string, LedgerEntry>();
  private writes: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<WatchLedger> {
    const ledger = new WatchLedger(path);
    await mkdir(dirname(path), { recursive: true });
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as LedgerEntry;
        if (typeof entry.file === 'string') ledger.entries.set(entry.file, entry);
      } catch {
        // A line torn by a crash: that file was not recorded and will be looked at again.
      }
    }
    return ledger;
  }

  /**
   * A file is settled when this version of it (same size and mtime) was analysed or failed.
   * A file that changes afterwards is a new frame under an old name (or a copy that was cut
   * short and redone) and is looked at once more.
   */
  isSettled(file: string, size: number, mtimeMs: number): boolean {
    const e = this.entries.get(file);
    return e !== undefined && e.size === size && e.mtimeMs === mtimeMs;
  }

  get(file: string): LedgerEntry | undefined {
    return this.entries.get(file);
  }

  record(entry: LedgerEntry): Promise<void> {
    this.entries.set(entry.file, entry);
    const write = this.writes.then(() => appendFile(this.path, JSON.stringify(entry) + '\n'));
    this.writes = write.catch(() => undefined); // one failed append must not block later ones
    return write;
  }

  flush(): Promise<void> {
    return this.writes;
  }
}
