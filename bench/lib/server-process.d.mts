import type { ChildProcess } from 'node:child_process';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  pid: number;
  log(): string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export function startServer(
  flags: string[],
  options?: { ready?: (log: string) => boolean; timeoutMs?: number },
): Promise<ServerProcess>;
