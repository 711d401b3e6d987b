// Decides how many results the page asks for ({"type":"subscribe","every":N}): doubles N when the page
// falls behind (the server drops messages for us, the main thread is busy, or redraws stall) and halves
// it again when there is clearly room. Evaluated once per second.

const MAX_EVERY = 1024;
const BUSY_HIGH = 0.35; // share of wall time spent handling messages + redrawing
const BUSY_LOW = 0.12;
const MIN_FPS = 20; // redraws per second, only judged while the page is visible
const CALM_TICKS_BEFORE_HALVING = 3;
// Below this many results a second, fewer would not help: the cost is elsewhere (a slow machine).
const MIN_USEFUL_RATE = 30;

export class Subscription {
  /** @param {(every: number) => void} send */
  constructor(send) {
    this.send = send;
    this.every = 1;
    this.calmTicks = 0;
    this.windowStart = performance.now();
    this.busyMs = 0;
    this.frames = 0;
    this.dropped = 0;
    this.messages = 0;
    this.lastDecision = 'full rate';
  }

  noteBusy(ms) {
    this.busyMs += ms;
  }

  noteMessage() {
    this.messages += 1;
  }

  noteFrame() {
    this.frames += 1;
  }

  noteDropped(n) {
    this.dropped += n;
  }

  /** After (re)connecting the server has forgotten our wish: say it again. */
  resend() {
    if (this.every !== 1) this.send(this.every);
  }

  tick(now = performance.now()) {
    const elapsed = now - this.windowStart;
    if (elapsed < 1000) return;
    const busy = this.busyMs / elapsed;
    const fps = (this.frames * 1000) / elapsed;
    const visible = document.visibilityState === 'visible';
    const rate = (this.messages * 1000) / elapsed;
    // Slow redraws mean an overloaded main thread even when our handlers look cheap (the browser's own
    // message dispatch and garbage collection are not in busyMs); shedding results is what we can do.
    const stalled = visible && fps < MIN_FPS;
    const behind = this.dropped > 0 || (rate > MIN_USEFUL_RATE && (busy > BUSY_HIGH || stalled));
    let next = this.every;
    if (this.messages === 0 && this.dropped === 0) {
      // The stream paused (camera stopped): the next burst starts at full rate and adapts again.
      next = 1;
      this.calmTicks = 0;
    } else if (behind) {
      next = Math.min(MAX_EVERY, this.every * 2);
      this.calmTicks = 0;
      this.lastDecision = this.dropped > 0 ? 'server dropped messages' : busy > BUSY_HIGH ? 'page busy' : 'redraws stalled';
    } else if (this.every > 1 && busy * 2 < BUSY_LOW) {
      this.calmTicks += 1;
      if (this.calmTicks >= CALM_TICKS_BEFORE_HALVING) {
        next = Math.max(1, this.every / 2);
        this.calmTicks = 0;
        this.lastDecision = 'room to spare';
      }
    } else {
      this.calmTicks = 0;
    }
    this.stats = { busy, fps, rate, dropped: this.dropped };
    this.windowStart = now;
    this.busyMs = 0;
    this.frames = 0;
    this.dropped = 0;
    this.messages = 0;
    if (next !== this.every) {
      this.every = next;
      this.send(next);
    }
  }
}
