#pragma once
// Per-ion profile fits: horizontal Gaussian on column sums, vertical model on row sums.
#include <math.h>

#include <vector>

#include "core/detect.h"
#include "core/frame.h"
#include "core/lm.h"

namespace ioncam {

enum class VerticalModel : int { ShmPsf = 0, Shm = 1, Gaussian = 2 };

struct FitOptions {
  VerticalModel model = VerticalModel::ShmPsf;
  // true: the legacy windows exactly (+-30 px moments, then +-max(20, 4 sigma + 2) /
  // +-max(20, 2.5 R + 3)), no neighbour handling; used with the legacy detector.
  bool legacy_windows = false;
  // Pixels at or above this value are clipped (255 for 8-bit, 65535 for 16-bit frames): the
  // default windows leave out the profile points that contain one. Infinite = no clipping.
  double saturation = HUGE_VAL;
};

// The clipping level of a frame's pixel type (infinite for float frames).
inline double saturation_level(PixelType type) {
  return type == PixelType::U8 ? 255.0 : type == PixelType::U16 ? 65535.0 : HUGE_VAL;
}

// One ion, in ROI coordinates (analyze_frame shifts to full-frame coordinates).
// Amplitudes and offsets are in summed counts (the profiles are sums over rows / columns):
// - default windows: amp_x, amp_y are areas (the ion's counts in the profile; pixel-integrated
//   Gaussian and 'shm-psf'), except 'shm', whose amp_y is the arcsine coefficient A of
//   A / sqrt(R^2 - (y - y0)^2); sigma_x and sigma_y are PSF widths free of pixel sampling;
//   'gaussian' reports its width as sigma_y and r_y = 0;
// - legacy windows: the legacy's parameters (peak height of the point-sampled Gaussian, the
//   arcsine coefficient), i.e. MISSION.md step 3 and the fixtures' intended_fit.
struct IonFit {
  double x0 = 0, y0 = 0, sigma_x = 0, r_y = 0, sigma_y = 0;
  double amp_x = 0, amp_y = 0, offset_x = 0, offset_y = 0;
  // Errors in the same order: x0, y0, sigma_x, r_y, amp_x, amp_y, offset_x, offset_y.
  double err[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  double err_sigma_y = 0;
  bool has_sigma_y = false;  // true for models that fit a PSF width vertically
  bool converged = false;
  int iterations = 0;
};

// The LM settings of the default fits (also used by the fit benchmark).
LmSettings profile_fit_settings();

// Fits the ion at detections[index]; the other detections let the fit keep neighbours out.
IonFit fit_ion(const Image& roi, const std::vector<Detection>& detections, size_t index, const FitOptions& opts);

}  // namespace ioncam
