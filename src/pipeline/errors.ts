/** The bounded queue is full (or the disk writer is behind): try again after `retryAfter` seconds. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
  constructor(
    message: string,
    readonly retryAfter: number,
  ) {
    super(message);
  }
}

/** The server is shutting down and accepts no new frames. */
export class ShuttingDownError extends Error {
  override name = 'ShuttingDownError';
}
