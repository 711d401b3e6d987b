// Runs the camera: a recording of N frames or infinite capture, feeding every frame to the
// pipeline. A camera cannot be paused, so when the pipeline is full the controller holds the
// frame in hand until there is room and SKIPS (and counts) the frames the camera delivers
// meanwhile, like a frame grabber overrun. Frames the pipeline accepted always get their result:
// a recording of N frames ends only when all N results are in.
import { EventEmitter } from 'node:events';

import { resolveOptions } from '../../analysis/options.js';
import type { AnalyzeOptions } from '../../analysis/types.js';
import { QueueFullError, ShuttingDownError } from '../../pipeline/errors.js';
import type { FrameResult, FrameSubmission } from '../../pipeline/types.js';
import type { CameraBaseSettings, CameraDriver, CameraFrame } from './driver.js';

/** What the controller needs of the pipeline (app.pipeline satisfies it). */
export interface FrameIntake {
  submit(sub: FrameSubmission): Promise<FrameResult>;
  hasCapacity(): boolean;
  waitForCapacity(): Promise<void>;
  /** Stored by the pipeline in every result while set. */
  experimentId: string | null;
}

export type CameraState = 'idle' | 'recording' | 'infinite';

export type CameraStatus = {
  state: CameraState;
  /** Frames of the current (or last) run handed to the pipeline. */
  framesCaptured: number;
  /** Frames a recording still has to capture; null for infinite capture and when idle. */
  framesRemaining: number | null;
  /** Frames of the run with a result / that the pipeline could not analyse. */
  framesAnalyzed: number;
  framesFailed: number;
  /** Frames the camera delivered while the pipeline was full (not analysed, only counted). */
  framesSkipped: number;
  fps: number;
  width: number;
  height: number;
  experimentId: string | null;
  driver: string;
  /** Options every camera frame is analysed with, and whether results are saved. */
  options: AnalyzeOptions;
  save: boolean | null;
  settings: CameraBaseSettings & Record<string, unknown>;
  /** Why the last run ended early (driver failure, server shutting down), else null. */
  lastError: string | null;
};

/** Cumulative counts since the controller was made (for Prometheus). */
export interface CameraTotals {
  captured: number;
  analyzed: number;
  failed: number;
  skipped: number;
}

/** Thrown when a run is asked for while one is going (HTTP 409). */
export class CameraBusyError extends Error {
  override name = 'CameraBusyError';
}

export const MAX_RECORDING_FRAMES = 10_000_000;
export const MAX_EXPERIMENT_ID_LENGTH = 128;

/** Experiment ids end up in result files: no path separators, no control characters. */
export function checkExperimentId(id: unknown): asserts id is string | null {
  if (id === null) return;
  if (typeof id !== 'string') throw new TypeError(`experiment id must be a string or null, got ${typeof id}`);
  if (id.length > MAX_EXPERIMENT_ID_LENGTH) {
    throw new RangeError(`experiment id must be at most ${MAX_EXPERIMENT_ID_LENGTH} characters, got ${id.length}`);
  }
  if (/[/\\]/.test(id)) throw new RangeError('experiment id must not contain path separators (/ or \\)');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) throw new RangeError('experiment id must not contain control characters');
  if (id === '.' || id === '..') throw new RangeError(`experiment id must not be "${id}"`);
}

interface Run {
  mode: 'recording' | 'infinite';
  target: number | null;
  captured: number;
  analyzed: number;
  failed: number;
  skipped: number;
  inFlight: number;
  /** Frames taken from the camera that the pipeline has not accepted yet (oldest first). */
  held: CameraFrame[];
  /** A wait for pipeline capacity is pending (only one at a time). */
  waiting: boolean;
  /** False once the camera stopped for this run (target reached, stop, failure); results may still come. */
  capturing: boolean;
}

export interface CameraUpdate {
  settings?: Record<string, unknown>;
  options?: AnalyzeOptions;
  save?: boolean | null;
}

export interface ControllerOptions {
  options?: AnalyzeOptions;
  /** undefined = the server's default. */
  save?: boolean;
}

