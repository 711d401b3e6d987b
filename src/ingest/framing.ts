// The legacy TCP framing: each frame is a 4-byte big-endian length followed by that many
// bytes of encoded image. The parser accepts arbitrary chunks (a frame may arrive byte by
// byte or many frames in one chunk) and copies each body at most once.

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
const MIN_BODY_BLOCK = 64 * 1024;

export class LengthPrefixedParser {
  private header = Buffer.alloc(HEADER_BYTES);
  private headerFilled = 0;
  /** Length of the body being received, or -1 while reading a header. */
  private bodyLength = -1;
  // The body so far. It grows by doubling as bytes arrive, so memory follows what was received,
  // not the announced length: a header alone cannot make the server allocate up to the limit.
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
    return this.headerFilled > 0 || this.bodyLength >= 0;
  }

  /**
   * Consumes a chunk and returns the frames it completes. A bad length sets `error` and stops
   * parsing (frames completed before it in the same chunk are still returned). A body that came
   * in one chunk is returned as a view of that chunk.
   */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    if (this.error) return frames;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.bodyLength < 0) {
        const take = Math.min(HEADER_BYTES - this.headerFilled, chunk.length - pos);
        chunk.copy(this.header, this.headerFilled, pos, pos + take);
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
        this.bodyLength = length;
      }
      const take = Math.min(this.bodyLength - this.bodyFilled, chunk.length - pos);
      if (this.bodyFilled === 0 && take === this.bodyLength) {
        frames.push(chunk.subarray(pos, pos + take)); // the whole body in this chunk: no copy
      } else {
        this.reserve(this.bodyFilled + take);
        chunk.copy(this.body!, this.bodyFilled, pos, pos + take);
      }
      this.bodyFilled += take;
      pos += take;
      if (this.bodyFilled === this.bodyLength) {
        if (this.body) frames.push(this.body);
        this.body = null;
        this.bodyFilled = 0;
        this.bodyLength = -1;
      }
    }
    return frames;
  }

  private reserve(bytes: number): void {
    if (this.body && this.body.length >= bytes) return;
    const capacity = Math.min(this.bodyLength, Math.max(bytes, 2 * (this.body?.length ?? 0), MIN_BODY_BLOCK));
    const grown = Buffer.allocUnsafe(capacity);
    this.body?.copy(grown, 0, 0, this.bodyFilled);
    this.body = grown;
  }
}
