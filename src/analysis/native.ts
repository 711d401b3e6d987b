// Loads the compiled addon once. The CUDA-enabled build (npm run build:cuda) is preferred
// when present; the default node-gyp build is the CPU-only fallback.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { AnalysisResult } from './types.js';

export interface NativeOptions {
  roiX: number;
  roiY: number;
  roiWidth: number;
  roiHeight: number;
  radius: number;
  analysis: number;
  model: number;
  detector: number;
  legacyWindows?: boolean;
  gpu?: number;
}

export type NativeResult = Omit<AnalysisResult, 'roi' | 'width' | 'height'>;

export interface NativeAddon {
  analyze(frame: object, options: NativeOptions): Promise<NativeResult>;
  analyzeSync(frame: object, options: NativeOptions): NativeResult;
  buildInfo(): Record<string, unknown>;
  testing: Record<string, (...args: any[]) => any>;
  [key: string]: unknown;
}

export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function load(): NativeAddon {
  const require = createRequire(import.meta.url);
  const candidates = [
    join(packageRoot, 'build-cuda', 'Release', 'ioncam.node'),
    join(packageRoot, 'build', 'Release', 'ioncam.node'),
    join(packageRoot, 'build', 'Debug', 'ioncam.node'),
  ];
  for (const file of candidates) {
    if (existsSync(file)) return require(file) as NativeAddon;
  }
  throw new Error(
    `ioncam native addon not found (looked in ${candidates.join(', ')}); run "npm install" or "npm run build:addon"`,
  );
}

export const native: NativeAddon = load();
