// ioncam dashboard: wires the WebSocket stream, the REST status and the views together.
// Messages only update state; everything visible is redrawn from one requestAnimationFrame loop,
// so the page's cost follows the display rate, not the result rate.

import { api } from './lib/api.js';
import { renderCamera, wireCameraControls } from './lib/camera.js';
import { Charts } from './lib/charts.js';
import { Connection } from './lib/connection.js';
import { fmtRate, fmtTime } from './lib/format.js';
import { FrameLoader } from './lib/frame-loader.js';
import { FrameView } from './lib/frame-view.js';
import { renderIonsTable } from './lib/ions-table.js';
import { SeriesStore } from './lib/series.js';
import { Subscription } from './lib/subscription.js';

const CHART_INTERVAL_MS = 100; // charts at 10 Hz are smooth enough and leave the frame budget to the rest
const CHART_MAX_POINTS = 2000;
const STATUS_POLL_MS = 1000;
const QUIET_MS = 400; // no result for this long: fetch /api/frames/latest in case every-Nth skipped it

const $ = (id) => document.getElementById(id);

const state = {
  connection: 'connecting',
  latest: null, // newest result known (WS or REST)
  latestAt: 0,
  quietChecked: true,
  camera: null,
  status: null,
  received: 0,
  droppedHere: 0,
  rafCount: 0,
  paused: false,
  pausedEnd: 0,
  windowS: Number($('window').value),
  clockSkewS: 0, // server clock minus ours, from receivedAt
  shownDirty: false,
  chartsDirty: true,
  lastChartDraw: 0,
  rates: { received: 0, redraw: 0 },
  chartRows: 0, // rows in the window the charts last drew
};

const store = new SeriesStore();
const frameView = new FrameView($('frame-canvas'), $('overlay'));
const loader = new FrameLoader((result, bitmap) => {
  frameView.show(result, bitmap);
  state.shownDirty = true;
});
const charts = new Charts($('chart-x0'), $('chart-ry'), () => chartRange());
const subscription = new Subscription((every) => connection.send({ type: 'subscribe', every }));

function chartRange() {
  const end = state.paused ? state.pausedEnd : Date.now() / 1000 + state.clockSkewS;
  return [end - state.windowS, end];
}

// ---- errors -------------------------------------------------------------------------------------
function showError(message) {
  $('error-text').textContent = message;
  $('error').hidden = false;
}
function clearError() {
  $('error').hidden = true;
  $('error-text').textContent = '';
}
$('error-close').addEventListener('click', clearError);

// ---- incoming results ---------------------------------------------------------------------------
function acceptResult(result) {
  state.latest = result;
  state.latestAt = performance.now();
  state.quietChecked = false;
  const t = Date.parse(result.receivedAt) / 1000;
  if (Number.isFinite(t)) {
    state.clockSkewS = t - Date.now() / 1000;
    store.add(t, result.ions ?? []);
    state.chartsDirty = true;
  }
  loader.want(result);
}

function onMessage(data) {
  const started = performance.now();
  let msg;
  try {
    msg = JSON.parse(data);
  } catch {
    return;
  }
  // Any message can carry the count of results dropped for us since the last one delivered.
  if (msg.dropped > 0) {
    state.droppedHere += msg.dropped;
    subscription.noteDropped(msg.dropped);
  }
  if (msg.type === 'result') {
    state.received++;
    subscription.noteMessage();
    acceptResult(msg);
  } else if (msg.type === 'camera') {
    const { type, dropped, ...camera } = msg;
    state.camera = camera;
    renderCamera(cameraEls, camera);
  } else if (msg.type === 'error') {
    showError(`server: ${msg.message}`);
  }
  subscription.noteBusy(performance.now() - started);
}

// When only every Nth result comes over the socket, the last one of a recording may be skipped:
// once the stream goes quiet, ask for the newest result directly.
async function catchUpLatest() {
  try {
    const latest = await api('GET', 'api/frames/latest');
    if (latest && latest.id !== state.latest?.id && performance.now() - state.latestAt >= QUIET_MS) acceptResult(latest);
  } catch {
    // 404 before the first frame, or the server is away: nothing to show.
  }
}

// ---- connection ---------------------------------------------------------------------------------
function renderConnection(conn, retryMs) {
  const el = $('connection');
  el.dataset.state = conn;
  el.className = `pill ${conn === 'open' ? 'pill-good' : 'pill-bad'}`;
  el.textContent = conn === 'open' ? 'live' : conn === 'connecting' ? 'connecting…' : `disconnected — retrying in ${(retryMs / 1000).toFixed(1)} s`;
  document.body.classList.toggle('disconnected', conn !== 'open');
}

const wsUrl = new URL('ws', location.href);
wsUrl.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
const connection = new Connection({
  url: wsUrl.href,
  onMessage,
  onState(conn, retryMs) {
    state.connection = conn;
    renderConnection(conn, retryMs);
    if (conn === 'open') {
      subscription.resend();
      catchUpLatest();
      pollStatus();
    }
  },
});

// ---- status -------------------------------------------------------------------------------------
const cameraEls = { state: $('camera-state'), detail: $('camera-detail'), experiment: $('experiment-id') };

