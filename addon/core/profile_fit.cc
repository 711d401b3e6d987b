// Per-ion profile fits. Two windowing schemes share the LM core and the models:
// - legacy (FitOptions.legacy_windows): the legacy's windows, guesses and bounds, for
//   comparison with the legacy method (profile_fit_legacy.cc);
// - default (here): windows that follow the ion and keep its neighbours out, physical
//   pixel-integrated models, and a joint fit of horizontally overlapping neighbours.
#include "core/profile_fit.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/models/gaussian_pixel.h"
#include "core/models/profile.h"
#include "core/models/shm.h"
#include "core/models/shm_psf.h"
#include "core/profile_fit_internal.h"
#include "core/profile_sums.h"
#include "core/shm_psf_errors.h"

namespace ioncam {

void store_horizontal(IonFit* fit, const double* p, const double* err) {
  fit->x0 = p[0], fit->sigma_x = p[1], fit->amp_x = p[2], fit->offset_x = p[3];
  fit->err[0] = err[0], fit->err[2] = err[1], fit->err[4] = err[2], fit->err[6] = err[3];
}

void store_vertical(IonFit* fit, VerticalModel model, const double* p, const double* err) {
  fit->y0 = p[0];
  fit->err[1] = err[0];
  if (model == VerticalModel::ShmPsf) {
    fit->r_y = p[1], fit->sigma_y = p[2], fit->amp_y = p[3], fit->offset_y = p[4];
    fit->err[3] = err[1], fit->err_sigma_y = err[2], fit->err[5] = err[3], fit->err[7] = err[4];
    fit->has_sigma_y = true;
  } else if (model == VerticalModel::Gaussian) {
    // A Gaussian has no oscillation amplitude: all of the width is reported as sigma_y.
    fit->r_y = 0, fit->sigma_y = p[1], fit->amp_y = p[2], fit->offset_y = p[3];
    fit->err[3] = 0, fit->err_sigma_y = err[1], fit->err[5] = err[2], fit->err[7] = err[3];
    fit->has_sigma_y = true;
  } else {
    fit->r_y = p[1], fit->amp_y = p[2], fit->offset_y = p[3];
    fit->err[3] = err[1], fit->err[5] = err[2], fit->err[7] = err[3];
  }
}

LmSettings profile_fit_settings() {
  LmSettings s;
  // Stop once even the Gauss-Newton step would gain less than 1e-6 of the cost: with n points
  // the parameters then sit within ~sqrt(n * 1e-6) (< 1 %) of a standard error of the optimum.
  s.ftol = 1e-6;
  s.xtol = 1e-9;
  s.gtol = 1e-10;
  s.max_iterations = 100;
  return s;
}

namespace {

constexpr double kInf = HUGE_VAL;
constexpr int kBandX = 4;            // vertical profile: columns +-4 around the ion (~95 % of a 2 px PSF)
constexpr int kMaxHalfHeight = 30;   // vertical profile: rows searched for the ion's extent
constexpr int kHalfWidth = 12;       // horizontal profile: columns +-12 (> 3.4 sigma for sigma <= 3.5)
constexpr double kNeighbourReach = 8;  // light of a neighbour this far beyond a window still matters
constexpr int kMaxPeaks = 3;         // joint horizontal fit: the ion and its nearest neighbour each side

struct Extent {
  double centre = 0;  // weighted centroid above background
  double var = 0;     // weighted variance above background
  double floor = 0;   // background estimate (profile minimum)
  double area = 0;    // sum above background
  int first = 0, last = 0;  // absolute indices of the outermost points above 5 % of the peak
};

// Background-subtracted moments of a profile over the points connected to its maximum that
// stay above 5 % of the peak height.
Extent measure(const std::vector<double>& v, int first_index) {
  Extent e;
  size_t arg = 0;
  double lo = v[0], hi = v[0];
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] > hi) hi = v[i], arg = i;
    lo = std::min(lo, v[i]);
  }
  e.floor = lo;
  const double cut = lo + 0.05 * (hi - lo);
  size_t a = arg, b = arg;
  while (a > 0 && v[a - 1] > cut) --a;
  while (b + 1 < v.size() && v[b + 1] > cut) ++b;
  double s0 = 0, s1 = 0, s2 = 0;
  for (size_t i = a; i <= b; ++i) {
    const double w = v[i] - lo, x = static_cast<double>(first_index) + static_cast<double>(i);
    s0 += w, s1 += w * x, s2 += w * x * x;
  }
  e.area = s0;
  e.centre = s0 > 0 ? s1 / s0 : first_index + static_cast<double>(arg);
  e.var = s0 > 0 ? std::max(0.0, s2 / s0 - e.centre * e.centre) : 1.0;
  e.first = first_index + static_cast<int>(a);
  e.last = first_index + static_cast<int>(b);
  return e;
}

