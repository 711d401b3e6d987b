#pragma once
#include <napi.h>

namespace ioncam_node {

// analyze(frame, options): Promise<result>, the work on a libuv worker thread.
Napi::Value AnalyzeAsync(const Napi::CallbackInfo& info);
// analyzeSync(frame, options): result, on the calling thread (CLI, tests, benchmarks).
Napi::Value AnalyzeSync(const Napi::CallbackInfo& info);

}  // namespace ioncam_node
