#pragma once
#include <napi.h>

namespace ioncam_node {

// fitBatch(model, profiles: Float32Array, points, { xStart, gpu }): Promise of typed arrays with
// every fit (see src/analysis/batch.ts); runs on a libuv worker thread, on the GPU when the
// gpu option picks it.
Napi::Value FitBatch(const Napi::CallbackInfo& info);

}  // namespace ioncam_node
