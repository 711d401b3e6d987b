// The legacy windows, initial guesses and bounds (MISSION.md step 3, the legacy
// fit_profiles()), with the fit that the legacy meant to run: bounded least squares.
// Float32 arithmetic where the legacy computed in float32 (the moment weights), so the
// initial guesses match the legacy's to the last bit on integer frames.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/models/gaussian.h"
#include "core/models/profile.h"
#include "core/models/shm.h"
#include "core/models/shm_psf.h"
#include "core/profile_fit_internal.h"
#include "core/profile_sums.h"
#include "core/shm_psf_errors.h"
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

// The legacy's initial guesses and bounds for a profile whose window [lo, hi) is summed into
// values: (centre, width, amplitude, offset), the width bounded by half the window half-width.
void set_guesses_and_bounds(double peak, double width, int win, double detection, LegacyProfile* pr) {
  index_range(pr->lo, pr->hi, &pr->x);
  double vmin, vmax;
  min_max(pr->values, &vmin, &vmax);
  pr->p0[0] = peak, pr->p0[1] = width, pr->p0[2] = vmax - vmin, pr->p0[3] = vmin;
  pr->lower[0] = pr->lo, pr->lower[1] = 0.2, pr->lower[2] = 0, pr->lower[3] = 0;
  pr->upper[0] = pr->hi, pr->upper[1] = win / 2.0, pr->upper[2] = vmax * 10, pr->upper[3] = vmax;
  pr->fallback_centre = detection;
}


// Outside the legacy model ('shm', whose errors are curve_fit's to the digit, as the fixtures'
// intended_fit): a flat direction (e.g. a hot pixel fitted with sigma on its lower bound)
// gives curve_fit errors far beyond the box, but a parameter confined to [lo, hi] has a
// standard deviation of at most (hi - lo) / 2.
void cap_to_box(const double* lo, const double* hi, int n, double* err) {
  for (int i = 0; i < n; ++i) err[i] = std::min(err[i], 0.5 * (hi[i] - lo[i]));
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
  // No scipy run to follow here (the legacy never had this model), so the default fits' budget
  // of evaluations, not the legacy's maxfev: on noise blobs the fit otherwise wanders for
  // hundreds of evaluations with R / sigma at the quadrature's largest node count.
  LmSettings s = profile_fit_settings();
  s.ftol = s.xtol = s.gtol = 1e-8;
  const LmResult r = lm_fit(model::Profile<model::ShmPsfPeak, 1>(), y.data(), v.data(), static_cast<int>(y.size()), p,
                            lo5, hi5, s, err);
  shm_psf_unresolved_errors(y.data(), v.data(), static_cast<int>(y.size()), p, hi5[1], err);
  out.ran = true;
  out.converged = r.converged;
  out.evaluations = r.iterations;
  return out;
}

}  // namespace

