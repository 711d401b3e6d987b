#pragma once
// The whole per-frame analysis: crop, detect, fit, shift to full-frame coordinates.
#include <vector>

#include "core/blur.h"
#include "core/detect.h"
#include "core/frame.h"
#include "core/profile_fit.h"

namespace ioncam {

struct AnalyzeOptions {
  Roi roi;           // clamped to the frame by the caller
  int level = 2;     // 0 = none, 1 = detect, 2 = detect + fit
  DetectOptions detect;
  FitOptions fit;
  // CUDA build: the GPU filter, set by the binding when the gpu option chose the GPU for this frame.
  FilterHook gpu_filter = nullptr;
};

struct AnalyzeResult {
  std::vector<Detection> detections;  // full-frame coordinates
  std::vector<IonFit> ions;           // full-frame coordinates; empty unless level >= 2
  DetectStats stats;
  double detect_ms = 0, fit_ms = 0, total_ms = 0;
};

AnalyzeResult analyze_frame(const FrameView& frame, const AnalyzeOptions& opts);

}  // namespace ioncam
