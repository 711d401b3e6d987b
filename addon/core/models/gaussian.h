#pragma once
// Point-sampled Gaussian peak: A * exp(-(x - x0)^2 / (2 sigma^2)); parameters (x0, sigma, A).
// This is the legacy horizontal model (Profile adds the offset); A = peak height.
#include "core/models/model_common.h"

namespace ioncam {
namespace model {

struct GaussianPeak {
  static constexpr int kShape = 3;
  // Writes d value / d (x0, sigma, A) to grad.
  IONCAM_HD double eval(double x, const double* p, double* grad) const {
    const double inv_s = 1.0 / p[1];
    const double u = (x - p[0]) * inv_s;
    const double e = ::exp(-0.5 * u * u);
    const double v = p[2] * e;
    grad[0] = v * u * inv_s;
    grad[1] = v * u * u * inv_s;
    grad[2] = e;
    return v;
  }

  // Adds the values at x[0..count) to value[] and writes the derivatives to grad[j * stride].
  IONCAM_HD void eval_chunk(const double* x, int count, bool uniform, double step, const double* p, double* value,
                            double* grad, int stride) const {
    if (!uniform) {
      for (int j = 0; j < count; ++j) value[j] += eval(x[j], p, grad + j * stride);
      return;
    }
    const double inv_s = 1.0 / p[1];
    double e[kChunk];
    gaussian_run((x[0] - p[0]) * inv_s, step * inv_s, count, e);
    for (int j = 0; j < count; ++j) {
      const double u = (x[j] - p[0]) * inv_s;
      const double v = p[2] * e[j];
      double* g = grad + j * stride;
      g[0] = v * u * inv_s;
      g[1] = v * u * u * inv_s;
      g[2] = e[j];
      value[j] += v;
    }
  }
};

}  // namespace model
}  // namespace ioncam
