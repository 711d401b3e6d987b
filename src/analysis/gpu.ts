// What the CUDA path can do in this process and how much work it has taken (for /metrics).
import { native } from './native.js';

export interface GpuStatus {
  /** The loaded addon was built with CUDA (npm run build:cuda). */
  compiled: boolean;
  devices: number;
  /** compiled and a device exists: gpu 'auto' can use it. */
  available: boolean;
  device: string | null;
  computeCapability?: string;
  /** Why the GPU cannot be used, when it cannot. */
  reason?: string;
  /** Jobs (frames, batches) run on the GPU / on the CPU so far. */
  gpuJobs: number;
  cpuJobs: number;
  /** The GPU has taken work in this process. */
  inUse: boolean;
}

export function gpuStatus(): GpuStatus {
  return (native.gpuStatus as () => GpuStatus)();
}

/** The error analyze()/fitBatch() reject with when gpu 'on' finds no usable GPU. */
export const GPU_UNAVAILABLE = 'ERR_IONCAM_NO_GPU';

export function isGpuUnavailable(e: unknown): e is Error & { code: typeof GPU_UNAVAILABLE } {
  return e instanceof Error && (e as { code?: unknown }).code === GPU_UNAVAILABLE;
}
