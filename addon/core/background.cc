#include "core/background.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ioncam {

namespace {

double quantile_in_place(std::vector<float>& v, double q) {
  const size_t k = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

// When ions fill much of the image (a frame cut tightly around a chain), the median sits on
// ion light and the pixel differences see ion structure, so both come out far too high. The
// background is still the densest cluster of values, and ions only add light, so the values
// below that cluster are background alone: its lower half gives the noise. Used only when it
// is clearly smaller than the differences' figure (an uneven background widens the lower
// half instead, and there the differences are right).
void refine_for_crowded_images(std::vector<float>& values, BackgroundEstimate* est) {
  constexpr double kClearlySmaller = 0.5;
  if (values.size() < 32 || !(est->noise > 0)) return;
  const auto [lo_it, hi_it] = std::minmax_element(values.begin(), values.end());
  const double lo = *lo_it, hi = *hi_it;
  constexpr int kMaxBins = 4096;
  const double bin = std::max(0.25 * est->noise, (hi - lo) / kMaxBins);
  if (!(bin > 0)) return;
  const int bins = static_cast<int>((hi - lo) / bin) + 1;
  static thread_local std::vector<int> histogram;
  histogram.assign(static_cast<size_t>(bins), 0);
  for (float v : values) ++histogram[static_cast<size_t>((v - lo) / bin)];
  int best = 0, best_count = -1;  // densest three-bin window
  for (int b = 0; b < bins; ++b) {
    const int count = histogram[b] + (b > 0 ? histogram[b - 1] : 0) + (b + 1 < bins ? histogram[b + 1] : 0);
    if (count > best_count) best_count = count, best = b;
  }
  // The cluster's centre: median of the values in the window.
  static thread_local std::vector<float> scratch;
  scratch.clear();
  const double w0 = lo + (best - 1) * bin, w1 = lo + (best + 2) * bin;
  for (float v : values)
    if (v >= w0 && v < w1) scratch.push_back(v);
  if (scratch.size() < 8) return;
  const double mode = quantile_in_place(scratch, 0.5);
  scratch.clear();
  for (float v : values)
    if (v < mode) scratch.push_back(static_cast<float>(mode - v));
  if (scratch.size() < 16) return;
  const double lower_half_sigma = quantile_in_place(scratch, 0.5) / 0.6745;
  if (lower_half_sigma < kClearlySmaller * est->noise) {
    est->noise = lower_half_sigma;
    est->level = mode;
  }
}

}  // namespace

BackgroundEstimate estimate_background(const Image& img, int lag, int max_samples) {
  BackgroundEstimate est;
  const size_t n = img.px.size();
  if (n == 0) return est;
  // Same stride along rows and columns; odd strides avoid locking onto periodic patterns.
  int stride = static_cast<int>(std::sqrt(static_cast<double>(n) / max_samples));
  stride = std::max(1, stride | 1);
  static thread_local std::vector<float> values, diffs;
  values.clear();
  diffs.clear();
  for (int r = stride / 2; r < img.height; r += stride) {
    const float* row = &img.px[static_cast<size_t>(r) * img.width];
    for (int c = stride / 2; c < img.width; c += stride) {
      values.push_back(row[c]);
      if (c + lag < img.width) diffs.push_back(row[c + lag] - row[c]);
    }
  }
  if (values.empty()) values.push_back(img.px[0]);
  // Median, then the lower quantiles within the lower half (nth_element left it there).
  const size_t n_values = values.size();
  const size_t i50 = n_values / 2, i25 = n_values / 4, i05 = n_values / 20;
  std::nth_element(values.begin(), values.begin() + i50, values.end());
  std::nth_element(values.begin(), values.begin() + i25, values.begin() + i50);
  std::nth_element(values.begin(), values.begin() + i05, values.begin() + i25);
  est.level = values[i50];
  est.low = values[i05];
  if (!diffs.empty()) {
    const double centre = quantile_in_place(diffs, 0.5);
    for (float& d : diffs) d = static_cast<float>(std::fabs(d - centre));
    est.noise = 1.4826 * quantile_in_place(diffs, 0.5) / std::sqrt(2.0);
  }
  // Gaussian noise puts the 5th and 25th percentiles 0.97 sigma apart. Much closer than the
  // differences' sigma says: a crowded image (see refine_for_crowded_images).
  if (values[i25] - values[i05] < 0.5 * 0.97 * est.noise) refine_for_crowded_images(values, &est);
  return est;
}

float ring_median(const Image& img, int row, int col, int radius) {
  constexpr int kPoints = 32;
  float values[kPoints];
  int n = 0;
  for (int k = 0; k < kPoints; ++k) {
    const double a = 2 * M_PI * k / kPoints;
    const int r = row + static_cast<int>(std::lround(radius * std::sin(a)));
    const int c = col + static_cast<int>(std::lround(radius * std::cos(a)));
    if (r >= 0 && r < img.height && c >= 0 && c < img.width) values[n++] = img.at(c, r);
  }
  if (n < kPoints / 3) return NAN;
  std::nth_element(values, values + n / 2, values + n);
  return values[n / 2];
}

}  // namespace ioncam
