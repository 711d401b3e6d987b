// The legacy detector (MISSION.md step 2), reproducing cv_count_fast of the Python handler:
// Gaussian blur, four-branch threshold from the blurred ROI's max and mean, binary
// threshold, contour blobs and their moment centroids truncated to whole pixels, and a
// 10 px de-duplication in contour order. Unlike the legacy it thresholds 16-bit and float
// frames in their own range instead of casting to uint8.
// One known difference: the legacy asked findContours for RETR_TREE, which also lists the
// inner border of a blob with a hole as a contour; we take outer borders only. A hole's
// centroid counts only when it lies 10 px or more from every centre kept before it, which
// needs a ring-shaped blob larger than the blurred ions (none in the fixtures).
#include <algorithm>
#include <cmath>

#include "core/blur.h"
#include "core/contours.h"
#include "core/detect.h"

namespace ioncam {

namespace {

constexpr double kGainLow = 1.01, kGainMid = 1.05, kGainHigh = 2.0, kBand = 3.5;
constexpr double kMinSeparation = 10.0;

// The threshold of the four-branch rule, or NaN when the rule says "no ions".
// The legacy truncates each candidate threshold with int().
double legacy_threshold(double l_max, double l_avg, bool truncate) {
  auto t = [truncate](double v) { return truncate ? std::trunc(v) : v; };
  const double gain = l_max / (l_avg + 1e-6);
  const double spread = l_max - l_avg;
  if (gain > kGainHigh) return t(l_avg + 0.25 * spread);
  if (gain > kGainMid) return t(0.5 * (l_max + l_avg));
  if (gain > kGainLow && spread > kBand) return t(l_max - 0.25 * spread);
  if (gain <= kGainLow && spread > kBand) return t(l_max - 1);
  return std::nan("");
}

}  // namespace

std::vector<Detection> detect_legacy(const Image& roi, const DetectOptions& opts, DetectStats* stats) {
  std::vector<Detection> out;
  static thread_local Image blurred;  // per-thread storage, reused frame after frame
  static thread_local PaddedMask mask;
  legacy_gaussian_blur(roi, std::max(1.0, opts.radius / 4.0), &blurred);
  const size_t n = blurred.px.size();
  if (n == 0) return out;

  float l_max = blurred.px[0];
  double sum = 0;
  for (float v : blurred.px) {
    l_max = std::max(l_max, v);
    sum += v;
  }
  const double l_avg = static_cast<float>(sum / static_cast<double>(n));  // numpy mean of float32 is float32
  const double threshold = legacy_threshold(l_max, l_avg, opts.integer_pixels);
  if (stats) {
    stats->l_max = l_max;
    stats->l_avg = l_avg;
    stats->threshold = std::isnan(threshold) ? 0.0 : threshold;
    stats->blobs = 0;
  }
  if (std::isnan(threshold)) return out;

  // cv2.threshold(img.astype(uint8), t, 255, THRESH_BINARY) keeps pixels with trunc(v) > t;
  // for integer frames we compare the truncated value the same way, without the uint8 wrap.
  mask.reset(blurred.width, blurred.height);
  // Integer frames: trunc(v) > t with t whole is v >= t + 1 (v >= 0).
  const float cut = static_cast<float>(opts.integer_pixels ? threshold + 1 : threshold);
  const bool inclusive = opts.integer_pixels;
  for (int r = 0; r < blurred.height; ++r) {
    const float* src = &blurred.px[static_cast<size_t>(r) * blurred.width];
    uint8_t* dst = &mask.at(0, r);
    if (inclusive) {
      for (int c = 0; c < blurred.width; ++c) dst[c] = src[c] >= cut ? 1 : 0;
    } else {
      for (int c = 0; c < blurred.width; ++c) dst[c] = src[c] > cut ? 1 : 0;
    }
  }

  std::vector<ContourBlob> blobs = contour_blobs(mask);
  if (stats) stats->blobs = static_cast<int>(blobs.size());
  // findContours lists the blobs last-found first.
  for (auto it = blobs.rbegin(); it != blobs.rend(); ++it) {
    if (it->area <= 0) continue;  // the legacy skips contours with m00 == 0
    const double cx = std::trunc(it->cx), cy = std::trunc(it->cy);
    bool too_close = false;
    for (const Detection& d : out) {
      if (std::hypot(cx - d.x, cy - d.y) < kMinSeparation) {
        too_close = true;
        break;
      }
    }
    if (!too_close) out.push_back({cx, cy});
  }
  return out;
}

}  // namespace ioncam
