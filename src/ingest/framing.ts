// The legacy TCP framing: each frame is a 4-byte big-endian length followed by that many
// bytes of encoded image. The parser accepts arbitrary chunks (a frame may arrive byte by
// byte or many frames in one chunk) and copies each body exactly once.

export type FramingErrorReason = 'zero_length' | 'too_long';

export class FramingError extends Error {
  override name = 'FramingError';
  constructor(
    readonly reason: FramingErrorReason,
    readonly length: number,
    message: string,
  ) {
    super(message);
  }
}

const HEADER_BYTES = 4;

export class LengthPrefixedParser {
  private header = Buffer.alloc(HEADER_BYTES);
  private headerFilled = 0;
  private body: Buffer | null = null;
  private bodyFilled = 0;
  /** Set once a bad length arrived; the stream cannot be resynchronised after that. */
  error: FramingError | null = null;

  constructor(private readonly maxFrameBytes: number) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1) {
      throw new RangeError(`maxFrameBytes must be a positive integer, got ${maxFrameBytes}`);
    }
  }

  /** True while a frame is partly received (a clean end of stream has no partial frame). */
  get midFrame(): boolean {
    return this.headerFilled > 0 || this.body !== null;
  }

  /**
   * Consumes a chunk and returns the frames it completes. A bad length sets `error` and stops
   * parsing (frames completed before it in the same chunk are still returned).
   */
  push(chunk: Uint8Array): Buffer[] {
    const frames: Buffer[] = [];
    if (this.error) return frames;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.body === null) {
        const take = Math.min(HEADER_BYTES - this.headerFilled, chunk.length - pos);
        this.header.set(chunk.subarray(pos, pos + take), this.headerFilled);
        this.headerFilled += take;
        pos += take;
        if (this.headerFilled < HEADER_BYTES) break;
        const length = this.header.readUInt32BE(0);
        this.headerFilled = 0;
        if (length === 0) {
          this.error = new FramingError('zero_length', 0, 'frame length is 0');
          return frames;
        }
        if (length > this.maxFrameBytes) {
          const message = `frame length ${length} exceeds the limit of ${this.maxFrameBytes} bytes`;
          this.error = new FramingError('too_long', length, message);
          return frames;
        }
        this.body = Buffer.allocUnsafe(length);
        this.bodyFilled = 0;
      }
      const take = Math.min(this.body.length - this.bodyFilled, chunk.length - pos);
      this.body.set(chunk.subarray(pos, pos + take), this.bodyFilled);
      this.bodyFilled += take;
      pos += take;
      if (this.bodyFilled === this.body.length) {
        frames.push(this.body);
        this.body = null;
      }
    }
    return frames;
  }
}