// floor(v) as an int no larger than cap (v may be infinite: no neighbour).
int floor_capped(double v, int cap) { return v >= cap ? cap : static_cast<int>(std::floor(v)); }

// Distance along one axis to the nearest other detection whose light can reach the band
// |other axis - centre| < reach; kInf if none. dir = -1 (left/up), +1 (right/down), 0 (either).
double nearest(const std::vector<Detection>& d, size_t self, bool along_x, double along, double across,
               double reach, int dir) {
  double best = kInf;
  for (size_t j = 0; j < d.size(); ++j) {
    if (j == self) continue;
    const double a = (along_x ? d[j].x : d[j].y) - along;
    const double c = (along_x ? d[j].y : d[j].x) - across;
    if (std::fabs(c) >= reach) continue;
    if ((dir < 0 && a >= 0) || (dir > 0 && a <= 0)) continue;
    best = std::min(best, std::fabs(a));
  }
  return best;
}

// The nearest detection on one side (index), or -1.
int nearest_index(const std::vector<Detection>& d, size_t self, double x, double y, double reach, int dir,
                  double max_dist) {
  int best = -1;
  double best_d = max_dist;
  for (size_t j = 0; j < d.size(); ++j) {
    if (j == self || std::fabs(d[j].y - y) >= reach) continue;
    const double a = d[j].x - x;
    if ((dir < 0 && a >= 0) || (dir > 0 && a <= 0)) continue;
    if (std::fabs(a) < best_d) best_d = std::fabs(a), best = static_cast<int>(j);
  }
  return best;
}

struct VerticalResult {
  LmResult lm;
  double p[5] = {0, 0, 0, 0, 0};
  double err[5] = {0, 0, 0, 0, 0};
};

struct VerticalProfile {
  std::vector<double> ys, values;
  Extent extent;
  int c0 = 0, c1 = 0;         // the column band [c0, c1)
  double y_lo = 0, y_hi = 0;  // bounds of the centre
};

// Vertical profile: row sums over a narrow column band (kept clear of horizontal neighbours),
// rows trimmed to the ion's extent (and to half-way to vertical neighbours).
VerticalProfile vertical_profile(const Image& roi, const std::vector<Detection>& d, size_t index) {
  const double xd = d[index].x, yd = d[index].y;
  const int cx = static_cast<int>(std::lround(xd)), cy = static_cast<int>(std::lround(yd));
  const double dx = nearest(d, index, true, xd, yd, 2.0 * kMaxHalfHeight, 0);
  const int band = std::max(1, floor_capped(dx / 2 - 1, kBandX));
  const double dy = nearest(d, index, false, yd, xd, band + kNeighbourReach, 0);
  const int half = std::max(4, floor_capped(dy / 2, kMaxHalfHeight));
  int r0 = std::max(0, cy - half), r1 = std::min(roi.height, cy + half + 1);
  VerticalProfile out;
  out.c0 = std::max(0, cx - band), out.c1 = std::min(roi.width, cx + band + 1);
  std::vector<double>& prof = out.values;
  sum_columns(roi, r0, r1, out.c0, out.c1, &prof);
  out.extent = measure(prof, r0);
  // Keep the ion's extent plus ~4 PSF widths of background on each side.
  const int margin = 9;
  const int t0 = std::max(r0, out.extent.first - margin), t1 = std::min(r1, out.extent.last + margin + 1);
  if (t0 != r0 || t1 != r1) {
    prof.erase(prof.begin() + (t1 - r0), prof.end());
    prof.erase(prof.begin(), prof.begin() + (t0 - r0));
    r0 = t0, r1 = t1;
  }
  index_range(r0, r1, &out.ys);
  out.y_lo = std::max<double>(r0, yd - 5), out.y_hi = std::min<double>(r1 - 1, yd + 5);
  return out;
}

