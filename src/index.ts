export { analyze, analyzeSync, buildInfo } from './analysis/analyze.js';
export { decode, DecodeError, PixelLimitError, DEFAULT_MAX_PIXELS } from './analysis/decode.js';
export type { DecodeOptions, RawFormat } from './analysis/decode.js';
export type * from './analysis/types.js';
