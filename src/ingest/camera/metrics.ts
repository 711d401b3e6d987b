// Camera figures for Prometheus, read from the controller at scrape time.
import { Counter, Gauge, type Registry } from 'prom-client';

import type { CameraController, CameraState, CameraTotals } from './controller.js';

const STATES: CameraState[] = ['idle', 'recording', 'infinite'];

export function registerCameraMetrics(registry: Registry, camera: CameraController): void {
  const registers = [registry];
  const reported: CameraTotals = { captured: 0, analyzed: 0, failed: 0, skipped: 0 };
  new Counter({
    name: 'ioncam_camera_frames_total',
    help: 'Camera frames by outcome: captured (handed to the pipeline), analyzed, failed, skipped (pipeline full)',
    labelNames: ['outcome'],
    registers,
    collect() {
      for (const outcome of Object.keys(reported) as (keyof CameraTotals)[]) {
        const delta = camera.totals[outcome] - reported[outcome];
        if (delta > 0) this.inc({ outcome }, delta);
        else this.inc({ outcome }, 0);
        reported[outcome] += Math.max(0, delta);
      }
    },
  });
  new Gauge({
    name: 'ioncam_camera_state',
    help: 'Camera state (1 for the current one)',
    labelNames: ['state'],
    registers,
    collect() {
      for (const state of STATES) this.set({ state }, camera.state === state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ioncam_camera_fps',
    help: 'Configured camera frame rate',
    registers,
    collect() {
      this.set(camera.driver.settings().fps);
    },
  });
}
