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
  est.level = quantile_in_place(values, 0.5);
  est.low = quantile_in_place(values, 0.05);
  if (!diffs.empty()) {
    const double centre = quantile_in_place(diffs, 0.5);
    for (float& d : diffs) d = static_cast<float>(std::fabs(d - centre));
    est.noise = 1.4826 * quantile_in_place(diffs, 0.5) / std::sqrt(2.0);
  }
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
