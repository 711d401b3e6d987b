// Prometheus view of the CUDA path: what the loaded addon can do and whether the GPU takes work.
// Values are read from the addon at scrape time.
import { Gauge, type Registry } from 'prom-client';

import { gpuStatus } from '../analysis/gpu.js';

export function registerGpuMetrics(registry: Registry): void {
  const registers = [registry];
  new Gauge({
    name: 'ioncam_gpu_info',
    help: 'CUDA build info: compiled = addon built with CUDA, device = GPU name or "none" (value always 1)',
    labelNames: ['compiled', 'device'],
    registers,
    collect() {
      const s = gpuStatus();
      this.reset();
      this.set({ compiled: String(s.compiled), device: s.device ?? 'none' }, 1);
    },
  });
  new Gauge({
    name: 'ioncam_gpu_available',
    help: '1 when the CUDA addon is loaded and a device exists (gpu auto can use it)',
    registers,
    collect() {
      this.set(gpuStatus().available ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ioncam_gpu_in_use',
    help: '1 once the GPU has taken analysis work in this process',
    registers,
    collect() {
      this.set(gpuStatus().inUse ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ioncam_analysis_jobs',
    help: 'Analyses (frames, fit batches) run so far, by device',
    labelNames: ['device'],
    registers,
    collect() {
      const s = gpuStatus();
      this.set({ device: 'gpu' }, s.gpuJobs);
      this.set({ device: 'cpu' }, s.cpuJobs);
    },
  });
}
