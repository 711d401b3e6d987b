#pragma once
// Conversions between N-API values and core structs. The TS wrapper validates every
// argument first; these helpers still fail with a clear TypeError rather than crash.
#include <napi.h>

#include "core/analyze.h"

namespace ioncam_node {

// Reads {data, width, height} (data a Uint8Array, Uint16Array or Float32Array).
// On failure throws a JS TypeError and returns false.
bool ReadFrame(const Napi::Env& env, const Napi::Value& value, ioncam::FrameView* frame, Napi::Object* keep);

// Reads the native options object built by src/analysis/options.ts.
bool ReadAnalyzeOptions(const Napi::Env& env, const Napi::Value& value, const ioncam::FrameView& frame,
                        ioncam::AnalyzeOptions* opts);

Napi::Object ResultToJs(const Napi::Env& env, const ioncam::AnalyzeResult& result, const ioncam::AnalyzeOptions& opts);

double GetNumber(const Napi::Object& obj, const char* key, double fallback);

// v[0 .. n) as a JS array of numbers.
Napi::Array ToArray(const Napi::Env& env, const double* v, size_t n);

}  // namespace ioncam_node
