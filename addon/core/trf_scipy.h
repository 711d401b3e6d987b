#pragma once
// The trust-region reflective solver of scipy.optimize.least_squares (method='trf',
// tr_solver='exact', x_scale=1, 2-point finite-difference Jacobian with bounds), as
// curve_fit runs it, written out step for step.
//
// Why a second solver: the legacy vertical model (the bare arcsine) is singular at the turning
// points, so its least-squares cost has a local minimum wherever an edge sits just outside a
// pixel centre. Any solver settles in one of them; which one depends on the path. To
// reproduce what the legacy method means (fixtures' intended_fit), the legacy-window fits
// follow scipy's own path. The default pipeline uses lm.h.
//
// Host-only (not part of the CUDA set): small fixed arrays for the parameters, vectors for
// the points.
#include <math.h>

#include <algorithm>
#include <vector>

#include "core/plane_rotation.h"

namespace ioncam {
namespace trf {

constexpr int kMaxN = 8;
constexpr double kEps = 2.220446049250313e-16;

struct Result {
  int status = 0;  // scipy's: 1 gtol, 2 ftol, 3 xtol, 4 ftol and xtol, 0 max_nfev
  int nfev = 0;
  double cost = 0;  // 0.5 * sum of squared residuals
  bool success() const { return status > 0; }
};

namespace detail {

inline double dot(const double* a, const double* b, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}
inline double norm(const double* a, int n) { return ::sqrt(dot(a, a, n)); }

// One-sided Jacobi SVD of the r x c matrix a (row-major, c <= kMaxN). On return s holds the
// singular values in descending order, v (c x c, row-major) the right singular vectors as
// columns and the columns of a are U * s (same order).
inline void svd(std::vector<double>& a, int r, int c, double* s, double* v) {
  for (int i = 0; i < c; ++i)
    for (int j = 0; j < c; ++j) v[i * c + j] = i == j ? 1.0 : 0.0;
  for (int sweep = 0; sweep < 80; ++sweep) {
    bool rotated = false;
    for (int p = 0; p < c; ++p) {
      for (int q = p + 1; q < c; ++q) {
        double alpha = 0, beta = 0, gamma = 0;
        for (int i = 0; i < r; ++i) {
          const double ap = a[i * c + p], aq = a[i * c + q];
          alpha += ap * ap, beta += aq * aq, gamma += ap * aq;
        }
        if (gamma == 0 || ::fabs(gamma) <= 1e-15 * ::sqrt(alpha * beta)) continue;
        rotated = true;
        const double zeta = (beta - alpha) / (2 * gamma);
        const double t = (zeta >= 0 ? 1.0 : -1.0) / (::fabs(zeta) + ::sqrt(1 + zeta * zeta));
        const double cs = 1 / ::sqrt(1 + t * t), sn = cs * t;
        rotate_pairs(a.data() + p, a.data() + q, r, c, cs, sn);
        rotate_pairs(v + p, v + q, c, c, cs, sn);
      }
    }
    if (!rotated) break;
  }
  for (int j = 0; j < c; ++j) {
    double ss = 0;
    for (int i = 0; i < r; ++i) ss += a[i * c + j] * a[i * c + j];
    s[j] = ::sqrt(ss);
  }
  // Selection sort of the columns by descending singular value.
  for (int j = 0; j < c; ++j) {
    int best = j;
    for (int k = j + 1; k < c; ++k)
      if (s[k] > s[best]) best = k;
    if (best == j) continue;
    std::swap(s[j], s[best]);
    for (int i = 0; i < r; ++i) std::swap(a[i * c + j], a[i * c + best]);
    for (int i = 0; i < c; ++i) std::swap(v[i * c + j], v[i * c + best]);
  }
}

// find_active_constraints: -1 lower, 1 upper, 0 free.
inline int active(double x, double lb, double ub, double rtol) {
  if (rtol == 0) return x >= ub ? 1 : (x <= lb ? -1 : 0);
  const double ld = x - lb, ud = ub - x;
  int a = 0;
  if (ld <= std::min(ud, rtol * std::max(1.0, ::fabs(lb)))) a = -1;
  if (ud <= std::min(ld, rtol * std::max(1.0, ::fabs(ub)))) a = 1;
  return a;
}

inline void make_strictly_feasible(double* x, const double* lb, const double* ub, int n, double rstep) {
  for (int i = 0; i < n; ++i) {
    const int a = active(x[i], lb[i], ub[i], rstep);
    if (a == -1) x[i] = rstep == 0 ? ::nextafter(lb[i], ub[i]) : lb[i] + rstep * std::max(1.0, ::fabs(lb[i]));
    if (a == 1) x[i] = rstep == 0 ? ::nextafter(ub[i], lb[i]) : ub[i] - rstep * std::max(1.0, ::fabs(ub[i]));
    if (x[i] < lb[i] || x[i] > ub[i]) x[i] = 0.5 * (lb[i] + ub[i]);
  }
}

// step_size_to_bound: smallest t >= 0 with x + t s on a bound; hits[i] = +-1 for the bounds hit.
inline double step_to_bound(const double* x, const double* s, const double* lb, const double* ub, int n,
                            int* hits) {
  double steps[kMaxN];
  double best = HUGE_VAL;
  for (int i = 0; i < n; ++i) {
    steps[i] = HUGE_VAL;
    if (s[i] != 0) steps[i] = std::max((lb[i] - x[i]) / s[i], (ub[i] - x[i]) / s[i]);
    best = std::min(best, steps[i]);
  }
  if (hits)
    for (int i = 0; i < n; ++i) hits[i] = steps[i] == best ? (s[i] > 0 ? 1 : (s[i] < 0 ? -1 : 0)) : 0;
  return best;
}

// Positive root t of ||x + t s|| = Delta.
inline double to_trust_region(const double* x, const double* s, double delta, int n) {
  const double a = dot(s, s, n), b = dot(x, s, n), c = std::min(0.0, dot(x, x, n) - delta * delta);
  const double d = ::sqrt(std::max(0.0, b * b - a * c));
  const double q = -(b + ::copysign(d, b));
  const double t1 = q / a, t2 = c / q;
  return std::max(t1, t2);
}

// The problem's pieces in "hat" space: J_h = J diag(d), the extra diagonal and the gradient.
struct HatSpace {
  const std::vector<double>* jh;  // m x n, row-major
  int m, n;
  const double* diag;
  const double* g;
  // 0.5 s^T (J_h^T J_h + diag) s + g^T s
  double quadratic(const double* s) const {
    double q = 0;
    for (int i = 0; i < m; ++i) {
      const double v = dot(&(*jh)[static_cast<size_t>(i) * n], s, n);
      q += v * v;
    }
    for (int k = 0; k < n; ++k) q += s[k] * diag[k] * s[k];
    return 0.5 * q + dot(s, g, n);
  }
  // Coefficients of t -> quadratic(s0 + t s) (s0 may be null).
  void line(const double* s, const double* s0, double* a, double* b, double* c) const {
    double vv = 0, uv = 0, uu = 0;
    for (int i = 0; i < m; ++i) {
      const double* row = &(*jh)[static_cast<size_t>(i) * n];
      const double v = dot(row, s, n);
      vv += v * v;
      if (s0) {
        const double u = dot(row, s0, n);
        uv += u * v, uu += u * u;
      }
    }
    *a = vv;
    for (int k = 0; k < n; ++k) *a += s[k] * diag[k] * s[k];
    *a *= 0.5;
    *b = dot(g, s, n);
    *c = 0;
    if (s0) {
      *b += uv;
      *c = 0.5 * uu + dot(g, s0, n);
      for (int k = 0; k < n; ++k) *b += s0[k] * diag[k] * s[k], *c += 0.5 * s0[k] * diag[k] * s0[k];
    }
  }
};

// minimize_quadratic_1d on [lb, ub]: returns t, writes the value.
inline double minimize_1d(double a, double b, double lb, double ub, double c, double* value) {
  double ts[3] = {lb, ub, 0};
  int nt = 2;
  if (a != 0) {
    const double ext = -0.5 * b / a;
    if (lb < ext && ext < ub) ts[nt++] = ext;
  }
  int best = 0;
  double bv = a * ts[0] * ts[0] + b * ts[0] + c;
  for (int i = 1; i < nt; ++i) {
    const double v = a * ts[i] * ts[i] + b * ts[i] + c;
    if (v < bv) bv = v, best = i;
  }
  *value = bv;
  return ts[best];
}

// solve_lsq_trust_region (More's method on one SVD). Writes p; returns the new alpha.
inline double solve_trust_region(int n, int m, const double* uf, const double* s, const double* v, double delta,
                                 double alpha, double* p) {
  double suf[kMaxN];
  for (int k = 0; k < n; ++k) suf[k] = s[k] * uf[k];
  const bool full_rank = m >= n && s[n - 1] > kEps * m * s[0];
  auto apply_v = [&](const double* w) {
    for (int i = 0; i < n; ++i) {
      double acc = 0;
      for (int k = 0; k < n; ++k) acc += v[i * n + k] * w[k];
      p[i] = -acc;
    }
  };
  if (full_rank) {
    double w[kMaxN];
    for (int k = 0; k < n; ++k) w[k] = uf[k] / s[k];
    apply_v(w);
    if (norm(p, n) <= delta) return 0.0;
  }
  auto phi = [&](double al, double* phi_prime) {
    double pn = 0, acc = 0;
    for (int k = 0; k < n; ++k) {
      const double den = s[k] * s[k] + al;
      pn += (suf[k] / den) * (suf[k] / den);
      acc += suf[k] * suf[k] / (den * den * den);
    }
    pn = ::sqrt(pn);
    *phi_prime = -acc / pn;
    return pn - delta;
  };
  double alpha_upper = norm(suf, n) / delta, alpha_lower = 0;
  if (full_rank) {
    double pp;
    const double ph = phi(0.0, &pp);
    alpha_lower = -ph / pp;
  }
  if (!full_rank && alpha == 0) alpha = std::max(0.001 * alpha_upper, ::sqrt(alpha_lower * alpha_upper));
  for (int it = 0; it < 10; ++it) {
    if (alpha < alpha_lower || alpha > alpha_upper) alpha = std::max(0.001 * alpha_upper, ::sqrt(alpha_lower * alpha_upper));
    double pp;
    const double ph = phi(alpha, &pp);
    if (ph < 0) alpha_upper = alpha;
    const double ratio = ph / pp;
    alpha_lower = std::max(alpha_lower, alpha - ratio);
    alpha -= (ph + delta) * ratio / delta;
    if (::fabs(ph) < 0.01 * delta) break;
  }
  double w[kMaxN];
  for (int k = 0; k < n; ++k) w[k] = suf[k] / (s[k] * s[k] + alpha);
  apply_v(w);
  const double pn = norm(p, n);
  for (int k = 0; k < n; ++k) p[k] *= delta / pn;
  return alpha;
}

// select_step of trf.py: the trust-region step (if feasible), else the best of the step cut
// at the bound, its reflection, and the constrained Cauchy step. Writes step, step_h;
// returns the predicted reduction.
inline double select_step(const HatSpace& hs, const double* x, double* p, double* p_h, const double* d, double delta,
                          const double* lb, const double* ub, double theta, double* step, double* step_h) {
  const int n = hs.n;
  bool inside = true;
  for (int i = 0; i < n; ++i) inside = inside && x[i] + p[i] >= lb[i] && x[i] + p[i] <= ub[i];
  if (inside) {
    for (int i = 0; i < n; ++i) step[i] = p[i], step_h[i] = p_h[i];
    return -hs.quadratic(p_h);
  }
  int hits[kMaxN];
  const double p_stride = step_to_bound(x, p, lb, ub, n, hits);
  double r_h[kMaxN], r[kMaxN], x_on_bound[kMaxN];
  for (int i = 0; i < n; ++i) {
    r_h[i] = hits[i] != 0 ? -p_h[i] : p_h[i];
    r[i] = d[i] * r_h[i];
    p[i] *= p_stride;
    p_h[i] *= p_stride;
    x_on_bound[i] = x[i] + p[i];
  }
  const double to_tr = to_trust_region(p_h, r_h, delta, n);
  const double to_bound = step_to_bound(x_on_bound, r, lb, ub, n, nullptr);
  double r_stride = std::min(to_bound, to_tr), r_lo, r_hi;
  if (r_stride > 0) {
    r_lo = (1 - theta) * p_stride / r_stride;
    r_hi = r_stride == to_bound ? theta * to_bound : to_tr;
  } else {
    r_lo = 0, r_hi = -1;
  }
  double r_value = HUGE_VAL;
  if (r_lo <= r_hi) {
    double a, b, c;
    hs.line(r_h, p_h, &a, &b, &c);
    r_stride = minimize_1d(a, b, r_lo, r_hi, c, &r_value);
    for (int i = 0; i < n; ++i) {
      r_h[i] = r_h[i] * r_stride + p_h[i];
      r[i] = r_h[i] * d[i];
    }
  }
  for (int i = 0; i < n; ++i) p[i] *= theta, p_h[i] *= theta;
  const double p_value = hs.quadratic(p_h);
  double ag_h[kMaxN], ag[kMaxN];
  for (int i = 0; i < n; ++i) ag_h[i] = -hs.g[i], ag[i] = d[i] * ag_h[i];
  const double to_tr_ag = delta / norm(ag_h, n);
  const double to_bound_ag = step_to_bound(x, ag, lb, ub, n, nullptr);
  double ag_stride = to_bound_ag < to_tr_ag ? theta * to_bound_ag : to_tr_ag;
  double a, b, c, ag_value;
  hs.line(ag_h, nullptr, &a, &b, &c);
  ag_stride = minimize_1d(a, b, 0, ag_stride, 0, &ag_value);
  for (int i = 0; i < n; ++i) ag_h[i] *= ag_stride, ag[i] *= ag_stride;
  if (p_value < r_value && p_value < ag_value) {
    for (int i = 0; i < n; ++i) step[i] = p[i], step_h[i] = p_h[i];
    return -p_value;
  }
  if (r_value < p_value && r_value < ag_value) {
    for (int i = 0; i < n; ++i) step[i] = r[i], step_h[i] = r_h[i];
    return -r_value;
  }
  for (int i = 0; i < n; ++i) step[i] = ag[i], step_h[i] = ag_h[i];
  return -ag_value;
}

}  // namespace detail

// curve_fit(model, x, y, p0, bounds=(lb, ub), method='trf', maxfev=max_nfev): fits p in
// place; err (if non-null) gets curve_fit's standard errors. On failure (status 0) p holds the
// last iterate and the caller applies its own fallback.
template <class Model>
Result curve_fit_trf(const Model& model, const double* x, const double* y, int m, double* p, const double* lb,
                     const double* ub, int max_nfev, double* err) {
  using namespace detail;
  const int n = model.num_params();
  constexpr double ftol = 1e-8, xtol = 1e-8, gtol = 1e-8;
  double grad_buf[kMaxN > Model::kMaxParams ? kMaxN : Model::kMaxParams];
  auto residuals = [&](const double* q, double* f) {
    double c = 0;
    for (int i = 0; i < m; ++i) {
      f[i] = model.eval(x[i], q, grad_buf) - y[i];
      c += f[i] * f[i];
    }
    return 0.5 * c;
  };
  std::vector<double> f(m), f_new(m), f_tmp(m), jac(static_cast<size_t>(m) * n);
  auto fd_jacobian = [&](const double* q, const std::vector<double>& f0) {
    for (int k = 0; k < n; ++k) {
      const double sign = q[k] >= 0 ? 1.0 : -1.0;
      double h = 1.4901161193847656e-08 * sign * std::max(1.0, ::fabs(q[k]));
      const double lower = q[k] - lb[k], upper = ub[k] - q[k];
      const double moved = q[k] + h;
      const bool violated = moved < lb[k] || moved > ub[k];
      const bool fitting = ::fabs(h) <= std::max(lower, upper);
      if (violated && fitting) h = -h;
      if (!fitting) h = upper >= lower ? upper : -lower;
      double qq[kMaxN];
      for (int i = 0; i < n; ++i) qq[i] = q[i];
      qq[k] = q[k] + h;
      const double dx = qq[k] - q[k];
      residuals(qq, f_tmp.data());
      for (int i = 0; i < m; ++i) jac[static_cast<size_t>(i) * n + k] = (f_tmp[i] - f0[i]) / dx;
    }
  };
  auto gradient = [&](double* g) {
    for (int k = 0; k < n; ++k) {
      g[k] = 0;
      for (int i = 0; i < m; ++i) g[k] += jac[static_cast<size_t>(i) * n + k] * f[i];
    }
  };
  auto cl_scaling = [&](const double* xx, const double* g, double* v, double* dv) {
    for (int i = 0; i < n; ++i) {
      v[i] = 1, dv[i] = 0;
      if (g[i] < 0 && ub[i] < HUGE_VAL) v[i] = ub[i] - xx[i], dv[i] = -1;
      if (g[i] > 0 && lb[i] > -HUGE_VAL) v[i] = xx[i] - lb[i], dv[i] = 1;
    }
  };

  Result res;
  double xc[kMaxN];
  for (int i = 0; i < n; ++i) xc[i] = p[i];
  make_strictly_feasible(xc, lb, ub, n, 1e-10);
  double cost = residuals(xc, f.data());
  res.nfev = 1;
  fd_jacobian(xc, f);
  double g[kMaxN], v[kMaxN], dv[kMaxN];
  gradient(g);
  cl_scaling(xc, g, v, dv);
  double delta = 0;
  for (int i = 0; i < n; ++i) delta += xc[i] * xc[i] / v[i];
  delta = ::sqrt(delta);
  if (delta == 0) delta = 1.0;
  double alpha = 0;
  int status = -1;
  std::vector<double> jaug(static_cast<size_t>(m + n) * n), jh(static_cast<size_t>(m) * n);

  while (true) {
    cl_scaling(xc, g, v, dv);
    double g_norm = 0;
    for (int i = 0; i < n; ++i) g_norm = std::max(g_norm, ::fabs(g[i] * v[i]));
    if (g_norm < gtol) status = 1;
    if (status != -1 || res.nfev == max_nfev) break;

    double d[kMaxN], diag_h[kMaxN], g_h[kMaxN];
    for (int i = 0; i < n; ++i) {
      d[i] = ::sqrt(v[i]);
      diag_h[i] = g[i] * dv[i];
      g_h[i] = d[i] * g[i];
    }
    for (int i = 0; i < m; ++i)
      for (int k = 0; k < n; ++k) jh[static_cast<size_t>(i) * n + k] = jac[static_cast<size_t>(i) * n + k] * d[k];
    std::copy(jh.begin(), jh.end(), jaug.begin());
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < n; ++k) jaug[static_cast<size_t>(m + i) * n + k] = i == k ? ::sqrt(diag_h[i]) : 0.0;
    double s[kMaxN], vmat[kMaxN * kMaxN], uf[kMaxN];
    svd(jaug, m + n, n, s, vmat);
    for (int k = 0; k < n; ++k) {  // U^T [f; 0] with U = (A V) / s
      double acc = 0;
      for (int i = 0; i < m; ++i) acc += jaug[static_cast<size_t>(i) * n + k] * f[i];
      uf[k] = s[k] > 0 ? acc / s[k] : 0.0;
    }
    const detail::HatSpace hs{&jh, m, n, diag_h, g_h};
    const double theta = std::max(0.995, 1 - g_norm);

    double actual = -1, cost_new = cost, x_new[kMaxN];
    while (actual <= 0 && res.nfev < max_nfev) {
      double p_h[kMaxN], pp[kMaxN], step[kMaxN], step_h[kMaxN];
      alpha = solve_trust_region(n, m, uf, s, vmat, delta, alpha, p_h);
      for (int i = 0; i < n; ++i) pp[i] = d[i] * p_h[i];
      const double predicted = select_step(hs, xc, pp, p_h, d, delta, lb, ub, theta, step, step_h);
      for (int i = 0; i < n; ++i) x_new[i] = xc[i] + step[i];
      make_strictly_feasible(x_new, lb, ub, n, 0);
      cost_new = residuals(x_new, f_new.data());
      ++res.nfev;
      const double step_h_norm = norm(step_h, n);
      bool finite = true;
      for (int i = 0; i < m; ++i) finite = finite && ::isfinite(f_new[i]);
      if (!finite) {
        delta = 0.25 * step_h_norm;
        continue;
      }
      actual = cost - cost_new;
      // update_tr_radius
      const double ratio = predicted > 0 ? actual / predicted : 0.0;
      double delta_new = delta;
      if (ratio < 0.25) delta_new = 0.25 * step_h_norm;
      else if (ratio > 0.75 && step_h_norm > 0.95 * delta) delta_new = delta * 2.0;
      // check_termination
      const bool ftol_ok = actual < ftol * cost && ratio > 0.25;
      const bool xtol_ok = norm(step, n) < xtol * (xtol + norm(xc, n));
      if (ftol_ok || xtol_ok) {
        status = ftol_ok && xtol_ok ? 4 : (ftol_ok ? 2 : 3);
        break;
      }
      alpha *= delta / delta_new;
      delta = delta_new;
    }
    if (actual > 0) {
      for (int i = 0; i < n; ++i) xc[i] = x_new[i];
      std::swap(f, f_new);
      cost = cost_new;
      fd_jacobian(xc, f);
      gradient(g);
    }
  }
  res.status = status < 0 ? 0 : status;
  res.cost = cost;
  for (int i = 0; i < n; ++i) p[i] = xc[i];
  if (err) {
    // curve_fit: pinv of J^T J from the SVD of J, singular values above eps * max(m, n) * s0.
    std::vector<double> jj(jac);
    double s[kMaxN], vmat[kMaxN * kMaxN];
    svd(jj, m, n, s, vmat);
    const double threshold = kEps * std::max(m, n) * s[0];
    const double s_sq = m > n ? 2 * cost / (m - n) : HUGE_VAL;
    for (int i = 0; i < n; ++i) {
      double var = 0;
      for (int k = 0; k < n; ++k)
        if (s[k] > threshold) var += vmat[i * n + k] * vmat[i * n + k] / (s[k] * s[k]);
      err[i] = ::sqrt(var * s_sq);
    }
  }
  return res;
}

}  // namespace trf
}  // namespace ioncam
