// GET /api/status: one glance at throughput, the queue, subscribers and the camera.
import type { FastifyInstance } from 'fastify';

import { statusSchema } from './schemas.js';

export async function statusRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/status', { schema: { summary: 'Throughput, queue, subscribers and camera state', tags: ['status'], response: { 200: statusSchema } } }, async () => ({
    framesPerSecond: app.metrics.framesPerSecond(),
    queueDepth: app.pipeline.depth,
    queueCapacity: app.pipeline.capacity,
    wsDropped: app.hub.totalDropped,
    subscribers: app.hub.size,
    writerBacklog: app.writer.backlog,
    experimentId: app.pipeline.experimentId,
    camera: app.camera?.status() ?? null,
  }));
}
