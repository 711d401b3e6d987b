import { native, type NativeResult } from './native.js';
import { checkFrame, resolveOptions } from './options.js';
import type { AnalysisResult, AnalyzeOptions, Frame, RoiRect } from './types.js';

function finish(result: NativeResult, frame: Frame, roi: RoiRect): AnalysisResult {
  return { ...result, roi, width: frame.width, height: frame.height };
}

/** Detects and fits every ion in the frame on a native worker thread. */
export async function analyze(frame: Frame, options?: AnalyzeOptions): Promise<AnalysisResult> {
  checkFrame(frame);
  const { roi, native: opts } = resolveOptions(options, frame);
  return finish(await native.analyze(frame, opts), frame, roi);
}

/** The same analysis on the calling thread (offline scripts, benchmarks). */
export function analyzeSync(frame: Frame, options?: AnalyzeOptions): AnalysisResult {
  checkFrame(frame);
  const { roi, native: opts } = resolveOptions(options, frame);
  return finish(native.analyzeSync(frame, opts), frame, roi);
}

export function buildInfo(): Record<string, unknown> {
  return native.buildInfo();
}
