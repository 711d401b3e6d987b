#include "core/background.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ioncam {

namespace {
double median_in_place(std::vector<float>& v) {
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = 0.5 * (m + *std::max_element(v.begin(), v.begin() + mid));
  return m;
}
}  // namespace

BackgroundEstimate estimate_background(const Image& img, int max_samples) {
  BackgroundEstimate est;
  const size_t n = img.px.size();
  if (n == 0) return est;
  // Same stride along rows and columns; odd strides avoid locking onto periodic patterns.
  int stride = static_cast<int>(std::sqrt(static_cast<double>(n) / max_samples));
  stride = std::max(1, stride | 1);
  std::vector<float> sample;
  sample.reserve(static_cast<size_t>((img.width / stride + 1)) * (img.height / stride + 1));
  for (int r = stride / 2; r < img.height; r += stride) {
    const float* row = &img.px[static_cast<size_t>(r) * img.width];
    for (int c = stride / 2; c < img.width; c += stride) sample.push_back(row[c]);
  }
  if (sample.empty()) sample.push_back(img.px[0]);
  est.level = median_in_place(sample);
  for (float& v : sample) v = static_cast<float>(std::fabs(v - est.level));
  est.noise = 1.4826 * median_in_place(sample);
  return est;
}

}  // namespace ioncam
