#pragma once
// Gaussian PSF integrated over the pixel [x - 0.5, x + 0.5]; parameters (x0, sigma, A) with
// A the area (total counts of the peak). The fixtures' truth and real cameras integrate
// over pixels, so this model measures the PSF width without the +1/12 px^2 of sampling.
#include "core/models/model_common.h"

namespace ioncam {
namespace model {

struct GaussianPixelPeak {
  static constexpr int kShape = 3;
  IONCAM_HD double eval(double x, const double* p, double* grad) const {
    const double inv_s = 1.0 / p[1];
    const double za = (x - 0.5 - p[0]) * inv_s;
    const double zb = za + inv_s;
    const NormalCdf a = normal_cdf(za), b = normal_cdf(zb);
    const double mass = b.cdf - a.cdf;
    const double amp = p[2];
    grad[0] = -amp * (b.density - a.density) * inv_s;
    grad[1] = -amp * (zb * b.density - za * a.density) * inv_s;
    grad[2] = mass;
    return amp * mass;
  }

  // Adds the values at x[0..count) to value[] and writes the derivatives to grad[j * stride].
  // On a unit grid neighbouring pixels share their edges: count + 1 CDFs instead of 2 count.
  IONCAM_HD void eval_chunk(const double* x, int count, bool uniform, double step, const double* p, double* value,
                            double* grad, int stride) const {
    if (!uniform || step != 1.0) {
      for (int j = 0; j < count; ++j) value[j] += eval(x[j], p, grad + j * stride);
      return;
    }
    const double inv_s = 1.0 / p[1];
    const double z0 = (x[0] - 0.5 - p[0]) * inv_s;
    double e[kChunk + 1];
    gaussian_run(z0, inv_s, count + 1, e);
    const double amp = p[2];
    NormalCdf lo = normal_cdf_e(z0, e[0]);
    double zlo = z0;
    for (int j = 0; j < count; ++j) {
      const double zhi = z0 + (j + 1) * inv_s;
      const NormalCdf hi = normal_cdf_e(zhi, e[j + 1]);
      const double mass = hi.cdf - lo.cdf;
      double* g = grad + j * stride;
      g[0] = -amp * (hi.density - lo.density) * inv_s;
      g[1] = -amp * (zhi * hi.density - zlo * lo.density) * inv_s;
      g[2] = mass;
      value[j] += amp * mass;
      lo = hi;
      zlo = zhi;
    }
  }
};

}  // namespace model
}  // namespace ioncam
