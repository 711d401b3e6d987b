#pragma once
// Generic bounded Levenberg-Marquardt for 1D profile models.
//
// Minimises 0.5 * sum_i (y_i - f(x_i; p))^2 subject to lo <= p <= hi. Each iteration solves
// the Marquardt-damped normal equations over the free parameters (a parameter sitting on a
// bound with the gradient pushing it outward is held for that iteration), projects the step
// onto the box, and accepts it when the cost falls (Nielsen's damping update). The Jacobian
// is analytic and never stored: one pass over the points accumulates J^T J and J^T r.
//
// Errors follow scipy.optimize.curve_fit: cov = pinv(J^T J) * SSR / (n - p) at the solution,
// err = sqrt(diag(cov)), over all parameters (also those ending on a bound), each capped at
// half its box (hi - lo) / 2.
//
// Plain inline code with fixed-size workspaces (Model::kMaxParams), no STL, no exceptions and
// no allocation, so it compiles unchanged with nvcc (IONCAM_HD) for one fit per GPU thread.
//
// Model concept:
//   static constexpr int kMaxParams;            upper bound on parameters (workspace size)
//   int num_params() const;                     parameters of this instance (<= kMaxParams)
//   double eval(double x, const double* p, double* grad) const;   value, d value / d p
//   void eval_chunk(const double* x, int count, const double* p, double* value, double* grad) const;
//       the same for count <= model::kChunk points, grad[j * kMaxParams + k] (a model may share
//       work between neighbouring points here, e.g. pixel edges on a unit grid)
#include "core/models/model_common.h"
#include "core/plane_rotation.h"

// GCC's straight-line vectoriser packs the per-point derivative pairs of the sums below into
// vector loads that straddle the model's scalar stores (store-forwarding stalls): ~10 %
// slower than scalar code here, so it is off for this one function.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#define IONCAM_NO_SLP __attribute__((optimize("no-tree-slp-vectorize")))
#else
#define IONCAM_NO_SLP
#endif

