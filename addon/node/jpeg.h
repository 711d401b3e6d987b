#pragma once
// decodeJpeg(buffer, maxPixels): Promise<{ width, height, data: Buffer } | { width, height, tooBig: true }>
//   JPEG straight to 8-bit grey with libjpeg-turbo on a worker thread.
// encodeJpeg(pixels, width, height, channels 1|3, quality): Promise<Buffer>
//   8-bit grey or RGB pixels to JPEG on a worker thread (the annotated frames);
//   encodeJpegSync(...) the same on the calling thread.
// Built only when the system has libjpeg (binding.gyp sets IONCAM_WITH_JPEG); otherwise sharp
// does both.
#include <napi.h>

namespace ioncam_node {

void RegisterJpeg(Napi::Env env, Napi::Object exports);

}  // namespace ioncam_node
