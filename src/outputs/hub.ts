// Fans every result out to the WebSocket subscribers. Each result is serialised once; a
// subscriber whose unsent bytes exceed `bufferLimit` has messages dropped and counted instead of
// queued, so a slow reader costs a bounded amount of memory and never stalls the pipeline. The
// count of drops rides along in the next message it gets ("dropped": n).
import type { WebSocket } from 'ws';

import type { ProcessedFrame, ResultSink } from '../pipeline/types.js';

export interface HubCounters {
  sent(): void;
  dropped(): void;
}

interface Subscriber {
  socket: WebSocket;
  every: number;
  counter: number;
  dropped: number;
}

const OPEN = 1;
const ZERO_DROPPED = Buffer.from(',"dropped":0}');

/** `{...}` -> `{...,"dropped":n}` without re-serialising. */
function withDropped(json: Buffer, dropped: number): Buffer {
  const tail = dropped === 0 ? ZERO_DROPPED : Buffer.from(`,"dropped":${dropped}}`);
  return Buffer.concat([json.subarray(0, json.length - 1), tail]);
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

export class WsHub implements ResultSink {
  private readonly subscribers = new Set<Subscriber>();
  /** Sockets corked during this turn of the event loop: all their messages leave in one write. */
  private corked = new Set<Corkable>();
  totalDropped = 0;

  constructor(
    private readonly bufferLimit: number,
    private readonly counters?: HubCounters,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Registers a connected socket; it gets every result until it asks otherwise or closes. */
  add(socket: WebSocket): void {
    const sub: Subscriber = { socket, every: 1, counter: 0, dropped: 0 };
    this.subscribers.add(sub);
    socket.on('message', (data, isBinary) => this.onMessage(sub, data as Buffer, isBinary));
    socket.on('close', () => this.subscribers.delete(sub));
    socket.on('error', () => this.subscribers.delete(sub));
  }

  private reply(sub: Subscriber, message: object): void {
    if (sub.socket.readyState === OPEN) sub.socket.send(JSON.stringify(message));
  }

  private onMessage(sub: Subscriber, data: Buffer, isBinary: boolean): void {
    let msg: unknown;
    try {
      if (isBinary) throw new Error('binary message');
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      this.reply(sub, { type: 'error', message: 'messages must be JSON text, e.g. {"type":"subscribe","every":1}' });
      return;
    }
    const m = msg as { type?: unknown; every?: unknown };
    if (m === null || typeof m !== 'object' || m.type !== 'subscribe') {
      this.reply(sub, { type: 'error', message: 'unknown message; send {"type":"subscribe","every":N}' });
      return;
    }
    const every = m.every ?? 1;
    if (typeof every !== 'number' || !Number.isInteger(every) || every < 1 || every > 1_000_000) {
      this.reply(sub, { type: 'error', message: `"every" must be an integer in [1, 1000000], got ${JSON.stringify(every)}` });
      return;
    }
    sub.every = every;
    sub.counter = 0;
    this.reply(sub, { type: 'subscribed', every });
  }

  accept(done: ProcessedFrame): void {
    if (this.subscribers.size === 0) return;
    let plain: Buffer | undefined;
    for (const sub of this.subscribers) {
      sub.counter++;
      if (sub.counter < sub.every) continue;
      sub.counter = 0;
      if (sub.dropped === 0) {
        plain ??= withDropped(done.json, 0);
        this.deliver(sub, plain, done.json);
      } else {
        this.deliver(sub, undefined, done.json);
      }
    }
  }

  /** Sends a non-result message (e.g. {"type":"camera",...}) to every subscriber. */
  broadcast(message: object): void {
    if (this.subscribers.size === 0) return;
    const json = Buffer.from(JSON.stringify(message));
    const plain = withDropped(json, 0);
    for (const sub of this.subscribers) this.deliver(sub, sub.dropped === 0 ? plain : undefined, json);
  }

  private deliver(sub: Subscriber, ready: Buffer | undefined, json: Buffer): void {
    const { socket } = sub;
    if (socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > this.bufferLimit) {
      sub.dropped++;
      this.totalDropped++;
      this.counters?.dropped();
      return;
    }
    const payload = ready ?? withDropped(json, sub.dropped);
    sub.dropped = 0;
    this.cork(socket);
    socket.send(payload, { binary: false });
    this.counters?.sent();
  }

  /**
   * Holds a subscriber's writes until the end of this loop turn, so the results finished in one
   * turn cost one system call per subscriber instead of one per message.
   */
  private cork(socket: WebSocket): void {
    const raw = (socket as unknown as { _socket?: Corkable })._socket;
    if (!raw || typeof raw.cork !== 'function') return;
    if (this.corked.has(raw)) return;
    if (this.corked.size === 0) setImmediate(() => this.uncorkAll());
    raw.cork();
    this.corked.add(raw);
  }

  private uncorkAll(): void {
    const sockets = this.corked;
    this.corked = new Set();
    for (const s of sockets) s.uncork();
  }

  /** Unsent bytes per subscriber (tests and diagnostics). */
  buffered(): number[] {
    return [...this.subscribers].map((s) => s.socket.bufferedAmount);
  }

  closeAll(code = 1001, reason = 'server shutting down'): void {
    for (const sub of this.subscribers) sub.socket.close(code, reason);
    this.subscribers.clear();
  }
}
