#pragma once
// Ion detection: finds ion centres in the float ROI image.
#include <vector>

#include "core/frame.h"

namespace ioncam {

enum class Detector : int { Peaks = 0, Legacy = 1 };

struct DetectOptions {
  double radius = 20.0;  // legacy detection scale; pre-blur sigma = max(1, radius / 4)
  Detector detector = Detector::Peaks;
  // True for 8/16-bit frames: the legacy thresholds compare whole-number values.
  bool integer_pixels = true;
};

// ROI coordinates: x = column, y = row (sub-pixel centroid or peak position).
struct Detection {
  double x = 0.0;
  double y = 0.0;
};

// Statistics of the blurred ROI, reported with every result.
struct DetectStats {
  double l_max = 0.0;
  double l_avg = 0.0;
  double threshold = 0.0;  // 0 when no threshold applied (no ions)
  int blobs = 0;           // connected components above threshold (legacy) / candidate peaks (peaks)
};

std::vector<Detection> detect_legacy(const Image& roi, const DetectOptions& opts, DetectStats* stats);
std::vector<Detection> detect_peaks(const Image& roi, const DetectOptions& opts, DetectStats* stats);

inline std::vector<Detection> detect_ions(const Image& roi, const DetectOptions& opts, DetectStats* stats) {
  return opts.detector == Detector::Legacy ? detect_legacy(roi, opts, stats) : detect_peaks(roi, opts, stats);
}

}  // namespace ioncam
