export { analyze, analyzeSync, buildInfo } from './analysis/analyze.js';
export { decode, DecodeError, PixelLimitError, DEFAULT_MAX_PIXELS } from './analysis/decode.js';
export type { DecodeOptions, RawFormat } from './analysis/decode.js';
export type * from './analysis/types.js';
export { fitBatch, profileFit, BATCH_PARAMS } from './analysis/batch.js';
export type { BatchFitResult, FitBatchOptions, ProfileFit } from './analysis/batch.js';
export { gpuStatus, isGpuUnavailable, GPU_UNAVAILABLE } from './analysis/gpu.js';
export type { GpuStatus } from './analysis/gpu.js';
