// The legacy TCP frame stream: a 4-byte big-endian length, then the encoded image, many
// frames per connection and many connections at once. Back-pressure is TCP's own: while the
// pipeline is full the socket is paused, the kernel buffers fill and the sender blocks;
// no accepted byte is ever dropped.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

import { Counter, Gauge, register as globalRegistry, type Registry } from 'prom-client';

import type { AnalyzeOptions } from '../analysis/types.js';
import { LengthPrefixedParser } from './framing.js';
import {
  isQueueFull,
  rejectedCounter,
  rejectReason,
  silentLogger,
  type FrameSink,
  type IngestLogger,
} from './sink.js';

export const DEFAULT_TCP_PORT = 5558;

export interface TcpIngestOptions {
  pipeline: FrameSink;
  /** 0 picks a free port (the caller decides whether 0 means "off"). */
  port: number;
  host?: string;
  /** Largest accepted frame body in bytes; a longer announced length closes the connection. */
  maxFrameBytes: number;
  /** Analysis options applied to every TCP frame. */
  analyzeOptions?: AnalyzeOptions;
  log?: IngestLogger;
  registry?: Registry;
}

export interface TcpIngest {
  address(): AddressInfo;
  /** Stops accepting, closes connections, and waits until every received frame was submitted and settled. */
  close(): Promise<void>;
}

interface TcpMetrics {
  frames: Counter;
  pauses: Counter;
  connections: Gauge;
  rejected: Counter<'source' | 'reason'>;
}

function metricsOn(registry: Registry): TcpMetrics {
  const counter = (name: string, help: string) =>
    (registry.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, registers: [registry] });
  const gaugeName = 'ioncam_tcp_connections';
  return {
    frames: counter('ioncam_tcp_frames_received_total', 'Complete frames read from TCP connections'),
    pauses: counter('ioncam_tcp_pauses_total', 'Times a TCP connection stopped being read because the pipeline was full'),
    connections:
      (registry.getSingleMetric(gaugeName) as Gauge | undefined) ??
      new Gauge({ name: gaugeName, help: 'Open TCP ingest connections', registers: [registry] }),
    rejected: rejectedCounter(registry),
  };
}

export async function startTcpIngest(opts: TcpIngestOptions): Promise<TcpIngest> {
  const { pipeline, maxFrameBytes } = opts;
  const log = opts.log ?? silentLogger;
  const metrics = metricsOn(opts.registry ?? globalRegistry);
  const analyzeOptions = opts.analyzeOptions ?? {};
  const sockets = new Set<Socket>();
  const connectionsDone = new Set<Promise<void>>();

  const server: Server = createServer((socket) => {
    const done = serveConnection(socket);
    connectionsDone.add(done);
    void done.finally(() => connectionsDone.delete(done));
  });

  async function serveConnection(socket: Socket): Promise<void> {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const parser = new LengthPrefixedParser(maxFrameBytes);
    const pending: { input: Buffer; index: number }[] = [];
    const inFlight = new Set<Promise<void>>();
    let received = 0;
    let pumping: Promise<void> | null = null;
    let closed = false;
    let markClosed!: () => void;
    const socketClosed = new Promise<void>((resolve) => (markClosed = resolve));

    sockets.add(socket);
    metrics.connections.inc();
    socket.setNoDelay(true);
    // Notices a camera PC that vanished without closing (power loss, cable pulled).
    socket.setKeepAlive(true, 30_000);
    // Debug, not info: some legacy clients open one connection per frame.
    log.debug({ peer }, 'tcp ingest: connection opened');

    const submit = (frame: { input: Buffer; index: number }): void => {
      const p = pipeline
        .submit({ input: frame.input, options: analyzeOptions, source: 'tcp', meta: { peer, frame: frame.index } })
        .then(
          () => undefined,
          (err: unknown) => {
            if (isQueueFull(err)) {
              // Lost a race for the last slot: back to the front of the line, never dropped.
              pending.unshift(frame);
              pump();
              return;
            }
            const reason = rejectReason(err);
            metrics.rejected.inc({ source: 'tcp', reason });
            log.warn({ peer, frame: frame.index, reason, err: (err as Error).message }, 'tcp ingest: frame refused');
          },
        );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    };

    const pause = (): void => {
      if (socket.isPaused()) return;
      socket.pause();
      metrics.pauses.inc();
    };

    // Submits waiting frames in order; the socket stays paused while the pipeline has no room.
    const pump = (): void => {
      if (pumping) return;
      pumping = (async () => {
        while (pending.length > 0) {
          // A closed pipeline never has room again; submitting then refuses the frame with a reason.
          if (!pipeline.hasCapacity() && pipeline.accepting) {
            pause();
            await pipeline.waitForCapacity();
            continue;
          }
          submit(pending.shift()!);
        }
      })().finally(() => {
        pumping = null;
        if (pending.length > 0) pump();
        else if (!closed) socket.resume();
      });
    };

    socket.on('data', (chunk: Buffer) => {
      for (const input of parser.push(chunk)) {
        metrics.frames.inc();
        pending.push({ input, index: received++ });
      }
      if (parser.error) {
        const { reason, message } = parser.error;
        metrics.rejected.inc({ source: 'tcp', reason });
        log.warn({ peer, reason, err: message }, 'tcp ingest: bad frame length, closing connection');
        socket.destroy();
      }
      if (pending.length > 0) {
        if (!pipeline.hasCapacity()) pause();
        pump();
      }
    });
    socket.on('error', (err) => log.warn({ peer, err: err.message }, 'tcp ingest: connection error'));
    socket.on('close', () => {
      closed = true;
      if (parser.midFrame && !parser.error) {
        metrics.rejected.inc({ source: 'tcp', reason: 'truncated' });
        log.warn({ peer }, 'tcp ingest: connection closed in the middle of a frame');
      }
      markClosed();
    });

    await socketClosed;
    // Frames read before the peer hung up are still submitted, and their results awaited.
    while (pumping || pending.length > 0 || inFlight.size > 0) {
      if (pending.length > 0 && !pumping) pump();
      await Promise.allSettled([pumping, ...inFlight]);
    }
    sockets.delete(socket);
    metrics.connections.dec();
    log.debug({ peer, frames: received }, 'tcp ingest: connection closed');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err: err.message }, 'tcp ingest: server error'));
  log.info({ address: server.address() }, 'tcp ingest listening');

  return {
    address: () => server.address() as AddressInfo,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A peer that keeps sending would hold its connection open forever; read no further.
      for (const socket of sockets) socket.destroySoon();
      await closed;
      await Promise.allSettled([...connectionsDone]);
    },
  };
}
