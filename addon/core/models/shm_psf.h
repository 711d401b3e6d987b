#pragma once
// Physical vertical profile: the arcsine distribution of an ion oscillating with amplitude R
// (u = R sin(wt)), convolved with a Gaussian PSF of width sigma, integrated over the pixel
// [y - 0.5, y + 0.5]. Parameters (y0, R, sigma, A), A = area (total counts of the peak).
//
// The time average is Gauss-Chebyshev quadrature, which is exact sampling of the oscillation
// phase at M equally spaced times: u_k = R cos(pi (2k - 1) / (2M)), weights 1/M. The
// integrand is smooth on the scale sigma, so the error falls like exp(-(2 M sigma / R)^2 / 2);
// M grows with R / sigma to stay far below photon noise (see test/models.test.ts).
#include "core/models/model_common.h"

namespace ioncam {
namespace model {

constexpr int kShmPsfMaxNodes = 48;

// Quadrature nodes for amplitude R and PSF width sigma (1 node = plain Gaussian at R = 0).
IONCAM_HD int shm_psf_nodes(double r, double sigma) {
  const double ratio = r / (sigma > 1e-6 ? sigma : 1e-6);
  const double m = 3.0 + 2.5 * ratio;
  return m >= kShmPsfMaxNodes ? kShmPsfMaxNodes : (r <= 0 ? 1 : static_cast<int>(m));
}

// Node directions c_k = cos(pi (k + 1/2) / m), k = 0, 1, ..., by rotation: one sin/cos pair
// per evaluation instead of one cos per node.
struct NodeDirections {
  double c, s, rot_c, rot_s;
  IONCAM_HD explicit NodeDirections(int m) {
    const double half = 0.5 * kPi / m;
    rot_c = ::cos(2 * half), rot_s = ::sin(2 * half);
    c = ::cos(half), s = ::sin(half);
  }
  IONCAM_HD void next() {
    const double cn = c * rot_c - s * rot_s;
    s = s * rot_c + c * rot_s;
    c = cn;
  }
};

struct ShmPsfPeak {
  static constexpr int kShape = 4;
  IONCAM_HD double eval(double y, const double* p, double* grad) const {
    const double r = p[1] > 0 ? p[1] : 0.0;
    const double inv_s = 1.0 / p[2];
    const int m = shm_psf_nodes(r, p[2]);
    NodeDirections dir(m);
    const double base = (y - 0.5 - p[0]) * inv_s;
    const double shift = r * inv_s;
    double mass = 0, d_pos = 0, d_r = 0, d_sigma = 0;
    for (int k = 0; k < m; ++k) {
      const double za = base - shift * dir.c;
      const double zb = za + inv_s;
      const NormalCdf a = normal_cdf(za), b = normal_cdf(zb);
      mass += b.cdf - a.cdf;
      d_pos += b.density - a.density;
      d_r += dir.c * (b.density - a.density);
      d_sigma += zb * b.density - za * a.density;
      dir.next();
    }
    const double w = p[3] / m;
    grad[0] = -w * d_pos * inv_s;
    grad[1] = -w * d_r * inv_s;
    grad[2] = -w * d_sigma * inv_s;
    grad[3] = mass / m;
    return w * mass;
  }

  // Adds the values at x[0..count) to value[] and writes the derivatives to grad[j * stride].
  // On a unit grid, per node: count + 1 shared pixel edges and four exponentials.
  IONCAM_HD void eval_chunk(const double* x, int count, bool uniform, double step, const double* p, double* value,
                            double* grad, int stride) const {
    if (!uniform || step != 1.0) {
      for (int j = 0; j < count; ++j) value[j] += eval(x[j], p, grad + j * stride);
      return;
    }
    const double r = p[1] > 0 ? p[1] : 0.0;
    const double inv_s = 1.0 / p[2];
    const int m = shm_psf_nodes(r, p[2]);
    NodeDirections dir(m);
    double mass[kChunk], d_pos[kChunk], d_r[kChunk], d_sigma[kChunk], e[kChunk + 1];
    for (int j = 0; j < count; ++j) mass[j] = d_pos[j] = d_r[j] = d_sigma[j] = 0;
    const double base = (x[0] - 0.5 - p[0]) * inv_s;
    for (int k = 0; k < m; ++k) {
      const double z0 = base - r * dir.c * inv_s;
      gaussian_run(z0, inv_s, count + 1, e);
      NormalCdf lo = normal_cdf_e(z0, e[0]);
      double zlo = z0;
      for (int j = 0; j < count; ++j) {
        const double zhi = z0 + (j + 1) * inv_s;
        const NormalCdf hi = normal_cdf_e(zhi, e[j + 1]);
        const double dd = hi.density - lo.density;
        mass[j] += hi.cdf - lo.cdf;
        d_pos[j] += dd;
        d_r[j] += dir.c * dd;
        d_sigma[j] += zhi * hi.density - zlo * lo.density;
        lo = hi;
        zlo = zhi;
      }
      dir.next();
    }
    const double w = p[3] / m;
    for (int j = 0; j < count; ++j) {
      double* g = grad + j * stride;
      g[0] = -w * d_pos[j] * inv_s;
      g[1] = -w * d_r[j] * inv_s;
      g[2] = -w * d_sigma[j] * inv_s;
      g[3] = mass[j] / m;
      value[j] += w * mass[j];
    }
  }
};

}  // namespace model
}  // namespace ioncam
