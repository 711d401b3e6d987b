#pragma once
// The legacy vertical model: time-averaged image of an ion oscillating with amplitude R,
// A / sqrt(R^2 - (y - y0)^2) inside |y - y0| < R and 0 outside (singular at the turning
// points; the denominator is floored at 1e-10 as in the legacy code). Parameters (y0, R, A).
#include "core/models/model_common.h"

namespace ioncam {
namespace model {

struct ShmPeak {
  static constexpr int kShape = 3;
  IONCAM_HD double eval(double y, const double* p, double* grad) const {
    const double d = y - p[0];
    const double s = p[1] * p[1] - d * d;
    if (s <= 0) {
      grad[0] = grad[1] = grad[2] = 0;
      return 0;
    }
    const double root = ::sqrt(s);
    if (root < 1e-10) {
      grad[0] = grad[1] = 0;
      grad[2] = 1e10;
      return p[2] * 1e10;
    }
    const double inv = 1.0 / root;
    const double v = p[2] * inv;
    const double v3 = v * inv * inv;  // A / s^(3/2)
    grad[0] = -v3 * d;
    grad[1] = -v3 * p[1];
    grad[2] = inv;
    return v;
  }

  IONCAM_HD void eval_chunk(const double* x, int count, bool, double, const double* p, double* value, double* grad,
                            int stride) const {
    for (int j = 0; j < count; ++j) value[j] += eval(x[j], p, grad + j * stride);
  }
};

}  // namespace model
}  // namespace ioncam
