// Starts the TCP frame stream and the watched folder with the app (when configured) and stops
// them before the pipeline drains on close, so every frame they took in is finished and saved.
// Call it after the app's own onClose hook (see below).
import { resolve } from 'node:path';

import type { FastifyInstance } from 'fastify';

import { defaultAnalyzeOptions } from '../config.js';
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
  // The server-wide IONCAM_ROI, IONCAM_RADIUS... options: these streams carry no options of their own.
  const analyzeOptions = defaultAnalyzeOptions(config);

  // onReady, not onListen: a TCP port that is taken must fail the start, not just be logged.
  app.addHook('onReady', async () => {
    if (config.tcpPort > 0) {
      handles.tcp = await startTcpIngest({
        pipeline,
        port: config.tcpPort,
        host: config.host,
        maxFrameBytes: config.bodyLimit,
        analyzeOptions,
        log: app.log.child({ ingest: 'tcp' }),
        registry: app.metrics.registry,
      });
    }
    if (config.watchDir) {
      handles.watch = await startWatch({
        dir: resolve(config.watchDir),
        dataDir: config.dataDir,
        pipeline,
        analyzeOptions,
        pollMs: config.watchPollMs,
        settleMs: 2 * config.watchPollMs,
        log: app.log.child({ ingest: 'watch' }),
        registry: app.metrics.registry,
      });
    }
  });
  // onClose, not preClose: an async preClose hook holds the HTTP server open between the
  // WebSocket plugin dropping its clients and server.close(), and dashboards reconnecting in
  // that gap keep the close waiting. Fastify runs onClose hooks last-registered-first, so
  // buildApp registers this after the hook that closes the pipeline: ingest stops first and
  // every frame it took in is still finished and saved.
  app.addHook('onClose', async () => {
    await Promise.all([handles.tcp?.close(), handles.watch?.close()]);
  });
}