bool legacy_setup(const Image& roi, double cx, double cy, LegacySetup* out) {
  const int w = roi.width, h = roi.height;
  const int x_min_init = std::max(0, static_cast<int>(cx - kBaseWindow));
  const int x_max_init = std::min(w, static_cast<int>(cx + kBaseWindow));
  const int y_min_init = std::max(0, static_cast<int>(cy - kBaseWindow));
  const int y_max_init = std::min(h, static_cast<int>(cy + kBaseWindow));
  if (x_max_init <= x_min_init || y_max_init <= y_min_init ||
      (x_max_init - x_min_init) * (y_max_init - y_min_init) < 25) {
    return false;  // the legacy's "fewer than 25 pixels"
  }
  std::vector<double> prof;

  // Horizontal: column sums of the +-30 block for the moments, then the fit window.
  sum_rows(roi, y_min_init, y_max_init, x_min_init, x_max_init, &prof);
  const MomentEstimate mh = profile_moments(prof, x_min_init);
  const double sigma_est = mh.width < 0 ? 2.0 : std::max(mh.width, 0.5);
  const int win_x = std::max(kMinWindow, static_cast<int>(4 * sigma_est + 2));
  LegacyProfile& hp = out->horizontal;
  hp.lo = std::max(0, static_cast<int>(cx - win_x));
  hp.hi = std::min(w, static_cast<int>(cx + win_x));
  sum_rows(roi, y_min_init, y_max_init, hp.lo, hp.hi, &hp.values);
  set_guesses_and_bounds(mh.peak, sigma_est, win_x, cx, &hp);

  // Vertical: row sums over the +-30 columns for the moments, then the fit window.
  sum_columns(roi, y_min_init, y_max_init, x_min_init, x_max_init, &prof);
  const MomentEstimate mv = profile_moments(prof, y_min_init);
  const double r_est = mv.width < 0 ? 4.0 : std::max(std::sqrt(2.0) * mv.width, 0.5);
  const int win_y = std::max(kMinWindow, static_cast<int>(2.5 * r_est + 3));
  LegacyProfile& vp = out->vertical;
  vp.lo = std::max(0, static_cast<int>(cy - win_y));
  vp.hi = std::min(h, static_cast<int>(cy + win_y));
  sum_columns(roi, vp.lo, vp.hi, x_min_init, x_max_init, &vp.values);
  set_guesses_and_bounds(mv.peak, r_est, win_y, cy, &vp);
  return true;
}

IonFit fit_ion_legacy(const Image& roi, double cx, double cy, VerticalModel model) {
  IonFit fit;
  LegacySetup setup;
  if (!legacy_setup(roi, cx, cy, &setup)) return fit;  // zeros, as the legacy
  {
    const LegacyProfile& hp = setup.horizontal;
    double p[4] = {hp.p0[0], hp.p0[1], hp.p0[2], hp.p0[3]}, err[4] = {0, 0, 0, 0};
    const ProfileFit r = fit_scipy(model::Profile<model::GaussianPeak, 1>(), hp.x, hp.values, hp.lower, hp.upper, p, err);
    fit.iterations += r.evaluations;
    fit.converged = r.converged;
    if (!r.converged) {  // the legacy's fallback: the detection and the initial estimates
      for (int k = 0; k < 4; ++k) p[k] = hp.p0[k];
      p[0] = hp.fallback_centre;
    }
    if (model != VerticalModel::Shm) cap_to_box(hp.lower, hp.upper, 4, err);
    store_horizontal(&fit, p, err);
  }
  {
    const LegacyProfile& vp = setup.vertical;
    double p[5], err[5] = {0, 0, 0, 0, 0};
    if (model == VerticalModel::ShmPsf) {
      // The legacy start split into oscillation and PSF: the moment width is sqrt(sigma^2 + R^2/2).
      p[0] = vp.p0[0], p[1] = vp.p0[1] / std::sqrt(2.0), p[2] = fit.sigma_x > 0.3 ? fit.sigma_x : 1.0;
      p[3] = vp.p0[2] * 2.5 * std::max(vp.p0[1], 1.0), p[4] = vp.p0[3];
    } else {
      p[0] = vp.p0[0], p[1] = model == VerticalModel::Gaussian ? vp.p0[1] / std::sqrt(2.0) : vp.p0[1];
      p[2] = vp.p0[2], p[3] = vp.p0[3];
    }
    const ProfileFit r = fit_vertical(model, vp.x, vp.values, vp.lower, vp.upper, p, err);
    if (model == VerticalModel::Gaussian) cap_to_box(vp.lower, vp.upper, 4, err);
    fit.iterations += r.evaluations;
    fit.converged = fit.converged && r.converged;
    if (!r.converged) {  // fallback as above
      p[0] = vp.fallback_centre;
      if (model == VerticalModel::ShmPsf) p[1] = vp.p0[1] / std::sqrt(2.0);
    }
    store_vertical(&fit, model, p, err);
  }
  return fit;
}

}  // namespace ioncam
