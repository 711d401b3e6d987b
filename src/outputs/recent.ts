// The last N finished frames (result + pixels) for GET /api/frames/latest and /:id.
import type { ProcessedFrame, ResultSink } from '../pipeline/types.js';

export class RecentFrames implements ResultSink {
  private readonly frames = new Map<string, ProcessedFrame>();
  private last: ProcessedFrame | undefined;

  constructor(private readonly limit: number) {}

  accept(done: ProcessedFrame): void {
    this.frames.set(done.result.id, done);
    this.last = done;
    if (this.frames.size > this.limit) this.frames.delete(this.frames.keys().next().value!);
  }

  get(id: string): ProcessedFrame | undefined {
    return this.frames.get(id);
  }

  latest(): ProcessedFrame | undefined {
    return this.last;
  }
}
