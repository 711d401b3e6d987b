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

  // The normal equations of the one-peak profile (x0, sigma, A, offset) in closed form, for
  // the LM core (model::Profile::normal_sums): with u = (x - x0) / sigma, e = exp(-u^2 / 2) the
  // Jacobian row is ((A / sigma) e u, (A / sigma) e u^2, e, 1), so J^T J and J^T r need only
  // the sums of e^2 u^k (k <= 4), e u^k (k <= 2), e u^k r (k <= 2), r and r^2: 13 running sums
  // per point instead of Jacobian rows written out and read back. jtj is full, row-major with
  // the given stride; returns 0.5 * SSR.
  IONCAM_HD double normal_sums_1(const double* x, const double* y, int n, const double* p, double* jtj, int stride,
                                 double* jtr) const {
    const double inv_s = 1.0 / p[1], amp = p[2], off = p[3];
    double e20 = 0, e21 = 0, e22 = 0, e23 = 0, e24 = 0, e10 = 0, e11 = 0, e12 = 0;
    double r0 = 0, r1 = 0, r2 = 0, rs = 0, ss = 0;
    double e[kChunk];
    for (int i0 = 0; i0 < n; i0 += kChunk) {
      const int count = n - i0 < kChunk ? n - i0 : kChunk;
      double step;
      const bool uniform = uniform_grid(x + i0, count, &step);
      const double u0 = (x[i0] - p[0]) * inv_s, h = step * inv_s;
      double u[kChunk];
      if (uniform) {
        gaussian_run(u0, h, count, e);
        for (int j = 0; j < count; ++j) u[j] = u0 + j * h;
      } else {
        for (int j = 0; j < count; ++j) {
          u[j] = (x[i0 + j] - p[0]) * inv_s;
          e[j] = ::exp(-0.5 * u[j] * u[j]);
        }
      }
      int j = 0;
#if defined(__GNUC__) && !defined(__CUDACC__)
      // Two points per step in the lanes of SSE2 vectors: half the instructions, and each running
      // sum's add chain (the latency bound here) is half as long.
      typedef double v2 __attribute__((vector_size(16)));
      v2 s[13] = {};
      for (; j + 1 < count; j += 2) {
        v2 ej, uj, yj;
        __builtin_memcpy(&ej, e + j, sizeof ej);
        __builtin_memcpy(&uj, u + j, sizeof uj);
        __builtin_memcpy(&yj, y + i0 + j, sizeof yj);
        const v2 eu = ej * uj, ee = ej * ej, eeu = ee * uj, eeu2 = eeu * uj, eeu3 = eeu2 * uj;
        s[0] += ee, s[1] += eeu, s[2] += eeu2, s[3] += eeu3, s[4] += eeu3 * uj;
        s[5] += ej, s[6] += eu, s[7] += eu * uj;
        const v2 r = yj - (amp * ej + off), er = ej * r, eur = er * uj;
        s[8] += er, s[9] += eur, s[10] += eur * uj;
        s[11] += r, s[12] += r * r;
      }
      e20 += s[0][0] + s[0][1], e21 += s[1][0] + s[1][1], e22 += s[2][0] + s[2][1];
      e23 += s[3][0] + s[3][1], e24 += s[4][0] + s[4][1];
      e10 += s[5][0] + s[5][1], e11 += s[6][0] + s[6][1], e12 += s[7][0] + s[7][1];
      r0 += s[8][0] + s[8][1], r1 += s[9][0] + s[9][1], r2 += s[10][0] + s[10][1];
      rs += s[11][0] + s[11][1], ss += s[12][0] + s[12][1];
#endif
      for (; j < count; ++j) {
        const double ej = e[j], uj = u[j];
        const double eu = ej * uj, ee = ej * ej, eeu = ee * uj, eeu2 = eeu * uj, eeu3 = eeu2 * uj;
        e20 += ee, e21 += eeu, e22 += eeu2, e23 += eeu3, e24 += eeu3 * uj;
        e10 += ej, e11 += eu, e12 += eu * uj;
        const double r = y[i0 + j] - (amp * ej + off), er = ej * r, eur = er * uj;
        r0 += er, r1 += eur, r2 += eur * uj;
        rs += r, ss += r * r;
      }
    }
    const double c = amp * inv_s, c2 = c * c;
    const double a[4][4] = {{c2 * e22, c2 * e23, c * e21, c * e11},
                            {c2 * e23, c2 * e24, c * e22, c * e12},
                            {c * e21, c * e22, e20, e10},
                            {c * e11, c * e12, e10, static_cast<double>(n)}};
    for (int k = 0; k < 4; ++k)
      for (int l = 0; l < 4; ++l) jtj[k * stride + l] = a[k][l];
    jtr[0] = c * r1, jtr[1] = c * r2, jtr[2] = r0, jtr[3] = rs;
    return 0.5 * ss;
  }
};

}  // namespace model
}  // namespace ioncam
