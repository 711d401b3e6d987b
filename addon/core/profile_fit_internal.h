#pragma once
// Pieces shared by the two windowing schemes of profile_fit (legacy and default).
#include "core/lm.h"
#include "core/profile_fit.h"

namespace ioncam {

// Writes one profile's fitted shape into the ion: horizontal = (x0, sigma_x, amp_x, offset_x),
// vertical = (y0, r_y, [sigma_y], amp_y, offset_y); errors likewise.
void store_horizontal(IonFit* fit, const double* p, const double* err);
void store_vertical(IonFit* fit, VerticalModel model, const double* p, const double* err);

IonFit fit_ion_legacy(const Image& roi, double cx, double cy, VerticalModel model);
IonFit fit_ion_default(const Image& roi, const std::vector<Detection>& detections, size_t index, VerticalModel model,
                       double saturation);

}  // namespace ioncam
