// fitBatch: many independent 1D profiles fitted with one model in one native call — on the GPU
// when the CUDA addon is built, a device exists and the batch is large enough ('auto'), else on
// all CPU cores. The same bounded LM and model code as the per-ion fits of analyze().
import { native } from './native.js';
import { checkKnownOptions, choiceIndex, GPU_MODES, MODELS } from './options.js';
import type { GpuMode, VerticalModelName } from './types.js';

/** Parameter names per model, in the order of BatchFitResult.params. x0 is in profile coordinates. */
export const BATCH_PARAMS: Record<VerticalModelName, readonly string[]> = {
  gaussian: ['x0', 'sigma', 'amp', 'offset'],
  shm: ['x0', 'r', 'amp', 'offset'],
  'shm-psf': ['x0', 'r', 'sigma', 'amp', 'offset'],
};

export interface FitBatchOptions {
  /** Samples per profile; required when `profiles` is one flat Float32Array. */
  points?: number;
  /** Coordinate of each profile's first sample (sample j sits at xStart + j). Default 0. */
  xStart?: number;
  /** Default 'auto': the GPU for batches of >= 4096 profiles when one is available. */
  gpu?: GpuMode;
}

export interface BatchFitResult {
  model: VerticalModelName;
  count: number;
  points: number;
  paramNames: readonly string[];
  /** count * paramNames.length values, fit-major. */
  params: Float64Array;
  /** Standard errors (curve_fit semantics), same layout as params. */
  errors: Float64Array;
  converged: Uint8Array;
  iterations: Int32Array;
  /** LM stop reason per fit: > 0 converged (1 ftol, 2 xtol, 3 gtol, 4 stalled), < 0 not. */
  status: Int32Array;
  device: 'cpu' | 'gpu';
  /** gpu 'auto' only: why a batch meant for the GPU ran on the CPU after all (a CUDA failure). */
  gpuError?: string;
  fitMs: number;
}

export interface ProfileFit {
  params: Record<string, number>;
  errors: Record<string, number>;
  converged: boolean;
  iterations: number;
}

interface NativeBatch {
  count: number;
  numParams: number;
  params: Float64Array;
  errors: Float64Array;
  iterations: Int32Array;
  status: Int32Array;
  converged: Uint8Array;
  device: 'cpu' | 'gpu';
  gpuError?: string;
  fitMs: number;
}

type NativeFitBatch = (model: number, profiles: Float32Array, points: number, options: object) => Promise<NativeBatch>;

const KNOWN_OPTIONS = new Set(['points', 'xStart', 'gpu']);
const MAX_POINTS = 1_000_000;

function packProfiles(profiles: unknown, points: number | undefined): { data: Float32Array; points: number } {
  if (profiles instanceof Float32Array) {
    if (points === undefined) throw new TypeError('options.points is required when profiles is one flat Float32Array');
    if (profiles.length % points !== 0) {
      throw new RangeError(`profiles has ${profiles.length} samples, not a multiple of options.points = ${points}`);
    }
    for (let i = 0; i < profiles.length; i++) {
      if (!Number.isFinite(profiles[i])) throw new RangeError(`profiles[${i}] is ${profiles[i]}; samples must be finite`);
    }
    return { data: profiles, points };
  }
  if (!Array.isArray(profiles)) {
    throw new TypeError('profiles must be an array of numeric arrays or one flat Float32Array (with options.points)');
  }
  if (profiles.length === 0) return { data: new Float32Array(0), points: points ?? 0 };
  const n = (profiles[0] as ArrayLike<number> | undefined)?.length;
  if (typeof n !== 'number') throw new TypeError('profiles[0] must be an array or typed array of numbers');
  if (points !== undefined && points !== n) throw new RangeError(`options.points = ${points} but profiles[0] has ${n} samples`);
  const data = new Float32Array(profiles.length * n);
  profiles.forEach((p: unknown, i) => {
    const row = p as ArrayLike<number> | null;
    if (row === null || typeof row !== 'object' || typeof row.length !== 'number') {
      throw new TypeError(`profiles[${i}] must be an array or typed array of numbers`);
    }
    if (row.length !== n) throw new RangeError(`profiles[${i}] has ${row.length} samples, profiles[0] has ${n}`);
    for (let j = 0; j < n; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new TypeError(`profiles[${i}][${j}] is ${String(v)}; samples must be finite numbers`);
      }
      data[i * n + j] = v;
    }
  });
  return { data, points: n };
}

/**
 * Fits every profile with `model` ('gaussian', 'shm' or 'shm-psf'); each fit starts from the
 * profile's weighted moments and is bounded like analyze()'s (centre inside the profile, widths
 * in [0.2, points / 4], amplitudes >= 0, offset in [0, max]).
 */
export async function fitBatch(
  model: VerticalModelName,
  profiles: Float32Array | ArrayLike<number>[],
  options: FitBatchOptions = {},
): Promise<BatchFitResult> {
  const modelIndex = choiceIndex(MODELS, model, 'model');
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  checkKnownOptions(options, KNOWN_OPTIONS);
  const paramNames = BATCH_PARAMS[model];
  const { points: requested, xStart = 0, gpu = 'auto' } = options;
  if (requested !== undefined && (!Number.isInteger(requested) || requested <= paramNames.length || requested > MAX_POINTS)) {
    throw new RangeError(
      `options.points must be an integer in [${paramNames.length + 1}, ${MAX_POINTS}] for ${model}, got ${String(requested)}`,
    );
  }
  if (typeof xStart !== 'number' || !Number.isFinite(xStart)) {
    throw new TypeError(`options.xStart must be a finite number, got ${String(xStart)}`);
  }
  const gpuIndex = choiceIndex(GPU_MODES, gpu, 'options.gpu');
  const { data, points } = packProfiles(profiles, requested);
  const count = points > 0 ? data.length / points : 0;
  const base = { model, count, points, paramNames };
  if (count === 0) {
    return {
      ...base,
      params: new Float64Array(0),
      errors: new Float64Array(0),
      converged: new Uint8Array(0),
      iterations: new Int32Array(0),
      status: new Int32Array(0),
      device: 'cpu',
      fitMs: 0,
    };
  }
  if (points <= paramNames.length || points > MAX_POINTS) {
    throw new RangeError(`each profile needs ${paramNames.length + 1} to ${MAX_POINTS} samples for ${model}, got ${points}`);
  }
  const r = await (native.fitBatch as NativeFitBatch)(modelIndex, data, points, { xStart, gpu: gpuIndex });
  return {
    ...base,
    params: r.params,
    errors: r.errors,
    converged: r.converged,
    iterations: r.iterations,
    status: r.status,
    device: r.device,
    ...(r.gpuError === undefined ? {} : { gpuError: r.gpuError }),
    fitMs: r.fitMs,
  };
}

/** Fit `index` of a batch as named values. */
export function profileFit(result: BatchFitResult, index: number): ProfileFit {
  if (!Number.isInteger(index) || index < 0 || index >= result.count) {
    throw new RangeError(`index must be an integer in [0, ${result.count - 1}], got ${String(index)}`);
  }
  const np = result.paramNames.length;
  const params: Record<string, number> = {};
  const errors: Record<string, number> = {};
  result.paramNames.forEach((name, k) => {
    params[name] = result.params[index * np + k];
    errors[name] = result.errors[index * np + k];
  });
  return { params, errors, converged: result.converged[index] === 1, iterations: result.iterations[index] };
}
