// The controller against the real pipeline (real decode and analysis, no HTTP): the hand-over
// when the pipeline refuses a frame it had just said it had room for, and run accounting.
import { describe, expect, it } from 'vitest';

import { CameraBusyError, CameraController, checkExperimentId } from '../src/ingest/camera/controller.js';
import { SimulatedCamera } from '../src/ingest/camera/simulated.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import type { FrameResult, ProcessedFrame } from '../src/pipeline/types.js';

function pipeline(backPressure?: () => string | null): { pipeline: Pipeline; results: FrameResult[]; refused: { n: number } } {
  const results: FrameResult[] = [];
  const refused = { n: 0 };
  const p = new Pipeline({
    workers: 2,
    queueSize: 4,
    queueBytes: 64 * 1024 * 1024,
    maxPixels: 1e8,
    retryAfter: 1,
    defaultSave: false,
    sinks: [{ accept: (done: ProcessedFrame) => void results.push(done.result) }],
    observer: { received() {}, rejected: () => void refused.n++, failed() {}, processed() {} },
    ...(backPressure ? { backPressure } : {}),
  });
  return { pipeline: p, results, refused };
}

function untilIdle(camera: CameraController): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (camera.state === 'idle') {
        camera.off('status', check);
        resolve();
      }
    };
    camera.on('status', check);
  });
}

describe('camera controller', () => {
  it('takes back a frame the pipeline refuses after all, and still records exactly N', async () => {
    // Every third admission check refuses: sometimes the check before the hand-over, sometimes
    // the pipeline's own check inside submit (the frame then comes back and is handed over again).
    let checks = 0;
    const { pipeline: p, results, refused } = pipeline(() => (++checks % 3 === 0 ? 'writer behind' : null));
    const driver = new SimulatedCamera({ fps: 400, width: 64, height: 64, ions: 1 });
    let delivered = 0;
    driver.on('frame', () => delivered++);
    const camera = new CameraController(driver, p);
    const done = untilIdle(camera);
    camera.startRecording(30);
    await done;
    const status = camera.status();
    expect(results).toHaveLength(30);
    expect(new Set(results.map((r) => r.meta.frame)).size).toBe(30);
    expect(status).toMatchObject({ state: 'idle', framesCaptured: 30, framesAnalyzed: 30, framesFailed: 0 });
    expect(delivered).toBe(30 + status.framesSkipped);
    expect(camera.totals).toMatchObject({ captured: 30, analyzed: 30, skipped: status.framesSkipped });
    expect(driver.running).toBe(false);
    expect(refused.n).toBeGreaterThan(0); // the take-back path really ran
    await p.close();
  });

  it('stamps results with the experiment id, refuses a second run, and counts analysis failures', async () => {
    const { pipeline: p, results } = pipeline();
    const driver = new SimulatedCamera({ fps: 200, width: 64, height: 64, ions: 1 });
    const camera = new CameraController(driver, p);
    camera.setExperiment('exp-7');
    let done = untilIdle(camera);
    camera.startRecording(3);
    expect(() => camera.startInfinite()).toThrow(CameraBusyError);
    expect(() => camera.startRecording(2)).toThrow(CameraBusyError);
    await done;
    expect(results.map((r) => r.experimentId)).toEqual(['exp-7', 'exp-7', 'exp-7']);
    expect(results.every((r) => r.source === 'camera' && r.width === 64)).toBe(true);

    // Options the library accepts for a 64x64 frame, then a resize under them: frames still fail
    // cleanly if a driver changes size behind the controller's back.
    camera.update({ options: { roi: { x: 40, y: 0, width: 20, height: 20 } } });
    driver.configure({ width: 32, height: 32 });
    done = untilIdle(camera);
    camera.startRecording(2);
    await done;
    expect(camera.status()).toMatchObject({ framesCaptured: 2, framesAnalyzed: 0, framesFailed: 2 });
    await p.close();
  });

  it('validates recording lengths and experiment ids', () => {
    const { pipeline: p } = pipeline();
    const camera = new CameraController(new SimulatedCamera(), p);
    for (const bad of [0, -1, 1.5, Number.NaN, 1e8]) expect(() => camera.startRecording(bad)).toThrow(RangeError);
    expect(camera.state).toBe('idle');
    expect(() => checkExperimentId('a/b')).toThrow(/path separators/);
    expect(() => checkExperimentId('a\\b')).toThrow(/path separators/);
    expect(() => checkExperimentId('x'.repeat(129))).toThrow(/128/);
    expect(() => checkExperimentId('..')).toThrow(RangeError);
    expect(() => checkExperimentId(7)).toThrow(TypeError);
    expect(() => checkExperimentId('exp 2026-11-28 #3')).not.toThrow();
    expect(() => camera.update({ save: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => camera.update({ options: { model: 'nope' as never } })).toThrow(TypeError);
  });
});
