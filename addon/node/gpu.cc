#include "node/gpu.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "cuda/gpu.h"

namespace ioncam_node {

namespace {
std::atomic<uint64_t> gpu_jobs{0}, cpu_jobs{0};
std::once_flag fallback_logged;
}  // namespace

GpuMode ReadGpuMode(const Napi::Object& options) {
  Napi::Value v = options.Get("gpu");
  if (!v.IsNumber()) return GpuMode::Auto;
  const int m = v.As<Napi::Number>().Int32Value();
  return m == 1 ? GpuMode::On : m == 2 ? GpuMode::Off : GpuMode::Auto;
}

bool ChooseGpu(const Napi::Env& env, GpuMode mode, size_t work, size_t min_work, bool* ok) {
  *ok = true;
  if (mode == GpuMode::Off) return false;
  const ioncam::gpu::DeviceStatus& dev = ioncam::gpu::device_status();
  if (mode == GpuMode::On) {
    if (dev.usable()) return true;
    Napi::Error err = Napi::Error::New(env, "gpu: 'on' was requested but the GPU cannot be used: " + dev.reason);
    err.Set("code", Napi::String::New(env, "ERR_IONCAM_NO_GPU"));
    err.ThrowAsJavaScriptException();
    *ok = false;
    return false;
  }
  if (!dev.usable()) {
    // Only a CUDA build announces its fallback: there the user asked for a GPU and should learn why
    // it is idle; a CPU-only build running on the CPU is the expected case.
    if (dev.compiled) {
      std::call_once(fallback_logged, [&] {
        std::fprintf(stderr, "ioncam: gpu 'auto': %s; analysing on the CPU\n", dev.reason.c_str());
      });
    }
    return false;
  }
  return work >= min_work;
}

void CountJob(bool on_gpu) { (on_gpu ? gpu_jobs : cpu_jobs).fetch_add(1, std::memory_order_relaxed); }

Napi::Object GpuInfoToJs(const Napi::Env& env) {
  const ioncam::gpu::DeviceStatus& dev = ioncam::gpu::device_status();
  Napi::Object out = Napi::Object::New(env);
  out.Set("compiled", dev.compiled);
  out.Set("devices", dev.devices);
  out.Set("available", dev.usable());
  out.Set("device", dev.usable() ? Napi::Value(Napi::String::New(env, dev.name)) : env.Null());
  if (dev.usable()) out.Set("computeCapability", std::to_string(dev.cc_major) + "." + std::to_string(dev.cc_minor));
  if (!dev.usable()) out.Set("reason", dev.reason);
  return out;
}

Napi::Value GpuStatus(const Napi::CallbackInfo& info) {
  Napi::Object out = GpuInfoToJs(info.Env());
  const uint64_t on_gpu = gpu_jobs.load();
  out.Set("gpuJobs", static_cast<double>(on_gpu));
  out.Set("cpuJobs", static_cast<double>(cpu_jobs.load()));
  out.Set("inUse", on_gpu > 0);
  return out;
}

}  // namespace ioncam_node
