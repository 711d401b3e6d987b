#pragma once
// Batches of independent 1D profile fits with one model: the work unit of fitBatch() and of the
// CUDA path. Everything a single fit needs (start values, bounds, the LM solve) is IONCAM_HD
// inline code on top of core/lm.h and the model headers, so the CPU loop (batch_fit.cc) and
// the GPU kernel (cuda/fit_batch.cu, one fit per thread, Gpufit style) run the same code.
#include <cstddef>
#include <vector>

#include "core/lm.h"
#include "core/models/gaussian.h"
#include "core/models/profile.h"
#include "core/models/shm.h"
#include "core/models/shm_psf.h"

namespace ioncam {

// Same numbering as VerticalModel and MODELS in src/analysis/options.ts.
enum class BatchModel : int { ShmPsf = 0, Shm = 1, Gaussian = 2 };

namespace batch {

using GaussianModel = model::Profile<model::GaussianPeak, 1>;  // x0, sigma, A (height), offset
using ShmModel = model::Profile<model::ShmPeak, 1>;            // y0, R, A, offset
using ShmPsfModel = model::Profile<model::ShmPsfPeak, 1>;      // y0, R, sigma, A (area), offset

constexpr int kMaxParams = 5;

IONCAM_HD int num_params(BatchModel m) { return m == BatchModel::ShmPsf ? 5 : 4; }

// Weighted moments of the part of the profile above 10 % of its range (as the legacy did for
// its start values): centre and width, plus the profile's extremes and area above the minimum.
struct Moments {
  double centre, width, ymin, ymax, area;
};

IONCAM_HD Moments profile_moments(const double* x, const double* y, int n) {
  Moments m;
  m.ymin = y[0];
  m.ymax = y[0];
  for (int i = 1; i < n; ++i) {
    m.ymin = y[i] < m.ymin ? y[i] : m.ymin;
    m.ymax = y[i] > m.ymax ? y[i] : m.ymax;
  }
  const double cut = m.ymin + 0.1 * (m.ymax - m.ymin);
  double sw = 0, sx = 0, sxx = 0;
  m.area = 0;
  for (int i = 0; i < n; ++i) {
    const double above = y[i] - m.ymin;
    m.area += above;
    if (!(y[i] > cut)) continue;
    sw += above;
    sx += above * x[i];
    sxx += above * x[i] * x[i];
  }
  if (sw > 0) {
    m.centre = sx / sw;
    const double var = sxx / sw - m.centre * m.centre;
    m.width = var > 0 ? ::sqrt(var) : 0.5;
  } else {
    m.centre = 0.5 * (x[0] + x[n - 1]);
    m.width = 1.0;
  }
  return m;
}

// Start values and bounds for the window x[0] .. x[n - 1]: centre inside the window, widths in
// [0.2, n / 4] (the legacy's [0.2, half-window / 2]), amplitudes in [0, 10 max] (areas in
// [0, 10 max n]), offset in [0, max].
IONCAM_HD void start_and_bounds(BatchModel model, const double* x, const double* y, int n, double* p, double* lo,
                                double* hi) {
  const Moments m = profile_moments(x, y, n);
  const double wmax = n / 4.0 > 0.2 ? n / 4.0 : 0.2;
  const double top = m.ymax > 0 ? m.ymax : 1.0;
  const double width = model::clamp_value(m.width, 0.2, wmax);
  const double offset = model::clamp_value(m.ymin, 0.0, top);
  int k = 0;
  lo[k] = x[0], hi[k] = x[n - 1], p[k++] = m.centre;
  if (model == BatchModel::Gaussian) {
    lo[k] = 0.2, hi[k] = wmax, p[k++] = width;
    lo[k] = 0.0, hi[k] = 10 * top, p[k++] = m.ymax - m.ymin;
  } else if (model == BatchModel::Shm) {
    const double r = model::clamp_value(1.41421356237309505 * m.width, 0.2, wmax);
    lo[k] = 0.2, hi[k] = wmax, p[k++] = r;
    lo[k] = 0.0, hi[k] = 10 * top, p[k++] = (m.ymax - m.ymin) * r;  // peak A / R at the centre
  } else {
    // Variance of the blurred oscillation = R^2 / 2 + sigma^2: split the measured one evenly.
    lo[k] = 0.0, hi[k] = wmax, p[k++] = width;
    lo[k] = 0.2, hi[k] = wmax, p[k++] = model::clamp_value(width * 0.70710678118654752, 0.2, wmax);
    lo[k] = 0.0, hi[k] = 10 * top * n, p[k++] = m.area;
  }
  lo[k] = 0.0, hi[k] = top, p[k++] = offset;
}

// One fit: start, bounds and the bounded LM solve. p and err receive num_params(model) values.
template <class Model>
IONCAM_HD LmResult fit_one(BatchModel which, const double* x, const double* y, int n, const LmSettings& settings,
                           double* p, double* err) {
  double lo[kMaxParams], hi[kMaxParams];
  start_and_bounds(which, x, y, n, p, lo, hi);
  Model model;
  return lm_fit(model, x, y, n, p, lo, hi, settings, err);
}

}  // namespace batch

// Results of a batch, structure-of-arrays: params and errors hold num_params values per fit.
struct BatchResult {
  int num_params = 0;
  std::vector<double> params, errors;
  std::vector<int> iterations, status;
  std::vector<unsigned char> converged;
  void resize(size_t count, int np) {
    num_params = np;
    params.assign(count * np, 0.0);
    errors.assign(count * np, 0.0);
    iterations.assign(count, 0);
    status.assign(count, 0);
    converged.assign(count, 0);
  }
};

// The CPU batch: `count` profiles of `points` samples each, row-major in `profiles`, sample j at
// x = x_start + j. Splits across up to `threads` threads (0 = all cores).
void fit_batch_cpu(BatchModel model, const float* profiles, size_t count, int points, double x_start,
                   const LmSettings& settings, BatchResult* out, int threads = 0);

}  // namespace ioncam
