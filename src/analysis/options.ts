// Argument checking for the public API: every bad value becomes a TypeError or RangeError
// with a message that names the argument, before anything reaches the addon.
import type { NativeOptions } from './native.js';
import type { AnalyzeOptions, Frame, RoiRect } from './types.js';

export const MODELS = ['shm-psf', 'shm', 'gaussian'] as const;
export const DETECTORS = ['peaks', 'legacy'] as const;
export const GPU_MODES = ['auto', 'on', 'off'] as const;
export const MAX_RADIUS = 500;
export const MAX_DIMENSION = 65535;

const KNOWN_OPTIONS = new Set(['roi', 'radius', 'analysis', 'model', 'detector', 'gpu']);

/** Index of `value` in `choices`; a TypeError naming `name` and the choices when it is not one. */
export function choiceIndex(choices: readonly string[], value: unknown, name: string): number {
  const index = choices.indexOf(value as string);
  if (index < 0) throw new TypeError(`${name} must be one of ${choices.join(', ')}, got ${String(value)}`);
  return index;
}

/** A TypeError for the first key of `options` that is not in `known`. */
export function checkKnownOptions(options: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`unknown option "${key}" (known: ${[...known].join(', ')})`);
  }
}

function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

export function checkFrame(frame: unknown, name = 'frame'): asserts frame is Frame {
  if (frame === null || typeof frame !== 'object') {
    throw new TypeError(`${name} must be an object { width, height, data }, got ${frame === null ? 'null' : typeof frame}`);
  }
  const f = frame as Partial<Frame>;
  for (const key of ['width', 'height'] as const) {
    const v = f[key];
    if (!isInteger(v) || v < 1 || v > MAX_DIMENSION) {
      throw new TypeError(`${name}.${key} must be an integer in [1, ${MAX_DIMENSION}], got ${String(v)}`);
    }
  }
  const data = f.data;
  if (!(data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Float32Array)) {
    throw new TypeError(`${name}.data must be a Uint8Array, Uint16Array or Float32Array`);
  }
  if (data.length !== f.width! * f.height!) {
    throw new TypeError(
      `${name}.data has ${data.length} pixels but width * height = ${f.width} * ${f.height} = ${f.width! * f.height!}`,
    );
  }
  if (data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new TypeError(`${name}.data[${i}] is ${data[i]}; float frames must be finite`);
    }
  }
}

/** Converts either ROI convention to ours, clamped to the frame; throws if nothing is left. */
export function resolveRoi(roi: AnalyzeOptions['roi'], width: number, height: number): RoiRect {
  if (roi === undefined) return { x: 0, y: 0, width, height };
  if (roi === null || typeof roi !== 'object') throw new TypeError('options.roi must be an object');
  let x0: number, y0: number, x1: number, y1: number;
  if ('xstart' in roi || 'xfinish' in roi || 'ystart' in roi || 'yfinish' in roi) {
    const r = roi as unknown as Record<string, unknown>;
    for (const k of ['xstart', 'xfinish', 'ystart', 'yfinish']) {
      if (!isInteger(r[k])) throw new TypeError(`options.roi.${k} must be an integer, got ${String(r[k])}`);
    }
    // Legacy: x* index rows, y* index columns.
    y0 = r.xstart as number;
    y1 = r.xfinish as number;
    x0 = r.ystart as number;
    x1 = r.yfinish as number;
  } else {
    const r = roi as unknown as Record<string, unknown>;
    for (const k of ['x', 'y', 'width', 'height']) {
      if (!isInteger(r[k])) throw new TypeError(`options.roi.${k} must be an integer, got ${String(r[k])}`);
    }
    if ((r.width as number) < 1 || (r.height as number) < 1) {
      throw new RangeError(`options.roi width and height must be >= 1, got ${r.width}x${r.height}`);
    }
    x0 = r.x as number;
    y0 = r.y as number;
    x1 = x0 + (r.width as number);
    y1 = y0 + (r.height as number);
  }
  const cx0 = Math.max(0, x0), cy0 = Math.max(0, y0);
  const cx1 = Math.min(width, x1), cy1 = Math.min(height, y1);
  if (cx1 <= cx0 || cy1 <= cy0) {
    throw new RangeError(
      `options.roi (columns ${x0}..${x1}, rows ${y0}..${y1}) does not overlap the ${width}x${height} frame`,
    );
  }
  return { x: cx0, y: cy0, width: cx1 - cx0, height: cy1 - cy0 };
}

export interface ResolvedOptions {
  roi: RoiRect;
  native: NativeOptions;
}

export function resolveOptions(options: AnalyzeOptions | undefined, frame: Frame): ResolvedOptions {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  checkKnownOptions(options, KNOWN_OPTIONS);
  const radius = options.radius ?? 20;
  if (typeof radius !== 'number' || !Number.isFinite(radius)) {
    throw new TypeError(`options.radius must be a finite number, got ${String(radius)}`);
  }
  if (radius <= 0 || radius > MAX_RADIUS) throw new RangeError(`options.radius must be in (0, ${MAX_RADIUS}], got ${radius}`);
  const analysis = options.analysis ?? 2;
  if (analysis !== 0 && analysis !== 1 && analysis !== 2) {
    throw new RangeError(`options.analysis must be 0, 1 or 2, got ${String(analysis)}`);
  }
  const modelIndex = choiceIndex(MODELS, options.model ?? 'shm-psf', 'options.model');
  const detectorIndex = choiceIndex(DETECTORS, options.detector ?? 'peaks', 'options.detector');
  const gpuIndex = choiceIndex(GPU_MODES, options.gpu ?? 'auto', 'options.gpu');
  const roi = resolveRoi(options.roi, frame.width, frame.height);
  return {
    roi,
    native: {
      roiX: roi.x,
      roiY: roi.y,
      roiWidth: roi.width,
      roiHeight: roi.height,
      radius,
      analysis,
      model: modelIndex,
      detector: detectorIndex,
      gpu: gpuIndex,
    },
  };
}