async function pollStatus() {
  try {
    const status = await api('GET', 'api/status');
    state.status = status;
    if (status.camera) {
      state.camera = status.camera;
      renderCamera(cameraEls, status.camera);
    }
  } catch {
    state.status = null;
  }
  renderStats();
}

function renderStats() {
  const s = state.status;
  $('stat-fps').textContent = s ? fmtRate(s.framesPerSecond) : '–';
  $('stat-queue').textContent = s ? `${s.queueDepth} / ${s.queueCapacity}` : '–';
  $('stat-dropped').textContent = `${state.droppedHere} / ${s ? s.wsDropped : '–'}`;
  const every = subscription.every;
  $('stat-received').textContent = `${fmtRate(state.rates.received)}${every > 1 ? ` (every ${every})` : ''}`;
  $('stat-received').title = every > 1 ? `asking for every ${every}th result: ${subscription.lastDecision}` : '';
  $('stat-redraw').textContent = fmtRate(state.rates.redraw);
}

// ---- redraw loop --------------------------------------------------------------------------------
function renderShown() {
  const r = frameView.result;
  if (!r) return;
  renderIonsTable($('ions').tBodies[0], $('ion-count'), r);
  const parts = [`frame ${r.id}`, fmtTime(r.receivedAt), r.source];
  if (r.experimentId) parts.push(`experiment ${r.experimentId}`);
  parts.push(`${r.width}×${r.height}`);
  if (r.timings?.totalMs != null) parts.push(`${r.timings.totalMs.toFixed(1)} ms`);
  if (frameView.imageMissing) parts.push('image no longer available');
  $('frame-caption').textContent = parts.join(' · ');
  $('frame-stage').dataset.frameId = r.id;
}

function drawCharts(now) {
  const [from] = chartRange();
  const data = store.view(from, CHART_MAX_POINTS);
  charts.draw(data);
  state.chartRows = data.rows;
  $('series-info').textContent = `${data.rows} points${state.paused ? ' · paused' : ''}`;
  state.lastChartDraw = now;
  state.chartsDirty = false;
}

let rateMark = { at: performance.now(), received: 0, frames: 0 };

function frame(now) {
  const started = performance.now();
  state.rafCount++;
  subscription.noteFrame();
  loader.pump();
  if (state.shownDirty) {
    state.shownDirty = false;
    renderShown();
  }
  if (!state.paused && (state.chartsDirty || now - state.lastChartDraw > 1000) && now - state.lastChartDraw >= CHART_INTERVAL_MS) {
    drawCharts(now);
  }
  if (!state.quietChecked && state.latest && now - state.latestAt >= QUIET_MS) {
    state.quietChecked = true;
    catchUpLatest();
  }
  if (now - rateMark.at >= 1000) {
    const dt = (now - rateMark.at) / 1000;
    state.rates.received = (state.received - rateMark.received) / dt;
    state.rates.redraw = (state.rafCount - rateMark.frames) / dt;
    rateMark = { at: now, received: state.received, frames: state.rafCount };
    renderStats();
  }
  subscription.noteBusy(performance.now() - started);
  subscription.tick();
  requestAnimationFrame(frame);
}

// ---- controls -----------------------------------------------------------------------------------
wireCameraControls({
  onStatus(camera) {
    state.camera = camera;
    renderCamera(cameraEls, camera);
  },
  onError: showError,
  onOk: clearError,
});

$('zoom').addEventListener('change', () => {
  frameView.setScale(Number($('zoom').value));
  state.shownDirty = true;
});
$('window').addEventListener('change', () => {
  state.windowS = Number($('window').value);
  if (state.paused) drawCharts(performance.now());
  else state.chartsDirty = true;
});
$('btn-pause').addEventListener('click', () => {
  state.paused = !state.paused;
  state.pausedEnd = Date.now() / 1000 + state.clockSkewS;
  $('btn-pause').textContent = state.paused ? 'Resume' : 'Pause';
  $('btn-pause').setAttribute('aria-pressed', String(state.paused));
  drawCharts(performance.now());
});
new ResizeObserver(() => charts.resize()).observe($('chart-x0'));

// ---- debug hook (tests, benchmarks, the curious) ------------------------------------------------
// Read-only live views of the page's state, one getter each.
const debugReads = {
  connection: () => state.connection,
  received: () => state.received,
  droppedHere: () => state.droppedHere,
  rafCount: () => state.rafCount,
  every: () => subscription.every,
  latestId: () => state.latest?.id ?? null,
  shownId: () => frameView.result?.id ?? null,
  imagesRequested: () => loader.requested,
  seriesRows: () => store.rows,
  scale: () => frameView.scale,
  chartRows: () => state.chartRows,
  paused: () => state.paused,
};
window.__ioncam = Object.defineProperties(
  {
    chartRange: () => chartRange(),
    markers: () => frameView.markers(),
  },
  Object.fromEntries(Object.entries(debugReads).map(([name, get]) => [name, { get, enumerable: true }])),
);

setInterval(pollStatus, STATUS_POLL_MS);
pollStatus();
connection.start();
requestAnimationFrame(frame);
