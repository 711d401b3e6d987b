#include "core/analyze.h"

#include <chrono>

namespace ioncam {

namespace {
double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

AnalyzeResult analyze_frame(const FrameView& frame, const AnalyzeOptions& opts) {
  AnalyzeResult out;
  const auto t0 = std::chrono::steady_clock::now();
  if (opts.level < 1 || opts.roi.width <= 0 || opts.roi.height <= 0) {
    out.total_ms = ms_since(t0);
    return out;
  }
  const ScopedFilterHook gpu_filter(opts.gpu_filter);
  // Per-thread storage for the ROI: fresh multi-megabyte buffers every frame cost more in page
  // faults than the detection itself.
  static thread_local Image roi;
  crop_to_float(frame, opts.roi, &roi);
  DetectOptions detect = opts.detect;
  detect.integer_pixels = frame.type != PixelType::F32;
  std::vector<Detection> found = detect_in_roi(frame, opts.roi, roi, detect, &out.stats);
  out.detect_ms = ms_since(t0);

  if (opts.level >= 2) {
    const auto t1 = std::chrono::steady_clock::now();
    out.ions.reserve(found.size());
    FitOptions fit_opts = opts.fit;
    fit_opts.saturation = saturation_level(frame.type);
    for (size_t i = 0; i < found.size(); ++i) {
      IonFit fit = fit_ion(roi, found, i, fit_opts);
      fit.x0 += opts.roi.x;
      fit.y0 += opts.roi.y;
      out.ions.push_back(fit);
    }
    out.fit_ms = ms_since(t1);
  }
  out.detections.reserve(found.size());
  for (const Detection& d : found) out.detections.push_back({d.x + opts.roi.x, d.y + opts.roi.y});
  out.total_ms = ms_since(t0);
  return out;
}

}  // namespace ioncam
