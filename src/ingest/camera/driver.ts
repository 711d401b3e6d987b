// The interface every camera plugs in through. A driver owns the hardware timing: once started
// it emits frames at its own pace; the controller decides what happens to each one.
import type { EventEmitter } from 'node:events';

export type PixelDtype = 'uint8' | 'uint16';

/** One frame as the camera delivered it. */
export interface CameraFrame {
  /** Encoded image (PNG, JPEG, ...) or, when `raw` is set, bare little-endian pixels row after row. */
  input: Buffer;
  raw?: { width: number; height: number; dtype: PixelDtype };
  /** Counts from 0 at each start() of the driver. */
  index: number;
  /** Wall-clock capture time, ms since the epoch. */
  capturedAt: number;
  /** Driver-specific facts worth keeping with the result (exposure, simulated R_y, ...). */
  meta?: Record<string, unknown>;
}

/** Settings every driver understands; drivers may add their own. */
export interface CameraBaseSettings {
  fps: number;
  width: number;
  height: number;
}

/**
 * A camera. Events: 'frame' (CameraFrame) while running; 'error' (Error) when the hardware fails
 * (the controller then stops). start() and stop() are idempotent; stop() guarantees that no
 * 'frame' follows it.
 */
export interface CameraDriver<S extends CameraBaseSettings = CameraBaseSettings> extends EventEmitter {
  /** Short name shown in the status, e.g. 'simulated'. */
  readonly name: string;
  readonly running: boolean;
  start(): void;
  stop(): void;
  /** JSON schema of the object configure() accepts (published in the OpenAPI document). */
  readonly settingsSchema: Record<string, unknown>;
  /** The current settings (a copy). */
  settings(): S;
  /**
   * Changes settings, also while running (they apply from the next frame). Throws TypeError or
   * RangeError, changing nothing, when any value is unacceptable.
   */
  configure(patch: Partial<S>): void;
}
