// The page's WebSocket to /ws: reconnects by itself (capped back-off) and reports its state.

const MIN_RETRY_MS = 250;
const MAX_RETRY_MS = 4000;

export class Connection {
  /**
   * @param {{ url: string, onMessage: (data: string) => void,
   *           onState: (state: 'connecting'|'open'|'closed', retryMs?: number) => void }} opts
   */
  constructor({ url, onMessage, onState }) {
    this.url = url;
    this.onMessage = onMessage;
    this.onState = onState;
    this.retryMs = MIN_RETRY_MS;
    this.socket = null;
    this.timer = null;
  }

  start() {
    clearTimeout(this.timer);
    this.onState('connecting');
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = MIN_RETRY_MS;
      this.onState('open');
    };
    socket.onmessage = (ev) => this.onMessage(ev.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.scheduleRetry();
    };
    // An error is always followed by close, which retries.
    socket.onerror = () => {};
  }

  scheduleRetry() {
    const wait = this.retryMs;
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    this.onState('closed', wait);
    this.timer = setTimeout(() => this.start(), wait);
  }

  get open() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  send(message) {
    if (this.open) this.socket.send(JSON.stringify(message));
  }
}
