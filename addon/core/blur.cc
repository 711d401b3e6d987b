#include "core/blur.h"

#include <cmath>

#include "core/simd.h"

namespace ioncam {

int reflect101(int p, int len) {
  if (len == 1) return 0;
  while (p < 0 || p >= len) p = p < 0 ? -p : 2 * (len - 1) - p;
  return p;
}

namespace {

// One output line: out[c] = k[0] * line[R][c] + sum_i k[i] * (line[R - i][c] + line[R + i][c]),
// where line[0 .. 2R] are the 2R + 1 input lines (rows above and below for the vertical
// pass, shifted views of one padded row for the horizontal pass). With R fixed at compile
// time the tap loop unrolls and the column loop vectorises with the sum kept in registers.
template <int R>
IONCAM_SIMD_CLONES void filter_line_fixed(float* __restrict out, const float* const* line, const float* k, int n) {
  const float* mid = line[R];
  for (int c = 0; c < n; ++c) {
    float acc = k[0] * mid[c];
    for (int i = 1; i <= R; ++i) acc += k[i] * (line[R - i][c] + line[R + i][c]);
    out[c] = acc;
  }
}

IONCAM_SIMD_CLONES
void add_pair(float* __restrict out, const float* __restrict a, const float* __restrict b, float k, int n) {
  for (int c = 0; c < n; ++c) out[c] += k * (a[c] + b[c]);
}

// Any radius (the legacy blur's 20 and more): the middle taps at once, then tap pairs.
void filter_line_any(float* out, const float* const* line, const float* k, int radius, int n) {
  filter_line_fixed<4>(out, line + radius - 4, k, n);
  for (int i = 5; i <= radius; ++i) add_pair(out, line[radius - i], line[radius + i], k[i], n);
}

void filter_line(float* out, const float* const* line, const float* k, int radius, int n) {
  switch (radius) {
    case 1: return filter_line_fixed<1>(out, line, k, n);
    case 2: return filter_line_fixed<2>(out, line, k, n);
    case 3: return filter_line_fixed<3>(out, line, k, n);
    case 4: return filter_line_fixed<4>(out, line, k, n);
    case 5: return filter_line_fixed<5>(out, line, k, n);
    case 6: return filter_line_fixed<6>(out, line, k, n);
    case 7: return filter_line_fixed<7>(out, line, k, n);
    case 8: return filter_line_fixed<8>(out, line, k, n);
    default: return filter_line_any(out, line, k, radius, n);
  }
}

}  // namespace

std::vector<float> gaussian_half_kernel(double sigma, int radius) {
  std::vector<double> w(static_cast<size_t>(radius) + 1);
  const double scale = -0.5 / (sigma * sigma);
  double sum = 0;
  for (int i = 0; i <= radius; ++i) {
    w[i] = std::exp(scale * i * i);
    sum += i == 0 ? w[i] : 2 * w[i];
  }
  std::vector<float> half(w.size());
  for (size_t i = 0; i < w.size(); ++i) half[i] = static_cast<float>(w[i] / sum);
  return half;
}

int legacy_kernel_radius(double sigma) {
  const int ksize = static_cast<int>(std::lround(sigma * 4 * 2 + 1)) | 1;
  return (ksize - 1) / 2;
}

namespace {
thread_local FilterHook t_filter_hook = nullptr;
}  // namespace

ScopedFilterHook::ScopedFilterHook(FilterHook hook) : previous_(t_filter_hook) { t_filter_hook = hook; }
ScopedFilterHook::~ScopedFilterHook() { t_filter_hook = previous_; }

void symmetric_filter(const Image& src, const std::vector<float>& half, Image* dst) {
  if (t_filter_hook && t_filter_hook(src, half, dst)) return;
  const int w = src.width, h = src.height;
  const int radius = static_cast<int>(half.size()) - 1;
  dst->width = w;
  dst->height = h;
  dst->px.resize(static_cast<size_t>(w) * h);
  if (w == 0 || h == 0) return;

  // Row by row: the vertical pass for one row into a padded line buffer (stays in L1),
  // then the horizontal pass from it into the output row. Both inner loops run along
  // contiguous columns.
  static thread_local std::vector<float> padded;
  static thread_local std::vector<const float*> lines;
  padded.resize(static_cast<size_t>(w) + 2 * radius);
  lines.resize(2 * static_cast<size_t>(radius) + 1);
  float* centre = padded.data() + radius;
  for (int r = 0; r < h; ++r) {
    for (int i = -radius; i <= radius; ++i) lines[i + radius] = &src.px[static_cast<size_t>(reflect101(r + i, h)) * w];
    filter_line(centre, lines.data(), half.data(), radius, w);
    for (int i = 1; i <= radius; ++i) {
      centre[-i] = centre[reflect101(-i, w)];
      centre[w - 1 + i] = centre[reflect101(w - 1 + i, w)];
    }
    for (int i = -radius; i <= radius; ++i) lines[i + radius] = centre + i;
    filter_line(&dst->px[static_cast<size_t>(r) * w], lines.data(), half.data(), radius, w);
  }
}

void legacy_gaussian_blur(const Image& src, double sigma, Image* dst) {
  symmetric_filter(src, gaussian_half_kernel(sigma, legacy_kernel_radius(sigma)), dst);
}

}  // namespace ioncam
