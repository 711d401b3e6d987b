#include <algorithm>
#include <cmath>

#include "core/detect.h"

namespace ioncam {

namespace {
constexpr int kContextMargin = 16;  // px of frame around the ROI the peaks detector looks at
}  // namespace

std::vector<Detection> detect_in_roi(const FrameView& frame, const Roi& roi, const Image& roi_image,
                                     const DetectOptions& opts, DetectStats* stats) {
  if (opts.detector == Detector::Legacy) return detect_legacy(roi_image, opts, stats);

  Roi context;
  context.x = std::max(0, roi.x - kContextMargin);
  context.y = std::max(0, roi.y - kContextMargin);
  context.width = std::min(frame.width, roi.x + roi.width + kContextMargin) - context.x;
  context.height = std::min(frame.height, roi.y + roi.height + kContextMargin) - context.y;
  if (context.x == roi.x && context.y == roi.y && context.width == roi.width && context.height == roi.height) {
    return detect_peaks(roi_image, opts, stats);  // the ROI is the whole frame
  }

  static thread_local Image context_image;  // per-thread storage, reused frame after frame
  crop_to_float(frame, context, &context_image);
  std::vector<Detection> found = detect_peaks(context_image, opts, stats);
  std::vector<Detection> inside;
  const double dx = roi.x - context.x, dy = roi.y - context.y;
  for (const Detection& d : found) {
    const Detection shifted{d.x - dx, d.y - dy};
    const double col = std::floor(shifted.x + 0.5), row = std::floor(shifted.y + 0.5);
    if (col >= 0 && col < roi.width && row >= 0 && row < roi.height) inside.push_back(shifted);
  }
  return inside;
}

}  // namespace ioncam
