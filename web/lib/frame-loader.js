// Loads the frame image of the newest result: at most one request in flight and at most one started
// per animation frame (pump() is called from the redraw loop), so a fast stream cannot flood the page.

export class FrameLoader {
  /** @param {(result: object, bitmap: ImageBitmap|null) => void} onLoaded  bitmap null when the image is gone */
  constructor(onLoaded) {
    this.onLoaded = onLoaded;
    this.wanted = null;
    this.inFlight = false;
    this.requested = 0;
  }

  want(result) {
    this.wanted = result;
  }

  pump() {
    if (this.inFlight || !this.wanted) return;
    const result = this.wanted;
    this.wanted = null;
    this.inFlight = true;
    this.requested++;
    this.load(result).then(
      (bitmap) => {
        this.inFlight = false;
        this.onLoaded(result, bitmap);
      },
      () => {
        this.inFlight = false;
        this.onLoaded(result, null);
      },
    );
  }

  async load(result) {
    const res = await fetch(`api/frames/${encodeURIComponent(result.id)}/frame.png`);
    if (!res.ok) throw new Error(`frame.png: ${res.status}`);
    // Decoded off the main thread.
    return createImageBitmap(await res.blob());
  }
}
