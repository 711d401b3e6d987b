#pragma once
// Pieces shared by the two windowing schemes of profile_fit (legacy and default).
#include <vector>

#include "core/lm.h"
#include "core/profile_fit.h"

namespace ioncam {

// Writes one profile's fitted shape into the ion: horizontal = (x0, sigma_x, amp_x, offset_x),
// vertical = (y0, r_y, [sigma_y], amp_y, offset_y); errors likewise.
void store_horizontal(IonFit* fit, const double* p, const double* err);
void store_vertical(IonFit* fit, VerticalModel model, const double* p, const double* err);

// One profile of the legacy scheme: window [lo, hi), its points and sums, and the legacy's
// initial guesses and bounds (x0 or y0, width, amplitude, offset).
struct LegacyProfile {
  int lo = 0, hi = 0;
  std::vector<double> x, values;
  double p0[4] = {0, 0, 0, 0}, lower[4] = {0, 0, 0, 0}, upper[4] = {0, 0, 0, 0};
  double fallback_centre = 0;  // the detection, reported when the fit fails
};

struct LegacySetup {
  LegacyProfile horizontal, vertical;
};

// The legacy windows, guesses and bounds for a detection at (cx, cy); false when the legacy
// returns zeros (fewer than 25 pixels in the +-30 block).
bool legacy_setup(const Image& roi, double cx, double cy, LegacySetup* out);

IonFit fit_ion_legacy(const Image& roi, double cx, double cy, VerticalModel model);
IonFit fit_ion_default(const Image& roi, const std::vector<Detection>& detections, size_t index, VerticalModel model,
                       double saturation);

}  // namespace ioncam
