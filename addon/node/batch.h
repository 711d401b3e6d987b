#pragma once
#include <napi.h>

namespace ioncam_node {

// fitBatch(model, profiles: Float32Array, points, { xStart, gpu }): Promise of typed arrays with
// every fit (see src/analysis/batch.ts); runs on a libuv worker thread, on the GPU when the
// gpu option picks it.
Napi::Value FitBatch(const Napi::CallbackInfo& info);

// testing.batchStart(model, y[], xStart) -> { p0, lower, upper }: the start values and bounds a
// batch fit of that profile uses, so tests can repeat it with testing.fitProfile.
Napi::Value BatchStart(const Napi::CallbackInfo& info);

}  // namespace ioncam_node
