// Liveness, readiness and the Prometheus scrape.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';

import type { FastifyInstance } from 'fastify';

import { buildInfo } from '../analysis/analyze.js';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/health', { schema: { summary: 'The process is up', tags: ['ops'] } }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: { summary: 'Addon loaded, data folder writable, queue not saturated', tags: ['ops'] } }, async (_request, reply) => {
    let addon = false;
    try {
      addon = typeof buildInfo().version === 'string';
    } catch {
      addon = false;
    }
    const dataDirWritable = await access(app.config.dataDir, constants.W_OK).then(
      () => true,
      () => false,
    );
    const queue = app.pipeline.hasCapacity();
    const ready = addon && dataDirWritable && queue;
    return reply.code(ready ? 200 : 503).send({ ready, checks: { addon, dataDirWritable, queueNotSaturated: queue } });
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['ops'], produces: ['text/plain'] } }, async (_request, reply) =>
    reply.type(app.metrics.registry.contentType).send(await app.metrics.text()),
  );
}
