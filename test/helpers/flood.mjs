// A result flood for the dashboard's test and benchmark: one real analysed frame, re-issued with fresh
// ids at `rate`/s to the sinks a dashboard reads (the WebSocket hub and the recent-frames cache), so the
// rate does not depend on how fast this machine analyses frames.

/** The pipeline submission for a decoded frame (raw pixels, not saved). */
export function rawSubmission(frame, source = 'bench') {
  const input = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
  const raw = { width: frame.width, height: frame.height, dtype: frame.data.BYTES_PER_ELEMENT === 1 ? 'uint8' : 'uint16' };
  return { input, raw, options: {}, save: false, source };
}

/** Calls `emit` `rate` times a second, paced every 5 ms; returns the stop function. */
export function paced(rate, emit) {
  let emitted = 0;
  const start = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * rate) - emitted;
    for (let i = 0; i < due; i++, emitted++) emit();
  }, 5);
  return () => clearInterval(timer);
}

export async function floodResults(app, frame, rate) {
  const template = await app.pipeline.submitProcessed(rawSubmission(frame));
  const counts = { submitted: 0, done: 0 };
  const stop = paced(rate, () => {
    counts.submitted++;
    const receivedAt = new Date();
    const result = { ...template.result, id: `flood-${counts.submitted}`, seq: counts.submitted, receivedAt: receivedAt.toISOString() };
    const done = { ...template, result, json: Buffer.from(JSON.stringify(result)), receivedAt };
    app.recent.accept(done);
    app.hub.accept(done);
    counts.done++;
  });
  return { counts, stop };
}