// Clipped pixels (value >= saturation) in the band: each row is summed over its unclipped
// pixels only and scaled back to the whole band with the horizontal PSF (x0, sigma_x) and the
// background per pixel: (sum - b n) / coverage + b N. Every column holds the same vertical
// shape, so this keeps the shape of all the unclipped light; rows with under 10 % coverage
// are dropped.
void correct_clipped(const Image& roi, double saturation, double x0, double sigma_x, double background,
                     VerticalProfile* vp) {
  if (!(saturation < HUGE_VAL)) return;
  const int width = vp->c1 - vp->c0;
  double px[2 * kBandX + 1], band_mass = 0;
  for (int c = 0; c < width; ++c) {
    const double z = (vp->c0 + c - 0.5 - x0) / sigma_x;
    px[c] = model::normal_cdf(z + 1 / sigma_x).cdf - model::normal_cdf(z).cdf;
    band_mass += px[c];
  }
  if (!(band_mass > 0)) return;
  bool any = false;
  std::vector<double> ys, values;
  for (size_t i = 0; i < vp->ys.size(); ++i) {
    const int r = static_cast<int>(vp->ys[i]);
    const float* row = roi.px.data() + static_cast<size_t>(r) * roi.width + vp->c0;
    double sum = 0, mass = 0;
    int kept = 0;
    for (int c = 0; c < width; ++c) {
      if (row[c] >= saturation) continue;
      sum += row[c], mass += px[c], ++kept;
    }
    any = any || kept < width;
    const double coverage = mass / band_mass;
    if (coverage < 0.1) continue;
    ys.push_back(r);
    values.push_back((sum - background * kept) / coverage + background * width);
  }
  if (!any || ys.size() < 12) return;
  vp->ys.swap(ys);
  vp->values.swap(values);
}

// Fits the vertical profile; sigma_hint (the horizontal PSF width) splits the moment variance
// sigma^2 + R^2 / 2 between PSF and oscillation for the start of 'shm-psf'.
VerticalResult fit_vertical(const VerticalProfile& vp, VerticalModel model, double sigma_hint) {
  const std::vector<double>& prof = vp.values;
  const Extent& e = vp.extent;
  double vmin = prof[0], vmax = prof[0];
  for (double v : prof) vmin = std::min(vmin, v), vmax = std::max(vmax, v);
  const double span = std::max(vmax - vmin, 1e-9);
  const double area = std::max(e.area, span);
  const double y_start = model::clamp_value(e.centre, vp.y_lo, vp.y_hi);
  const double extent = static_cast<double>(vp.ys.size());
  const int n = static_cast<int>(vp.ys.size());
  LmSettings s = profile_fit_settings();

  VerticalResult out;
  if (model == VerticalModel::ShmPsf) {
    // R and sigma trade off along a shallow valley when R < ~sigma: a tighter stop keeps the
    // solver walking along it.
    s.ftol = 1e-8;
    const double sigma0 = model::clamp_value(sigma_hint, 0.8, 5.0);
    const double r_start = std::sqrt(std::max(0.25, 2 * (e.var - sigma0 * sigma0 - 1.0 / 12)));
    double p[5] = {y_start, r_start, sigma0, area, vmin};
    const double lo[5] = {vp.y_lo, 0.0, 0.3, 0.0, vmin - span};
    const double hi[5] = {vp.y_hi, extent, 10.0, 10 * area + 1, vmax};
    out.lm = lm_fit(model::Profile<model::ShmPsfPeak, 1>(), vp.ys.data(), prof.data(), n, p, lo, hi, s, out.err);
    shm_psf_unresolved_errors(vp.ys.data(), prof.data(), n, p, hi[1], out.err);
    std::copy(p, p + 5, out.p);
  } else if (model == VerticalModel::Gaussian) {
    double p[4] = {y_start, std::sqrt(std::max(e.var, 0.25)), area, vmin};
    const double lo[4] = {vp.y_lo, 0.3, 0.0, vmin - span};
    const double hi[4] = {vp.y_hi, extent, 10 * area + 1, vmax};
    out.lm = lm_fit(model::Profile<model::GaussianPixelPeak, 1>(), vp.ys.data(), prof.data(), n, p, lo, hi, s, out.err);
    std::copy(p, p + 4, out.p);
  } else {
    const double r_start = std::max(0.5, std::sqrt(2 * e.var));
    double p[4] = {y_start, r_start, span * r_start * 0.5, vmin};
    const double lo[4] = {vp.y_lo, 0.2, 0.0, vmin - span};
    const double hi[4] = {vp.y_hi, extent, 10 * span * extent + 1, vmax};
    out.lm = lm_fit(model::Profile<model::ShmPeak, 1>(), vp.ys.data(), prof.data(), n, p, lo, hi, s, out.err);
    std::copy(p, p + 4, out.p);
  }
  return out;
}

