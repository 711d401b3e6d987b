// The watched folder's record of what it already did, as NDJSON in the data folder, so that
// a restart never analyses a file twice. One line per finished file, appended (a crash can
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
   * A file is settled when it was analysed, or when it failed in exactly its current state
   * (a failed file that changes afterwards, e.g. was still being copied, gets one more try).
   */
  isSettled(file: string, size: number, mtimeMs: number): boolean {
    const e = this.entries.get(file);
    if (!e) return false;
    return e.status === 'done' || (e.size === size && e.mtimeMs === mtimeMs);
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
