#include "core/shm_psf_errors.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/models/profile.h"
#include "core/models/shm_psf.h"

namespace ioncam {

namespace {

using ShmPsfProfile = model::Profile<model::ShmPsfPeak, 1>;
constexpr int kP = ShmPsfProfile::kMaxParams;  // 5
constexpr int kNuisance[4] = {0, 2, 3, 4};     // every parameter but R

// Values (and, with jac non-null, the Jacobian rows of stride kP) at all n points.
void evaluate(const double* x, int n, const double* p, double* values, double* jac) {
  const ShmPsfProfile m;
  double grads[model::kChunk * kP];
  for (int i0 = 0; i0 < n; i0 += model::kChunk) {
    const int count = std::min(model::kChunk, n - i0);
    m.eval_chunk(x + i0, count, p, values + i0, grads);
    if (jac) std::copy(grads, grads + count * kP, jac + static_cast<size_t>(i0) * kP);
  }
}

}  // namespace

void shm_psf_unresolved_errors(const double* x, const double* y, int n, const double* p, double r_max, double* err) {
  bool finite = true;
  for (int a = 0; a < kP; ++a) finite = finite && std::isfinite(err[a]);
  if ((finite && err[1] <= 0.5 * p[1]) || n <= kP) return;

  std::vector<double> f0(n), jac(static_cast<size_t>(n) * kP), f1(n), r(n);
  evaluate(x, n, p, f0.data(), jac.data());
  double ssr = 0;
  for (int i = 0; i < n; ++i) r[i] = y[i] - f0[i], ssr += r[i] * r[i];
  const double var = ssr / (n - kP);

  // Normal matrix of the nuisance parameters, J_t^T J_t (4 x 4), and J_t^T r.
  double normal[16], factor[16], inv_d[4], g[4] = {0, 0, 0, 0};
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b) {
      double s = 0;
      for (int i = 0; i < n; ++i) s += jac[i * kP + kNuisance[a]] * jac[i * kP + kNuisance[b]];
      normal[a * 4 + b] = s;
    }
  for (int i = 0; i < n; ++i)
    for (int a = 0; a < 4; ++a) g[a] += jac[i * kP + kNuisance[a]] * r[i];
  std::copy(normal, normal + 16, factor);
  const bool regular = lm_detail::ldlt<4>(factor, 4, 4, inv_d);

  // Errors with R held: diag(inv(J_t^T J_t)) var.
  double held[4];
  if (regular) {
    for (int c = 0; c < 4; ++c) {
      double e[4] = {0, 0, 0, 0};
      e[c] = 1;
      lm_detail::ldlt_solve(factor, inv_d, 4, 4, e);
      held[c] = e[c];
    }
  } else {
    double a[16];
    std::copy(normal, normal + 16, a);
    lm_detail::pinv_diagonal<4>(a, 4, 4, 1e-28, held);
  }

  // Cost rise after R -> R + d with the nuisance parameters re-minimised (linearised):
  // 0.5 |P d f|^2 - r^T P d f, P the projection off the columns of J_t; shift = their move.
  double shift[4] = {0, 0, 0, 0}, shift_at = -1;
  auto rise = [&](double d) {
    shift_at = d;
    double q[kP];
    std::copy(p, p + kP, q);
    q[1] = p[1] + d;
    evaluate(x, n, q, f1.data(), nullptr);
    double b[4] = {0, 0, 0, 0}, dd = 0, rd = 0;
    for (int i = 0; i < n; ++i) {
      const double df = f1[i] - f0[i];
      dd += df * df, rd += r[i] * df;
      for (int a = 0; a < 4; ++a) b[a] += jac[i * kP + kNuisance[a]] * df;
    }
    if (regular) {
      double t[4] = {b[0], b[1], b[2], b[3]};
      lm_detail::ldlt_solve(factor, inv_d, 4, 4, t);
      for (int a = 0; a < 4; ++a) {
        dd -= b[a] * t[a];  // |P df|^2 = df.df - b^T inv(N) b
        rd -= g[a] * t[a];  // r^T P df
        shift[a] = t[a];
      }
    }
    return 0.5 * dd - rd;
  };

  // Solve rise(d) = var / 2 for d by secants on log-log axes: near R = 0 the rise grows like
  // d^4 (the shape changes only through the fourth cumulant once sigma has absorbed R^2 / 2),
  // for a resolved R like d^2; the local power is re-estimated from the last two points.
  const double target = 0.5 * var;
  const double d_max = r_max - p[1] > 1e-6 ? r_max - p[1] : 1e-6;
  double d = std::min(0.5 * p[2], d_max), power = p[1] < 0.5 * p[2] ? 4.0 : 2.0;
  double d_prev = 0, c_prev = 0;
  for (int it = 0; it < 16 && target > 0; ++it) {
    const double c = rise(d);
    if (!(c > 0) || !std::isfinite(c)) {  // no measurable rise yet: look further out
      if (d >= d_max) break;
      d = std::min(4 * d, d_max);
      continue;
    }
    if (std::fabs(std::log(target / c)) < 0.02) break;
    if (c_prev > 0 && d_prev != d) power = std::clamp(std::log(c / c_prev) / std::log(d / d_prev), 1.0, 8.0);
    if (c < target && d >= d_max) break;
    d_prev = d, c_prev = c;
    d = std::clamp(d * std::pow(target / c, 1 / power), d / 16, d_max);
  }
  if (!std::isfinite(d)) d = d_max;
  if (d != shift_at) rise(d);
  err[1] = d;
  for (int a = 0; a < 4; ++a) {
    const double e = std::sqrt(std::max(0.0, held[a]) * var + shift[a] * shift[a]);
    err[kNuisance[a]] = std::isfinite(e) ? e : 0.0;
  }
}

}  // namespace ioncam