struct HorizontalResult {
  LmResult lm;
  int rows = 0;                // rows summed (the offset is rows x background per pixel)
  double p[4] = {0, 0, 0, 0};  // the ion's x0, sigma, A (area), and the shared offset
  double err[4] = {0, 0, 0, 0};
};

// Horizontal profile: column sums over the ion's rows; a neighbour whose light overlaps the
// window is fitted with it (its own Gaussian), the window ending half-way beyond it.
HorizontalResult fit_horizontal_default(const Image& roi, const std::vector<Detection>& d, size_t index, double y0,
                                        double half_rows, double sigma_hint, double saturation) {
  const double xd = d[index].x;
  const int cy = static_cast<int>(std::lround(y0));
  const int rows = std::max(2, std::min(kMaxHalfHeight, static_cast<int>(std::ceil(half_rows))));
  const double reach = rows + kNeighbourReach;
  // Rows: stop half-way to a vertical neighbour in this ion's columns.
  const double dy = nearest(d, index, false, y0, xd, kHalfWidth, 0);
  const int rows_used = std::max(1, floor_capped(dy / 2, rows));
  const int r0 = std::max(0, cy - rows_used), r1 = std::min(roi.height, cy + rows_used + 1);

  int peaks[kMaxPeaks] = {static_cast<int>(index), -1, -1};
  int k = 1;
  double left = xd - kHalfWidth, right = xd + kHalfWidth;
  for (int dir = -1; dir <= 1; dir += 2) {
    const int j = nearest_index(d, index, xd, y0, reach, dir, kHalfWidth + kNeighbourReach);
    if (j < 0) continue;
    peaks[k++] = j;
    const double beyond = nearest(d, j, true, d[j].x, d[j].y, reach, dir);
    const double edge = d[j].x + dir * std::min(6.0, beyond / 2);
    if (dir < 0) left = std::min(left, edge); else right = std::max(right, edge);
    // Never past half-way to the neighbour's own outer neighbour.
    if (dir < 0) left = std::max(left, d[j].x - beyond / 2); else right = std::min(right, d[j].x + beyond / 2);
  }
  const int c0 = std::max(0, static_cast<int>(std::ceil(left))), c1 = std::min(roi.width, static_cast<int>(std::floor(right)) + 1);

  // Every row of an ion holds the same horizontal shape: rows with a clipped pixel are left
  // out (unless that leaves none).
  std::vector<char> use;
  clipped_rows(roi, r0, r1, c0, c1, saturation, &use);
  int clean = 0;
  for (char& u : use) u = !u, clean += u;
  if (clean == 0) use.assign(use.size(), 1);
  std::vector<double> prof, xs;
  sum_rows_where(roi, r0, r1, c0, c1, use, &prof);
  const int rows_summed = clean == 0 ? r1 - r0 : clean;
  index_range(c0, c1, &xs);
  double vmin = prof[0], vmax = prof[0];
  for (double v : prof) vmin = std::min(vmin, v), vmax = std::max(vmax, v);
  const double span = std::max(vmax - vmin, 1e-9);
  const double sigma0 = model::clamp_value(sigma_hint, 1.0, 4.0);

  constexpr int kMax = model::Profile<model::GaussianPixelPeak, kMaxPeaks>::kMaxParams;
  double p[kMax], lo[kMax], hi[kMax], err[kMax];
  for (int i = 0; i < k; ++i) {
    const double xj = d[peaks[i]].x;
    const int at = std::clamp(static_cast<int>(std::lround(xj)) - c0, 0, c1 - c0 - 1);
    p[3 * i] = xj;
    lo[3 * i] = std::max<double>(c0, xj - 4), hi[3 * i] = std::min<double>(c1 - 1, xj + 4);
    if (lo[3 * i] > hi[3 * i]) lo[3 * i] = hi[3 * i] = model::clamp_value(xj, c0, c1 - 1);
    p[3 * i + 1] = sigma0, lo[3 * i + 1] = 0.3, hi[3 * i + 1] = 10;
    p[3 * i + 2] = std::max(prof[at] - vmin, 0.1 * span) * 2.5066282746 * sigma0;
    lo[3 * i + 2] = 0, hi[3 * i + 2] = 10 * span * (c1 - c0) + 1;
  }
  p[3 * k] = vmin, lo[3 * k] = vmin - span, hi[3 * k] = vmax;
  model::Profile<model::GaussianPixelPeak, kMaxPeaks> m;
  m.peaks = k;
  HorizontalResult out;
  out.rows = rows_summed;
  out.lm = lm_fit(m, xs.data(), prof.data(), static_cast<int>(xs.size()), p, lo, hi, profile_fit_settings(), err);
  out.p[0] = p[0], out.p[1] = p[1], out.p[2] = p[2], out.p[3] = p[3 * k];
  out.err[0] = err[0], out.err[1] = err[1], out.err[2] = err[2], out.err[3] = err[3 * k];
  return out;
}

}  // namespace

