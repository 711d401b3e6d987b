#include "core/profile_fit.h"

// PLACEHOLDER (fit helper replaces): returns the detection position only.
namespace ioncam {
IonFit fit_ion(const Image&, const std::vector<Detection>& d, size_t i, const FitOptions&) {
  IonFit f;
  f.x0 = d[i].x;
  f.y0 = d[i].y;
  return f;
}
}  // namespace ioncam
