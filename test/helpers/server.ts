// Starts the real server on 127.0.0.1 (ephemeral port) with a temporary data folder, and the
// small clients the server tests share: fetch wrappers, a WebSocket subscriber, disk counters.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';

import { buildApp, type AppOptions } from '../../src/app.js';
import { fixturePath } from './fixtures.js';

export interface TestServer {
  app: FastifyInstance;
  url: string;
  wsUrl: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startServer(options: AppOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ioncam-server-'));
  // No TCP listener unless a test asks: the default port 5558 would collide between test files.
  const app = await buildApp({ tcpPort: 0, ...options, dataDir });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    dataDir,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const fixture = (file: string): Buffer => readFileSync(fixturePath(file));

export function postFrame(url: string, body: Buffer | Uint8Array, contentType: string, query = ''): Promise<Response> {
  return fetch(`${url}/api/frames${query ? `?${query}` : ''}`, {
    method: 'POST',
    body,
    headers: { 'content-type': contentType },
  });
}

export interface Subscriber {
  socket: WebSocket;
  messages: any[];
  /** Resolves once `n` messages matching `filter` have arrived. */
  waitFor(n: number, filter?: (m: any) => boolean, timeoutMs?: number): Promise<any[]>;
  close(): void;
}

export async function subscribe(wsUrl: string): Promise<Subscriber> {
  const socket = new WebSocket(wsUrl);
  const messages: any[] = [];
  const listeners = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()));
    for (const l of listeners) l();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    messages,
    waitFor(n, filter = () => true, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hits = messages.filter(filter);
          if (hits.length >= n) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(hits);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${n} messages, got ${messages.filter(filter).length}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    close: () => socket.close(),
  };
}

/** Every file under `dir` (recursively), relative paths. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path).map((f) => join(name, f)));
    else out.push(name);
  }
  return out;
}

/** The saved results: NDJSON lines, legacy JSON files and annotated JPEGs found under dataDir. */
export function savedResults(dataDir: string): { ndjson: any[]; json: string[]; jpg: string[]; temp: string[] } {
  const files = listFiles(dataDir);
  const ndjson = files
    .filter((f) => f.endsWith('results.ndjson'))
    .flatMap((f) =>
      readFileSync(join(dataDir, f), 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l)),
    );
  return {
    ndjson,
    json: files.filter((f) => f.endsWith('_data.json')),
    jpg: files.filter((f) => f.endsWith('_labelled.jpg')),
    temp: files.filter((f) => f.endsWith('.tmp')),
  };
}