/**
 * Events: 'status' (CameraStatus) on every change of state, experiment or settings, and at the
 * end of a run; 'progress' (CameraStatus) at most once a second while capturing.
 */
export class CameraController extends EventEmitter {
  private run: Run | null = null;
  private lastRun: Run | null = null;
  private lastError: string | null = null;
  private options: AnalyzeOptions;
  private save: boolean | undefined;
  private lastProgress = 0;
  readonly totals: CameraTotals = { captured: 0, analyzed: 0, failed: 0, skipped: 0 };

  constructor(
    readonly driver: CameraDriver,
    private readonly intake: FrameIntake,
    options: ControllerOptions = {},
  ) {
    super();
    this.options = {};
    this.update({ options: options.options ?? {}, save: options.save });
    driver.on('frame', (frame: CameraFrame) => this.onFrame(frame));
    driver.on('error', (e: Error) => this.abort(`camera failed: ${e.message}`));
  }

  get state(): CameraState {
    if (this.run === null) return 'idle';
    return this.run.mode;
  }

  status(): CameraStatus {
    const run = this.run ?? this.lastRun;
    const settings = this.driver.settings();
    return {
      state: this.state,
      framesCaptured: run?.captured ?? 0,
      framesRemaining: this.run?.target != null ? this.run.target - this.run.captured : null,
      framesAnalyzed: run?.analyzed ?? 0,
      framesFailed: run?.failed ?? 0,
      framesSkipped: run?.skipped ?? 0,
      fps: settings.fps,
      width: settings.width,
      height: settings.height,
      experimentId: this.intake.experimentId,
      driver: this.driver.name,
      options: this.options,
      save: this.save ?? null,
      settings: settings as CameraBaseSettings & Record<string, unknown>,
      lastError: this.lastError,
    };
  }

  /** Captures exactly `frames` frames; the run ends when all of their results are in. */
  startRecording(frames: number): CameraStatus {
    if (!Number.isInteger(frames) || frames < 1 || frames > MAX_RECORDING_FRAMES) {
      throw new RangeError(`frames must be an integer in [1, ${MAX_RECORDING_FRAMES}], got ${String(frames)}`);
    }
    return this.begin('recording', frames);
  }

  /** Captures until stop(). */
  startInfinite(): CameraStatus {
    return this.begin('infinite', null);
  }

  /**
   * Stops capturing now; frames already accepted still get their results. Frames the pipeline
   * had not taken yet are counted as skipped. Stopping an idle camera changes nothing.
   */
  stop(): CameraStatus {
    const run = this.run;
    if (run === null) return this.status();
    this.stopCamera(run);
    this.dropHeld(run);
    this.finish(run);
    return this.status();
  }

  /** Sets the id stored in every result from now on; null or "" clears it. */
  setExperiment(id: string | null): CameraStatus {
    checkExperimentId(id);
    this.intake.experimentId = id === '' ? null : id;
    this.changed();
    return this.status();
  }

  /**
   * Changes driver settings (also while running; from the next frame), the analysis options of
   * the frames to come and whether they are saved (null = the server's default). All or nothing:
   * TypeError/RangeError and no change when any part is unacceptable.
   */
  update(change: CameraUpdate): CameraStatus {
    if (change.save !== undefined && change.save !== null && typeof change.save !== 'boolean') {
      throw new TypeError('save must be true, false or null');
    }
    const settings = change.settings ?? {};
    const previous = this.driver.settings();
    const reconfigured = Object.keys(settings).length > 0;
    if (reconfigured) this.driver.configure(settings as Partial<CameraBaseSettings>);
    try {
      // The library's own checks of the options (new or kept) against a frame of the camera's
      // size, so that a size change cannot leave an ROI off the frame (pixels are not looked at).
      const { width, height } = this.driver.settings();
      resolveOptions(change.options ?? this.options, { width, height, data: new Uint8Array(0) });
    } catch (e) {
      if (reconfigured) this.driver.configure(previous);
      throw e;
    }
    if (change.options !== undefined) this.options = { ...change.options };
    if (change.save !== undefined) this.save = change.save ?? undefined;
    this.changed();
    return this.status();
  }