IonFit fit_ion_default(const Image& roi, const std::vector<Detection>& d, size_t index, VerticalModel model,
                       double saturation) {
  IonFit fit;
  if (roi.width < 3 || roi.height < 3) {
    fit.x0 = d[index].x, fit.y0 = d[index].y;
    return fit;
  }
  // The vertical profile's extent sets the rows of the horizontal profile; the horizontal fit's
  // PSF width then starts the vertical fit.
  VerticalProfile vp = vertical_profile(roi, d, index);
  const double y_centre = vp.extent.centre;
  const double half_rows = std::max(y_centre - vp.extent.first, vp.extent.last - y_centre) + 1.5;
  const HorizontalResult h = fit_horizontal_default(roi, d, index, y_centre, half_rows, 2.0, saturation);
  store_horizontal(&fit, h.p, h.err);
  correct_clipped(roi, saturation, fit.x0, fit.sigma_x, fit.offset_x / std::max(1, h.rows), &vp);
  const VerticalResult v = fit_vertical(vp, model, fit.sigma_x);
  store_vertical(&fit, model, v.p, v.err);
  fit.converged = v.lm.converged && h.lm.converged;
  fit.iterations = v.lm.iterations + h.lm.iterations;
  return fit;
}

IonFit fit_ion(const Image& roi, const std::vector<Detection>& detections, size_t index, const FitOptions& opts) {
  if (opts.legacy_windows) return fit_ion_legacy(roi, detections[index].x, detections[index].y, opts.model);
  return fit_ion_default(roi, detections, index, opts.model, opts.saturation);
}

}  // namespace ioncam
