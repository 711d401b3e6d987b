// Camera controls (REST) and the camera state display.

import { api } from './api.js';

export function renderCamera(els, cam) {
  const state = cam?.state ?? 'unknown';
  els.state.textContent = state;
  els.state.dataset.state = state;
  if (!cam) {
    els.detail.textContent = '';
    return;
  }
  const parts = [`${cam.framesCaptured ?? 0} captured`];
  if (cam.framesRemaining != null) parts.push(`${cam.framesRemaining} to go`);
  if (cam.framesSkipped > 0) parts.push(`${cam.framesSkipped} skipped (queue full)`);
  if (cam.fps != null) parts.push(`${cam.fps} fps`);
  parts.push(`experiment ${cam.experimentId ?? '–'}`);
  if (cam.driver) parts.push(cam.driver);
  if (cam.lastError) parts.push(`last error: ${cam.lastError}`);
  els.detail.textContent = parts.join(' · ');
  const input = els.experiment;
  if (document.activeElement !== input && cam.experimentId != null) input.placeholder = cam.experimentId;
}

/**
 * @param {{ onStatus: (camera: object) => void, onError: (message: string) => void, onOk: () => void }} handlers
 */
export function wireCameraControls(handlers) {
  const $ = (id) => document.getElementById(id);
  const call = async (button, method, path, body) => {
    button.disabled = true;
    try {
      const data = await api(method, path, body);
      handlers.onOk();
      // The camera routes answer with the camera status; the WS broadcast follows anyway.
      if (data && typeof data.state === 'string') handlers.onStatus(data);
    } catch (err) {
      handlers.onError(err.message);
    } finally {
      button.disabled = false;
    }
  };
  $('form-record').noValidate = true; // the server validates and its message is shown
  $('form-record').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const raw = $('record-frames').value.trim();
    const frames = raw === '' ? NaN : Number(raw);
    call($('btn-record'), 'POST', 'api/camera/start', { frames });
  });
  $('btn-infinite').addEventListener('click', () => call($('btn-infinite'), 'POST', 'api/camera/start-infinite'));
  $('btn-stop').addEventListener('click', () => call($('btn-stop'), 'POST', 'api/camera/stop'));
  $('form-experiment').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = $('experiment-id').value.trim();
    // An empty field clears the experiment id.
    call($('btn-experiment'), 'PUT', 'api/camera/experiment', { id: id === '' ? null : id });
  });
}
