// Browsers open spare TCP connections ahead of need (Chromium's preconnect). Such a socket never sends
// a byte, so Node counts it neither as idle nor as finished, and server.close() waits for it until
// the headers timeout (60 s): an open dashboard would stall every shutdown and restart. Sockets that
// have not sent anything have nothing in flight, so they are dropped when the app closes.
import type { Socket } from 'node:net';

import type { FastifyInstance } from 'fastify';

export function closeSilentSocketsOnClose(app: FastifyInstance): void {
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  app.addHook('preClose', async () => {
    for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
  });
}
