#include <napi.h>

#include "node/batch.h"
#include "node/gpu.h"
#ifdef IONCAM_WITH_JPEG
#include "node/jpeg.h"
#endif
#include "node/pipeline.h"
#include "node/testing.h"

namespace ioncam_node {

namespace {
Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("version", "0.1.0");
#ifdef IONCAM_WITH_CUDA
  out.Set("cuda", true);
#else
  out.Set("cuda", false);
#endif
  out.Set("gpu", GpuInfoToJs(env));
#if defined(__clang__)
  out.Set("compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
  out.Set("compiler", "gcc " __VERSION__);
#endif
  return out;
}

}  // namespace
}  // namespace ioncam_node

static Napi::Object InitIoncam(Napi::Env env, Napi::Object exports) {
  using namespace ioncam_node;
  exports.Set("analyze", Napi::Function::New(env, AnalyzeAsync, "analyze"));
  exports.Set("analyzeSync", Napi::Function::New(env, AnalyzeSync, "analyzeSync"));
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
  exports.Set("gpuStatus", Napi::Function::New(env, GpuStatus, "gpuStatus"));
  exports.Set("fitBatch", Napi::Function::New(env, FitBatch, "fitBatch"));
  RegisterTesting(env, exports);
#ifdef IONCAM_WITH_JPEG
  RegisterJpeg(env, exports);
#endif
  exports.Get("testing").As<Napi::Object>().Set("batchStart", Napi::Function::New(env, BatchStart, "batchStart"));
  return exports;
}

NODE_API_MODULE(ioncam, InitIoncam)
