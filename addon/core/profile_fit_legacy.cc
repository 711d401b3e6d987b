// The legacy windows, initial guesses and bounds (MISSION.md step 3, the legacy
// fit_profiles()), with the fit that the legacy meant to run: bounded least squares.
// Float32 arithmetic where the legacy computed in float32 (the moment weights), so the
// initial guesses match the legacy's to the last bit on integer frames.
#include <cmath>
#include <vector>

#include "core/models/gaussian.h"
#include "core/models/profile.h"
#include "core/models/shm.h"
#include "core/models/shm_psf.h"
#include "core/profile_fit_internal.h"
#include "core/profile_sums.h"
#include "core/trf_scipy.h"

namespace ioncam {

namespace {

constexpr int kBaseWindow = 30;
constexpr int kMinWindow = 20;

// numpy's pairwise summation (blocks of 8 partial sums) in the array's own precision.
template <class T>
T numpy_sum(const T* a, size_t n) {
  if (n < 8) {
    T s = 0;
    for (size_t i = 0; i < n; ++i) s += a[i];
    return s;
  }
  if (n <= 128) {
    T r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i + 8 <= n; i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    T s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += a[i];
    return s;
  }
  size_t half = n / 2;
  half -= half % 8;
  return numpy_sum(a, half) + numpy_sum(a + half, n - half);
}

struct MomentEstimate {
  int peak = 0;        // index (absolute) of the first maximum
  double width = 0;    // sqrt of the weighted second moment around the peak; < 0 when unavailable
};

// Weighted second moment around the profile maximum over points above 10 % of the range.
MomentEstimate profile_moments(const std::vector<double>& prof, int first_index) {
  MomentEstimate m;
  size_t arg = 0;
  float lo = static_cast<float>(prof[0]), hi = lo;
  for (size_t i = 0; i < prof.size(); ++i) {
    const float v = static_cast<float>(prof[i]);
    if (v > hi) {
      hi = v;
      arg = i;
    }
    lo = v < lo ? v : lo;
  }
  m.peak = first_index + static_cast<int>(arg);
  m.width = -1;
  const float amp = hi - lo;
  if (!(amp > 0)) return m;
  std::vector<float> w;
  std::vector<double> wd2;
  for (size_t i = 0; i < prof.size(); ++i) {
    const float norm = (static_cast<float>(prof[i]) - lo) / amp;
    if (norm > 0.1f) {
      const double d = static_cast<double>(first_index + static_cast<int>(i) - m.peak);
      w.push_back(norm);
      wd2.push_back(static_cast<double>(norm) * (d * d));
    }
  }
  if (w.size() <= 3) return m;
  m.width = std::sqrt(numpy_sum(wd2.data(), wd2.size()) / static_cast<double>(numpy_sum(w.data(), w.size())));
  return m;
}

void min_max(const std::vector<double>& v, double* lo, double* hi) {
  *lo = *hi = v[0];
  for (double e : v) {
    *lo = e < *lo ? e : *lo;
    *hi = e > *hi ? e : *hi;
  }
}


constexpr int kMaxNfev = 2000;  // the legacy's maxfev

// scipy refuses a start outside the box or an empty box (the legacy then falls back).
bool scipy_accepts(const double* p, const double* lo, const double* hi, int n) {
  for (int i = 0; i < n; ++i)
    if (!(lo[i] < hi[i]) || p[i] < lo[i] || p[i] > hi[i]) return false;
  return true;
}

struct ProfileFit {
  bool ran = false;  // false: scipy would have raised before fitting
  bool converged = false;
  int evaluations = 0;
};

// Fits one profile from p within [lo, hi] the way curve_fit(method='trf') does; the
// physical shm-psf model (smooth, 5 parameters) uses the LM core instead.
template <class Model>
ProfileFit fit_scipy(const Model& model, const std::vector<double>& x, const std::vector<double>& v, const double* lo,
                     const double* hi, double* p, double* err) {
  ProfileFit out;
  if (!scipy_accepts(p, lo, hi, model.num_params())) return out;
  out.ran = true;
  double q[8];
  for (int i = 0; i < model.num_params(); ++i) q[i] = p[i];
  const trf::Result r = trf::curve_fit_trf(model, x.data(), v.data(), static_cast<int>(x.size()), q, lo, hi,
                                           kMaxNfev, err);
  out.evaluations = r.nfev;
  out.converged = r.success();
  if (out.converged) {
    for (int i = 0; i < model.num_params(); ++i) p[i] = q[i];
  } else {
    for (int i = 0; i < model.num_params(); ++i) err[i] = 0;
  }
  return out;
}

ProfileFit fit_vertical(VerticalModel model, const std::vector<double>& y, const std::vector<double>& v,
                        const double* lo4, const double* hi4, double* p, double* err) {
  if (model == VerticalModel::Shm) return fit_scipy(model::Profile<model::ShmPeak, 1>(), y, v, lo4, hi4, p, err);
  if (model == VerticalModel::Gaussian) {
    return fit_scipy(model::Profile<model::GaussianPeak, 1>(), y, v, lo4, hi4, p, err);
  }
  // shm-psf: R and sigma up to the legacy R bound, area up to 10 max per unit of R bound.
  const double lo5[5] = {lo4[0], 0.0, 0.3, 0.0, lo4[3]};
  const double hi5[5] = {hi4[0], hi4[1], hi4[1], hi4[2] * 2 * hi4[1], hi4[3]};
  ProfileFit out;
  if (!scipy_accepts(p, lo5, hi5, 5)) return out;
  LmSettings s;
  s.ftol = s.xtol = s.gtol = 1e-8;
  s.max_iterations = kMaxNfev;
  const LmResult r = lm_fit(model::Profile<model::ShmPsfPeak, 1>(), y.data(), v.data(), static_cast<int>(y.size()), p,
                            lo5, hi5, s, err);
  out.ran = true;
  out.converged = r.converged;
  out.evaluations = r.iterations;
  return out;
}

}  // namespace

IonFit fit_ion_legacy(const Image& roi, double cx, double cy, VerticalModel model) {
  IonFit fit;
  const int w = roi.width, h = roi.height;
  const int x_min_init = std::max(0, static_cast<int>(cx - kBaseWindow));
  const int x_max_init = std::min(w, static_cast<int>(cx + kBaseWindow));
  const int y_min_init = std::max(0, static_cast<int>(cy - kBaseWindow));
  const int y_max_init = std::min(h, static_cast<int>(cy + kBaseWindow));
  if (x_max_init <= x_min_init || y_max_init <= y_min_init ||
      (x_max_init - x_min_init) * (y_max_init - y_min_init) < 25) {
    return fit;  // the legacy's "fewer than 25 pixels": zeros
  }
  std::vector<double> prof, xs;

  // Horizontal: column sums of the +-30 block for the moments, then the fit window.
  sum_rows(roi, y_min_init, y_max_init, x_min_init, x_max_init, &prof);
  const MomentEstimate mh = profile_moments(prof, x_min_init);
  const double sigma_est = mh.width < 0 ? 2.0 : std::max(mh.width, 0.5);
  const int win_x = std::max(kMinWindow, static_cast<int>(4 * sigma_est + 2));
  const int x_min = std::max(0, static_cast<int>(cx - win_x));
  const int x_max = std::min(w, static_cast<int>(cx + win_x));
  bool converged = true;
  {
    sum_rows(roi, y_min_init, y_max_init, x_min, x_max, &prof);
    index_range(x_min, x_max, &xs);
    double vmin, vmax;
    min_max(prof, &vmin, &vmax);
    double p[4] = {static_cast<double>(mh.peak), sigma_est, vmax - vmin, vmin}, err[4] = {0, 0, 0, 0};
    const double lo[4] = {static_cast<double>(x_min), 0.2, 0, 0};
    const double hi[4] = {static_cast<double>(x_max), win_x / 2.0, vmax * 10, vmax};
    const ProfileFit r = fit_scipy(model::Profile<model::GaussianPeak, 1>(), xs, prof, lo, hi, p, err);
    fit.iterations += r.evaluations;
    converged = r.converged;
    if (!r.converged) {  // the legacy's fallback: the detection and the initial estimates
      p[0] = cx, p[1] = sigma_est, p[2] = vmax - vmin, p[3] = vmin;
    }
    store_horizontal(&fit, p, err);
  }

  // Vertical: row sums over the +-30 columns for the moments, then the fit window.
  sum_columns(roi, y_min_init, y_max_init, x_min_init, x_max_init, &prof);
  const MomentEstimate mv = profile_moments(prof, y_min_init);
  const double r_est = mv.width < 0 ? 4.0 : std::max(std::sqrt(2.0) * mv.width, 0.5);
  const int win_y = std::max(kMinWindow, static_cast<int>(2.5 * r_est + 3));
  const int y_min = std::max(0, static_cast<int>(cy - win_y));
  const int y_max = std::min(h, static_cast<int>(cy + win_y));
  {
    sum_columns(roi, y_min, y_max, x_min_init, x_max_init, &prof);
    index_range(y_min, y_max, &xs);
    double vmin, vmax;
    min_max(prof, &vmin, &vmax);
    const double lo[4] = {static_cast<double>(y_min), 0.2, 0, 0};
    const double hi[4] = {static_cast<double>(y_max), win_y / 2.0, vmax * 10, vmax};
    double p[5], err[5] = {0, 0, 0, 0, 0};
    if (model == VerticalModel::ShmPsf) {
      // Same start, split into oscillation and PSF: the moment width is sqrt(sigma^2 + R^2/2).
      p[0] = mv.peak, p[1] = r_est / std::sqrt(2.0), p[2] = fit.sigma_x > 0.3 ? fit.sigma_x : 1.0;
      p[3] = (vmax - vmin) * 2.5 * std::max(r_est, 1.0), p[4] = vmin;
    } else {
      p[0] = mv.peak, p[1] = model == VerticalModel::Gaussian ? r_est / std::sqrt(2.0) : r_est;
      p[2] = vmax - vmin, p[3] = vmin;
    }
    const ProfileFit r = fit_vertical(model, xs, prof, lo, hi, p, err);
    fit.iterations += r.evaluations;
    converged = converged && r.converged;
    if (!r.converged) {  // fallback as above
      p[0] = cy;
      if (model == VerticalModel::ShmPsf) p[1] = r_est / std::sqrt(2.0);
    }
    store_vertical(&fit, model, p, err);
  }
  fit.converged = converged;
  return fit;
}

}  // namespace ioncam