  private begin(mode: Run['mode'], target: number | null): CameraStatus {
    if (this.run !== null) {
      throw new CameraBusyError(`the camera is already ${this.run.mode === 'recording' ? 'recording' : 'capturing'}; stop it first`);
    }
    this.run = { mode, target, captured: 0, analyzed: 0, failed: 0, skipped: 0, inFlight: 0, held: [], waiting: false, capturing: true };
    this.lastError = null;
    this.lastProgress = performance.now();
    this.driver.start();
    this.changed();
    return this.status();
  }

  private onFrame(frame: CameraFrame): void {
    const run = this.run;
    if (run === null || !run.capturing) return;
    if (run.held.length > 0) {
      run.skipped++;
      this.totals.skipped++;
    } else {
      run.held.push(frame);
      this.handOver(run);
    }
    this.progress();
  }

  /** Submits held frames while the pipeline has room; otherwise waits for room once. */
  private handOver(run: Run): void {
    while (run.held.length > 0) {
      if (!this.intake.hasCapacity()) {
        if (!run.waiting) {
          run.waiting = true;
          void this.intake.waitForCapacity().then(() => {
            run.waiting = false;
            if (this.run === run) this.handOver(run);
          });
        }
        return;
      }
      this.submit(run, run.held.shift()!);
    }
    if (run.target !== null && run.captured >= run.target) this.stopCamera(run);
    this.maybeFinish(run);
  }

  private submit(run: Run, frame: CameraFrame): void {
    run.captured++;
    run.inFlight++;
    this.totals.captured++;
    const sub: FrameSubmission = {
      input: frame.input,
      options: this.options,
      source: 'camera',
      meta: { ...frame.meta, camera: this.driver.name, frame: frame.index, capturedAt: new Date(frame.capturedAt).toISOString() },
    };
    if (frame.raw) sub.raw = frame.raw;
    if (this.save !== undefined) sub.save = this.save;
    this.intake.submit(sub).then(
      () => {
        run.inFlight--;
        run.analyzed++;
        this.totals.analyzed++;
        this.maybeFinish(run);
      },
      (e: unknown) => {
        run.inFlight--;
        if (e instanceof QueueFullError) {
          // Refused after all (the room went between the check and the hand-over): not captured.
          run.captured--;
          this.totals.captured--;
          if (this.run === run) {
            run.held.unshift(frame);
            this.handOver(run);
          } else {
            run.skipped++;
            this.totals.skipped++;
          }
          return;
        }
        run.failed++;
        this.totals.failed++;
        if (e instanceof ShuttingDownError) this.abort('the server is shutting down');
        this.maybeFinish(run);
      },
    );
  }

  private stopCamera(run: Run): void {
    if (!run.capturing) return;
    run.capturing = false;
    if (this.run === run) this.driver.stop();
  }

  /** Frames taken from the camera but not accepted by the pipeline are counted as skipped. */
  private dropHeld(run: Run): void {
    run.skipped += run.held.length;
    this.totals.skipped += run.held.length;
    run.held = [];
  }

  /** A recording is over when all of its frames have their results. */
  private maybeFinish(run: Run): void {
    if (this.run === run && !run.capturing && run.held.length === 0 && run.inFlight === 0) this.finish(run);
  }

  private finish(run: Run): void {
    if (this.run !== run) return;
    this.lastRun = run;
    this.run = null;
    this.changed();
  }

  private abort(reason: string): void {
    const run = this.run;
    this.lastError = reason;
    if (run === null) return;
    this.stopCamera(run);
    this.dropHeld(run);
    this.finish(run);
  }

  private changed(): void {
    this.emit('status', this.status());
  }

  private progress(): void {
    const now = performance.now();
    if (now - this.lastProgress < 1000) return;
    this.lastProgress = now;
    this.emit('progress', this.status());
  }
}
