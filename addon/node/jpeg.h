#pragma once
// decodeJpeg(buffer, maxPixels): Promise<{ width, height, data: Buffer } | { width, height, tooBig: true }>
// JPEG straight to 8-bit grey with libjpeg-turbo on a worker thread. Built only when the system
// has libjpeg (binding.gyp sets IONCAM_WITH_JPEG); otherwise decode() uses sharp for JPEG too.
#include <napi.h>

namespace ioncam_node {

void RegisterJpeg(Napi::Env env, Napi::Object exports);

}  // namespace ioncam_node
