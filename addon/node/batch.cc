#include "node/batch.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <string>

#include "core/batch_fit.h"
#include "node/common.h"
#include "node/gpu.h"
#ifdef IONCAM_WITH_CUDA
#include "cuda/fit_batch.h"
#endif

namespace ioncam_node {

namespace {

template <typename Array, typename T>
Array CopyOut(const Napi::Env& env, const std::vector<T>& v) {
  Array a = Array::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(T));
  return a;
}

class FitBatchWorker : public Napi::AsyncWorker {
 public:
  FitBatchWorker(Napi::Env env, Napi::TypedArray profiles, ioncam::BatchModel model, size_t count, int points,
                 double x_start, bool use_gpu, GpuMode mode)
      : Napi::AsyncWorker(env, "ioncam.fitBatch"),
        deferred_(Napi::Promise::Deferred::New(env)),
        model_(model),
        count_(count),
        points_(points),
        x_start_(x_start),
        use_gpu_(use_gpu),
        mode_(mode) {
    // Keeps the samples alive while the worker thread reads them.
    profiles_ref_ = Napi::Persistent(profiles.As<Napi::Object>());
    data_ = reinterpret_cast<const float*>(static_cast<const uint8_t*>(profiles.ArrayBuffer().Data()) + profiles.ByteOffset());
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    const auto t0 = std::chrono::steady_clock::now();
    const ioncam::LmSettings settings;
#ifdef IONCAM_WITH_CUDA
    if (use_gpu_) {
      std::string error;
      on_gpu_ = ioncam::gpu::fit_batch(model_, data_, count_, points_, x_start_, settings, &result_, &error);
      if (!on_gpu_ && mode_ == GpuMode::On) {
        SetError("fitBatch on the GPU failed: " + error);
        return;
      }
      if (!on_gpu_) gpu_error_ = error;  // 'auto': fall back to the CPU below
    }
#endif
    if (!on_gpu_) ioncam::fit_batch_cpu(model_, data_, count_, points_, x_start_, settings, &result_);
    fit_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }

  void OnOK() override {
    Napi::Env env = Env();
    CountJob(on_gpu_);
    Napi::Object out = Napi::Object::New(env);
    out.Set("count", static_cast<double>(count_));
    out.Set("numParams", result_.num_params);
    out.Set("params", CopyOut<Napi::Float64Array>(env, result_.params));
    out.Set("errors", CopyOut<Napi::Float64Array>(env, result_.errors));
    out.Set("iterations", CopyOut<Napi::Int32Array>(env, result_.iterations));
    out.Set("status", CopyOut<Napi::Int32Array>(env, result_.status));
    out.Set("converged", CopyOut<Napi::Uint8Array>(env, result_.converged));
    out.Set("device", on_gpu_ ? "gpu" : "cpu");
    if (!gpu_error_.empty()) out.Set("gpuError", gpu_error_);
    out.Set("fitMs", fit_ms_);
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference profiles_ref_;
  const float* data_ = nullptr;
  ioncam::BatchModel model_;
  size_t count_;
  int points_;
  double x_start_;
  bool use_gpu_;
  GpuMode mode_;
  bool on_gpu_ = false;
  std::string gpu_error_;
  ioncam::BatchResult result_;
  double fit_ms_ = 0;
};

}  // namespace

Napi::Value FitBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // The TS wrapper validates everything; these checks only keep a bad direct call from crashing.
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsTypedArray() || !info[2].IsNumber() || !info[3].IsObject()) {
    Napi::TypeError::New(env, "fitBatch(model, profiles: Float32Array, points, options)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int model = info[0].As<Napi::Number>().Int32Value();
  Napi::TypedArray profiles = info[1].As<Napi::TypedArray>();
  const double points = info[2].As<Napi::Number>().DoubleValue();
  Napi::Object opts = info[3].As<Napi::Object>();
  if (model < 0 || model > 2) {
    Napi::TypeError::New(env, "fitBatch: unknown model index").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int np = ioncam::batch::num_params(static_cast<ioncam::BatchModel>(model));
  if (profiles.TypedArrayType() != napi_float32_array || !(points >= np + 1) || points != std::floor(points) ||
      points > 1e6 || profiles.ElementLength() % static_cast<size_t>(points) != 0) {
    Napi::TypeError::New(env, "fitBatch: profiles must be a Float32Array of count * points samples, points > parameters")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const size_t count = profiles.ElementLength() / static_cast<size_t>(points);
  const double x_start = GetNumber(opts, "xStart", 0);
  const GpuMode mode = ReadGpuMode(opts);
  bool ok = true;
  bool use_gpu = ChooseGpu(env, mode, count, kGpuMinProfiles, &ok);
  if (!ok) return env.Undefined();
#ifdef IONCAM_WITH_CUDA
  // Profiles too long for the kernel's buffer: 'on' is an error, 'auto' quietly uses the CPU.
  if (use_gpu && points > ioncam::gpu::kMaxBatchPoints) {
    if (mode == GpuMode::On) {
      Napi::RangeError::New(env, "fitBatch: gpu 'on' takes profiles of at most " +
                                     std::to_string(ioncam::gpu::kMaxBatchPoints) + " samples")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    use_gpu = false;
  }
#endif
  auto* worker = new FitBatchWorker(env, profiles, static_cast<ioncam::BatchModel>(model), count,
                                    static_cast<int>(points), x_start, use_gpu, mode);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value BatchStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsArray() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "batchStart(model, y: number[], xStart)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int model = info[0].As<Napi::Number>().Int32Value();
  Napi::Array ys = info[1].As<Napi::Array>();
  const int n = static_cast<int>(ys.Length());
  if (model < 0 || model > 2 || n < 2) {
    Napi::RangeError::New(env, "batchStart: model index 0..2 and at least 2 samples").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<double> x(n), y(n);
  const double x_start = info[2].As<Napi::Number>().DoubleValue();
  for (int j = 0; j < n; ++j) {
    x[j] = x_start + j;
    // Rounded through float like fitBatch's Float32Array samples.
    y[j] = static_cast<float>(ys.Get(static_cast<uint32_t>(j)).ToNumber().DoubleValue());
  }
  const auto which = static_cast<ioncam::BatchModel>(model);
  double p[ioncam::batch::kMaxParams], lo[ioncam::batch::kMaxParams], hi[ioncam::batch::kMaxParams];
  ioncam::batch::start_and_bounds(which, x.data(), y.data(), n, p, lo, hi);
  const int np = ioncam::batch::num_params(which);
  Napi::Object out = Napi::Object::New(env);
  out.Set("p0", ToArray(env, p, np));
  out.Set("lower", ToArray(env, lo, np));
  out.Set("upper", ToArray(env, hi, np));
  return out;
}

}  // namespace ioncam_node
