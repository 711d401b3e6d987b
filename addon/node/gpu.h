#pragma once
// The `gpu: 'auto' | 'on' | 'off'` option (native value 0 / 1 / 2): decides per call whether
// work goes to the CUDA path, and reports what is compiled in and in use.
#include <napi.h>

#include <cstddef>

namespace ioncam_node {

enum class GpuMode : int { Auto = 0, On = 1, Off = 2 };

// Below these sizes 'auto' keeps work on the CPU: transfers and launches cost more than they save.
constexpr size_t kGpuMinFramePixels = size_t{1} << 20;  // a 1024 x 1024 ROI
constexpr size_t kGpuMinProfiles = 4096;

// options.gpu as a mode; anything but 1 or 2 is 'auto' (the TS wrapper has validated it).
GpuMode ReadGpuMode(const Napi::Object& options);

// Whether `work` units (pixels, profiles) should run on the GPU. 'auto' takes the GPU when it is
// compiled in, a device exists and work >= min_work; with no device it falls back to the CPU and
// logs one line per process. 'on' without a device throws a JS Error (code ERR_IONCAM_NO_GPU)
// and returns false with *ok = false.
bool ChooseGpu(const Napi::Env& env, GpuMode mode, size_t work, size_t min_work, bool* ok);

// Counts a finished job, for gpuStatus() / the ioncam_gpu_in_use gauge.
void CountJob(bool on_gpu);

// buildInfo().gpu and the gpuStatus() export.
Napi::Object GpuInfoToJs(const Napi::Env& env);
Napi::Value GpuStatus(const Napi::CallbackInfo& info);

}  // namespace ioncam_node
