// Starts the TCP frame stream and the watched folder with the app (when configured) and stops
// them before the pipeline drains on close, so every frame they took in is finished and saved.
import { resolve } from 'node:path';

import type { FastifyInstance } from 'fastify';

import { startTcpIngest, type TcpIngest } from './tcp.js';
import { startWatch, type FolderWatcher } from './watch.js';

export interface IngestHandles {
  tcp: TcpIngest | null;
  watch: FolderWatcher | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    ingest: IngestHandles;
  }
}

export function registerIngest(app: FastifyInstance): void {
  const { config, pipeline } = app;
  const handles: IngestHandles = { tcp: null, watch: null };
  app.decorate('ingest', handles);

  // onReady, not onListen: a TCP port that is taken must fail the start, not just be logged.
  app.addHook('onReady', async () => {
    if (config.tcpPort > 0) {
      handles.tcp = await startTcpIngest({
        pipeline,
        port: config.tcpPort,
        host: config.host,
        maxFrameBytes: config.bodyLimit,
        log: app.log.child({ ingest: 'tcp' }),
        registry: app.metrics.registry,
      });
    }
    if (config.watchDir) {
      handles.watch = await startWatch({
        dir: resolve(config.watchDir),
        dataDir: config.dataDir,
        pipeline,
        pollMs: config.watchPollMs,
        settleMs: 2 * config.watchPollMs,
        log: app.log.child({ ingest: 'watch' }),
        registry: app.metrics.registry,
      });
    }
  });
  app.addHook('preClose', async () => {
    await Promise.all([handles.tcp?.close(), handles.watch?.close()]);
  });
}
