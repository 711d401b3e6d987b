// WebSocket /ws: every result (or every Nth) to every subscriber, through the hub.
import type { FastifyInstance } from 'fastify';

export async function wsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/ws', { websocket: true, schema: { summary: 'Stream of results (WebSocket)', tags: ['stream'], hide: false } }, (socket) => {
    app.hub.add(socket);
  });
}