namespace ioncam {

struct LmSettings {
  int max_iterations = 200;  // model evaluations over all points
  double ftol = 1e-10;       // stop when an accepted step lowers the cost by < ftol * cost
  double xtol = 1e-10;       // stop when every |step_i| <= xtol * (xtol + |p_i|)
  double gtol = 1e-12;       // stop when every free column is orthogonal to the residual within gtol
  double lambda0 = 1e-3;     // initial damping relative to diag(J^T J)
};

enum LmStatus : int {
  kLmFtol = 1,        // cost stopped falling
  kLmXtol = 2,        // step became negligible
  kLmGtol = 3,        // gradient (projected onto the box) vanished
  kLmStalled = 4,     // no damped step lowers the cost any more: a minimum to machine precision
  kLmMaxIter = -1,    // ran out of iterations
  kLmBadInput = -2,   // fewer points than parameters, or a non-finite start
};

struct LmResult {
  double cost = 0;      // 0.5 * sum of squared residuals at the returned p
  int iterations = 0;   // model evaluations over all points (the start included)
  int status = 0;       // LmStatus
  bool converged = false;
};

namespace lm_detail {

// 0.5 * SSR at p; with jtj/jtr non-null also J^T J (full, row-major, stride kMax) and J^T r
// with r = y - f. kCount > 0 fixes the parameter count at compile time (unrolled loops).
template <int kCount, class Model>
IONCAM_NO_SLP IONCAM_HD double accumulate_n(const Model& model, const double* x, const double* y, int n, const double* p,
                              int np_runtime, double* jtj, double* jtr) {
  constexpr int kMax = Model::kMaxParams;
  const int np = kCount > 0 ? kCount : np_runtime;
  // Local copies: nothing aliases them, so the compiler keeps parameters and sums in
  // registers and hoists per-fit constants (like 1 / sigma) out of the point loop.
  double q[kMax], grad[kMax], a[kMax * kMax], b[kMax];
  for (int k = 0; k < np; ++k) q[k] = p[k];
  double ssr = 0;
  if (!jtj) {
    for (int i = 0; i < n; ++i) {
      const double r = y[i] - model.eval(x[i], q, grad);
      ssr += r * r;
    }
    return 0.5 * ssr;
  }
  for (int k = 0; k < np; ++k) {
    b[k] = 0;
    for (int l = k; l < np; ++l) a[k * kMax + l] = 0;
  }
  double values[model::kChunk], grads[model::kChunk * kMax];
  for (int i0 = 0; i0 < n; i0 += model::kChunk) {
    const int count = n - i0 < model::kChunk ? n - i0 : model::kChunk;
    model.eval_chunk(x + i0, count, q, values, grads);
    for (int j = 0; j < count; ++j) {
      const double r = y[i0 + j] - values[j];
      const double* g = grads + j * kMax;
      ssr += r * r;
      for (int k = 0; k < np; ++k) {
        const double gk = g[k];
        b[k] += gk * r;
        for (int l = k; l < np; ++l) a[k * kMax + l] += gk * g[l];
      }
    }
  }
  for (int k = 0; k < np; ++k) {
    jtr[k] = b[k];
    for (int l = k; l < np; ++l) jtj[k * kMax + l] = jtj[l * kMax + k] = a[k * kMax + l];
  }
  return 0.5 * ssr;
}

// A model with normal_sums (closed-form normal equations, see model::Profile) takes that path.
template <class Model>
IONCAM_HD auto accumulate_closed(const Model& model, const double* x, const double* y, int n, const double* p,
                                 double* jtj, double* jtr, int) -> decltype(model.normal_sums(x, y, n, p, jtj, jtr)) {
  return model.normal_sums(x, y, n, p, jtj, jtr);
}
template <class Model>
IONCAM_HD double accumulate_closed(const Model& model, const double* x, const double* y, int n, const double* p,
                                   double* jtj, double* jtr, long) {
  return -1;
}

template <class Model>
IONCAM_HD double accumulate(const Model& model, const double* x, const double* y, int n, const double* p,
                            double* jtj, double* jtr) {
  if (jtj) {
    const double cost = accumulate_closed(model, x, y, n, p, jtj, jtr, 0);
    if (cost >= 0) return cost;
  }
  const int np = model.num_params();
  if (np == Model::kMaxParams) return accumulate_n<Model::kMaxParams>(model, x, y, n, p, np, jtj, jtr);
  return accumulate_n<0>(model, x, y, n, p, np, jtj, jtr);
}

// In-place LDL^T factorisation of the symmetric m x m matrix a (stride s): unit lower L below
// the diagonal, 1 / D in inv_d. False when not positive definite. No square roots and one
// division per column: these small solves are latency-bound.
template <int kMax>
IONCAM_HD bool ldlt(double* a, int m, int s, double* inv_d) {
  double dk[kMax];  // D itself
  for (int j = 0; j < m; ++j) {
    double ld[kMax];  // L[j][k] * D[k]
    double d = a[j * s + j];
    for (int k = 0; k < j; ++k) {
      ld[k] = a[j * s + k] * dk[k];
      d -= a[j * s + k] * ld[k];
    }
    if (!(d > 0)) return false;
    dk[j] = d;
    inv_d[j] = 1.0 / d;
    for (int i = j + 1; i < m; ++i) {
      double v = a[i * s + j];
      for (int k = 0; k < j; ++k) v -= a[i * s + k] * ld[k];
      a[i * s + j] = v * inv_d[j];
    }
  }
  return true;
}

// Solves L D L^T x = b with the factor from ldlt(); b is overwritten by x.
IONCAM_HD void ldlt_solve(const double* l, const double* inv_d, int m, int s, double* b) {
  for (int i = 0; i < m; ++i) {
    double v = b[i];
    for (int k = 0; k < i; ++k) v -= l[i * s + k] * b[k];
    b[i] = v;
  }
  for (int i = 0; i < m; ++i) b[i] *= inv_d[i];
  for (int i = m - 1; i >= 0; --i) {
    double v = b[i];
    for (int k = i + 1; k < m; ++k) v -= l[k * s + i] * b[k];
    b[i] = v;
  }
}

// Diagonal of the pseudo-inverse of the symmetric positive semi-definite m x m matrix a
// (stride s; a is destroyed) by cyclic Jacobi rotations. Eigenvalues below rel * max are
// treated as zero, like scipy's pinv of J with threshold eps * max(n, p) * s_max.
template <int kMax>
IONCAM_HD void pinv_diagonal(double* a, int m, int s, double rel, double* diag_out) {
  double v[kMax * kMax];
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) v[i * kMax + j] = i == j ? 1.0 : 0.0;
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0, scale = 0;
    for (int i = 0; i < m; ++i) {
      scale += a[i * s + i] * a[i * s + i];
      for (int j = i + 1; j < m; ++j) off += a[i * s + j] * a[i * s + j];
    }
    if (off <= 1e-30 * scale) break;
    for (int p = 0; p < m; ++p) {
      for (int q = p + 1; q < m; ++q) {
        const double apq = a[p * s + q];
        if (apq == 0) continue;
        const double theta = (a[q * s + q] - a[p * s + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (::fabs(theta) + ::sqrt(theta * theta + 1));
        const double c = 1 / ::sqrt(t * t + 1), sn = t * c;
        rotate_pairs(a + p, a + q, m, s, c, sn);          // A <- A G (columns p, q)
        rotate_pairs(a + p * s, a + q * s, m, 1, c, sn);  // A <- G^T A (rows p, q)
        rotate_pairs(v + p, v + q, m, kMax, c, sn);
      }
    }
  }
  double emax = 0;
  for (int i = 0; i < m; ++i) emax = a[i * s + i] > emax ? a[i * s + i] : emax;
  for (int i = 0; i < m; ++i) diag_out[i] = 0;
  for (int e = 0; e < m; ++e) {
    const double ev = a[e * s + e];
    if (!(ev > rel * emax) || ev <= 0) continue;
    for (int i = 0; i < m; ++i) diag_out[i] += v[i * kMax + e] * v[i * kMax + e] / ev;
  }
}

}  // namespace lm_detail

// Fits p (in: start, out: solution) to the n points (x, y) within [lo, hi]. With err non-null
// writes the curve_fit standard errors (infinite when n <= number of parameters).
namespace lm_detail {

// The solver for kCount parameters (0: model.num_params() at run time).
template <int kCount, class Model>
IONCAM_HD LmResult lm_fit_n(const Model& model, const double* x, const double* y, int n, double* p, const double* lo,
                            const double* hi, const LmSettings& settings, double* err) {
  constexpr int kMax = Model::kMaxParams;
  const int np = kCount > 0 ? kCount : model.num_params();
  LmResult res;
  for (int a = 0; a < np; ++a) {
    p[a] = model::clamp_value(p[a], lo[a], hi[a]);
    if (err) err[a] = 0;
  }
  if (n < np) {
    res.status = kLmBadInput;
    return res;
  }

  double jtj[kMax * kMax], jtr[kMax];
  double jtj_new[kMax * kMax], jtr_new[kMax];
  double sys[kMax * kMax], step[kMax], trial[kMax], scale[kMax];
  int free_idx[kMax];

  double cost = accumulate(model, x, y, n, p, jtj, jtr);
  res.iterations = 1;
  if (!(cost == cost) || cost > 1e300) {
    res.cost = cost;
    res.status = kLmBadInput;
    return res;
  }
  for (int a = 0; a < np; ++a) scale[a] = jtj[a * kMax + a];
  double lambda = settings.lambda0, nu = 2.0;
  int status = 0;

  while (status == 0) {
    if (cost == 0) {
      status = kLmFtol;
      break;
    }
    // Free parameters: not held against a bound by the descent direction J^T r.
    int nf = 0;
    // Gradient test: every free column within gtol of orthogonal to the residual, i.e.
    // (J_a . r)^2 <= gtol^2 |J_a|^2 |r|^2 (squared: no roots or divisions in the loop).
    bool flat = true;
    const double g2 = settings.gtol * settings.gtol * 2 * cost;
    for (int a = 0; a < np; ++a) {
      const bool held = (p[a] <= lo[a] && jtr[a] < 0) || (p[a] >= hi[a] && jtr[a] > 0);
      step[a] = 0;
      if (held) continue;
      free_idx[nf++] = a;
      if (jtr[a] * jtr[a] > g2 * jtj[a * kMax + a]) flat = false;
    }
    if (nf == 0 || flat) {
      status = kLmGtol;
      break;
    }
    if (res.iterations >= settings.max_iterations) {
      status = kLmMaxIter;
      break;
    }
    // Damping scale: the largest diagonal seen so far (More's scaling), floored so that a
    // parameter with no sensitivity at the moment still gets a finite step.
    double smax = 0;
    for (int a = 0; a < np; ++a) {
      const double d = jtj[a * kMax + a];
      scale[a] = d > scale[a] ? d : scale[a];
      smax = scale[a] > smax ? scale[a] : smax;
    }
    for (int i = 0; i < nf; ++i) {
      const int a = free_idx[i];
      for (int j = 0; j < nf; ++j) sys[i * kMax + j] = jtj[a * kMax + free_idx[j]];
      const double d = scale[a] > 1e-12 * smax ? scale[a] : 1e-12 * smax;
      sys[i * kMax + i] += lambda * (d > 0 ? d : 1.0);
      trial[i] = jtr[a];
    }
    double inv_d[kMax];
    if (!ldlt<kMax>(sys, nf, kMax, inv_d)) {
      lambda *= nu;
      nu *= 2;
      if (lambda > 1e30) status = kLmStalled;
      continue;
    }
    ldlt_solve(sys, inv_d, nf, kMax, trial);
    for (int i = 0; i < nf; ++i) step[free_idx[i]] = trial[i];

    // Project onto the box; the step actually taken is trial - p.
    bool small = true;
    for (int a = 0; a < np; ++a) {
      trial[a] = model::clamp_value(p[a] + step[a], lo[a], hi[a]);
      step[a] = trial[a] - p[a];
      if (::fabs(step[a]) > settings.xtol * (settings.xtol + ::fabs(p[a]))) small = false;
    }
    if (small) {
      status = kLmXtol;
      break;
    }
    // Reduction predicted by the linear model of the residuals for the step taken. When the
    // damping is light (the step is close to Gauss-Newton) and even that predicts a negligible
    // gain, p is converged without spending one more pass over the points.
    double pred = 0;
    for (int a = 0; a < np; ++a) {
      double as = 0;
      for (int b = 0; b < np; ++b) as += jtj[a * kMax + b] * step[b];
      pred += step[a] * (jtr[a] - 0.5 * as);
    }
    if (lambda <= 1.0 && pred >= 0 && pred <= settings.ftol * cost) {
      status = kLmFtol;
      break;
    }
    const double cost_new = accumulate(model, x, y, n, trial, jtj_new, jtr_new);
    ++res.iterations;
    const double actual = cost - cost_new;
    if (cost_new == cost_new && actual > 0) {
      const double rho = pred > 0 ? actual / pred : 1.0;
      for (int a = 0; a < np; ++a) {
        p[a] = trial[a];
        jtr[a] = jtr_new[a];
        for (int b = 0; b < np; ++b) jtj[a * kMax + b] = jtj_new[a * kMax + b];
      }
      const double prev = cost;
      cost = cost_new;
      const double t = 2 * rho - 1;
      const double f = 1 - t * t * t;
      lambda *= f > 1.0 / 3 ? f : 1.0 / 3;
      nu = 2;
      if (actual <= settings.ftol * prev) status = kLmFtol;
    } else {
      lambda *= nu;
      nu *= 2;
      if (lambda > 1e30) status = kLmStalled;
    }
  }

  res.cost = cost;
  res.status = status;
  res.converged = status > 0;
  if (err) {
    const int dof = n - np;
    if (dof <= 0) {
      for (int a = 0; a < np; ++a) err[a] = HUGE_VAL;
    } else {
      const double var = 2 * cost / dof;
      for (int a = 0; a < np * kMax; ++a) sys[a] = jtj[a];
      double diag[kMax], inv_d[kMax];
      if (ldlt<kMax>(sys, np, kMax, inv_d)) {
        // inv(A) = inv(L)^T inv(D) inv(L), so diag_c = sum_i inv(L)[i][c]^2 / D_i; column c of
        // inv(L) by forward substitution of the unit vector e_c.
        for (int c = 0; c < np; ++c) {
          double s2 = inv_d[c];
          trial[c] = 1.0;
          for (int i = c + 1; i < np; ++i) {
            double v = 0;
            for (int k = c; k < i; ++k) v -= sys[i * kMax + k] * trial[k];
            trial[i] = v;
            s2 += v * v * inv_d[i];
          }
          diag[c] = s2;
        }
      } else {
        for (int a = 0; a < np * kMax; ++a) sys[a] = jtj[a];
        const double rel_s = 2.220446049250313e-16 * (n > np ? n : np);
        pinv_diagonal<kMax>(sys, np, kMax, rel_s * rel_s, diag);
      }
      // A parameter confined to [lo, hi] has a standard deviation of at most (hi - lo) / 2:
      // beyond that the linearised covariance (a flat direction) no longer means anything.
      for (int a = 0; a < np; ++a) {
        const double e = ::sqrt(diag[a] * var), cap = 0.5 * (hi[a] - lo[a]);
        err[a] = e < cap ? e : cap;
      }
    }
  }
  return res;
}

}  // namespace lm_detail

template <class Model>
IONCAM_HD LmResult lm_fit(const Model& model, const double* x, const double* y, int n, double* p, const double* lo,
                          const double* hi, const LmSettings& settings, double* err) {
  if (model.num_params() == Model::kMaxParams) {
    return lm_detail::lm_fit_n<Model::kMaxParams>(model, x, y, n, p, lo, hi, settings, err);
  }
  return lm_detail::lm_fit_n<0>(model, x, y, n, p, lo, hi, settings, err);
}

}  // namespace ioncam
