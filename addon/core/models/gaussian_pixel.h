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
};

}  // namespace model
}  // namespace ioncam
