// Decides how many results the page asks for ({"type":"subscribe","every":N}): doubles N when the page
// falls behind (the server drops messages for us, the main thread is busy, or redraws stall) and halves
// it again when there is clearly room. Evaluated once per second.

const MAX_EVERY = 1024;
const BUSY_HIGH = 0.35; // share of wall time spent handling messages + redrawing
const BUSY_LOW = 0.12;
const MIN_FPS = 20; // redraws per second, only judged while the page is visible
const CALM_TICKS_BEFORE_HALVING = 3;

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
    this.lastDecision = 'full rate';
  }

  noteBusy(ms) {
    this.busyMs += ms;
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
    const behind = this.dropped > 0 || busy > BUSY_HIGH || (visible && fps < MIN_FPS);
    let next = this.every;
    if (behind) {
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
    this.stats = { busy, fps, dropped: this.dropped };
    this.windowStart = now;
    this.busyMs = 0;
    this.frames = 0;
    this.dropped = 0;
    if (next !== this.every) {
      this.every = next;
      this.send(next);
    }
  }
}
