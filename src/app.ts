// Builds the Fastify app (no listen): pipeline, outputs and routes wired together. Tests and the
// CLI share it; `app.pipeline` is the one entry point for every ingest path.
import { mkdirSync } from 'node:fs';

import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';

import { closeSilentSocketsOnClose } from './close-silent-sockets.js';
import { withDefaults, type ServerConfig } from './config.js';
import { WsHub } from './outputs/hub.js';
import { Metrics } from './outputs/metrics.js';
import { RecentFrames } from './outputs/recent.js';
import { ResultWriter } from './outputs/writer.js';
import { Pipeline } from './pipeline/pipeline.js';
import { cameraRoutes } from './routes/camera.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { registerIngest } from './ingest/register.js';
import { registerErrorHandling } from './routes/errors.js';
import { frameRoutes } from './routes/frames.js';
import { healthRoutes } from './routes/health.js';
import { errorSchema, frameResultSchema, ionSchema } from './routes/schemas.js';
import { statusRoutes } from './routes/status.js';
import { wsRoutes } from './routes/ws.js';

/** What GET /api/status reports under "camera"; the camera area sets `app.camera`. */
export interface CameraStatusSource {
  status(): Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: ServerConfig;
    pipeline: Pipeline;
    hub: WsHub;
    metrics: Metrics;
    recent: RecentFrames;
    writer: ResultWriter;
    camera: CameraStatusSource | null;
  }
}

export interface AppOptions extends Partial<ServerConfig> {
  /** Fastify logger: false (default, quiet tests) or true / pino options. */
  logger?: FastifyServerOptions['logger'];
}

export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const { logger = false, ...partial } = options;
  const config = withDefaults(partial);
  mkdirSync(config.dataDir, { recursive: true });

  const app = Fastify({
    logger: logger === true ? { level: config.logLevel } : logger,
    bodyLimit: config.bodyLimit,
    // One log line per request would cost more than the analysis at high frame rates.
    logController: new LogController({ disableRequestLogging: true }),
  });
  closeSilentSocketsOnClose(app);

  let pipeline: Pipeline | undefined;
  const hub = new WsHub(config.wsBuffer, {
    sent: () => metrics.wsMessagesSent.inc(),
    dropped: () => metrics.wsMessagesDropped.inc(),
  });
  const writer = new ResultWriter(config.dataDir, {
    written: (kind) => metrics.filesWritten.inc({ kind }),
    error: (kind, e) => {
      metrics.writeErrors.inc({ kind });
      app.log.error({ err: e }, `writing a ${kind} result file failed`);
    },
    progress: () => pipeline?.capacityChanged(),
  }, config.writers);
  const recent = new RecentFrames(config.recentFrames);
  const metrics: Metrics = new Metrics({
    queueDepth: () => pipeline!.depth,
    queueCapacity: () => pipeline!.capacity,
    subscribers: () => hub.size,
    writerBacklog: () => writer.backlog,
  });
  pipeline = new Pipeline({
    workers: config.workers,
    queueSize: config.queueSize,
    queueBytes: config.queueBytes,
    maxPixels: config.maxPixels,
    retryAfter: config.retryAfter,
    defaultSave: config.save,
    defaultGpu: config.gpu,
    sinks: [recent, hub, writer],
    observer: metrics,
    backPressure: () => (writer.backlog >= config.writeQueue ? `disk writer behind (${writer.backlog} results unwritten)` : null),
  });

  app.decorate('config', config);
  app.decorate('pipeline', pipeline);
  app.decorate('hub', hub);
  app.decorate('metrics', metrics);
  app.decorate('recent', recent);
  app.decorate('writer', writer);
  app.decorate('camera', null);

  registerErrorHandling(app);
  for (const schema of [errorSchema, ionSchema, frameResultSchema]) app.addSchema(schema);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'ioncam', description: 'Live analysis of trapped-ion camera frames', version: '0.1.0' },
      tags: [
        { name: 'frames', description: 'Upload frames and read results' },
        { name: 'camera', description: 'Camera triggers' },
        { name: 'status', description: 'Server state' },
        { name: 'stream', description: 'WebSocket results' },
        { name: 'ops', description: 'Health and metrics' },
      ],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });

  await app.register(frameRoutes);
  await app.register(statusRoutes);
  await app.register(healthRoutes);
  await app.register(wsRoutes);
  // Sets app.camera and broadcasts {"type":"camera",...} through app.hub.broadcast.
  await app.register(cameraRoutes);

  await app.register(dashboardRoutes);

  // Shutdown: answer the requests in flight with Connection: close (the HTTP server only closes
  // once every keep-alive connection is gone), then refuse new frames, finish every accepted
  // one and flush the writer.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onClose', async () => {
    await pipeline.close();
    await writer.close();
    hub.closeAll();
  });
  // After the hook above: onClose hooks run last-registered-first, so TCP and the watched folder
  // stop (handing over what they read) before the pipeline closes.
  registerIngest(app);
  return app;
}
