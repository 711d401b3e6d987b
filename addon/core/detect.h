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

// Statistics of the filtered image, reported with every result. Legacy: max and mean of the
// blurred ROI, the four-branch threshold, the contour count. Peaks (on the ROI plus its margin):
// the filtered maximum, the background level (median), level + 5.5 noise sigma, and the
// number of significant maxima before merging.
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

// The ions whose centre lies in the ROI of a frame (roi_image: the ROI already cut as float),
// in ROI coordinates. The legacy detector sees exactly the ROI, as the legacy did. The peaks
// detector also looks at a margin of the frame around it, so that a tight ROI still shows
// background for the noise estimate and an ion straddling the ROI edge is seen whole; of what
// it finds it keeps the ions whose centre rounds into the ROI.
std::vector<Detection> detect_in_roi(const FrameView& frame, const Roi& roi, const Image& roi_image,
                                     const DetectOptions& opts, DetectStats* stats);

}  // namespace ioncam
