#include "core/peak_position.h"

#include <algorithm>
#include <cmath>

namespace ioncam {

namespace {

constexpr int kMargin = 3;       // px around the maxima box
constexpr int kMaxGrowth = 25;   // px an elongated ion may extend beyond its maxima
constexpr int kEdgeBand = 2;     // half-width of the band summed across the edge profile

bool row_above(const Image& f, int r, int c0, int c1, float cut) {
  for (int c = c0; c <= c1; ++c)
    if (f.at(c, r) >= cut) return true;
  return false;
}

// Vertex of the parabola through (0, ln p0), (1, ln p1), (2, ln p2): the centre of a
// Gaussian profile, counted inward from the edge line 0. Very negative when the profile
// falls steadily inward (the light's source is beyond the edge).
double edge_vertex(double p0, double p1, double p2) {
  if (p0 <= 0) return 0.5;  // no light on the edge line: the maximum is noise, keep it
  if (p1 <= 0 || p2 <= 0) return p1 < p0 ? -1e9 : 0.5;
  const double l0 = std::log(p0), l1 = std::log(p1), l2 = std::log(p2);
  const double d = 0.5 * (l0 - 2 * l1 + l2);
  const double b = l1 - l0 - d;
  if (d >= 0) return b < 0 ? -1e9 : 2.0;  // not concave: falls (beyond) or rises (inside)
  return -b / (2 * d);
}

// Edge profile along one axis: p[k] = sum over the band of (raw - level) on line k from the edge.
template <typename Pixel>
void edge_profile(Pixel pixel, int band_lo, int band_hi, double p[3]) {
  for (int k = 0; k < 3; ++k) {
    p[k] = 0;
    for (int j = band_lo; j <= band_hi; ++j) p[k] += pixel(k, j);
  }
}

}  // namespace

Detection half_max_centroid(const Image& f, float level, float top, const PeakBox& box, int col_lo, int col_hi) {
  const float cut = level + 0.5f * top;
  const int c0 = std::max({0, col_lo, box.c0 - kMargin});
  const int c1 = std::min({f.width - 1, col_hi, box.c1 + kMargin});
  int r0 = std::max(0, box.r0 - kMargin);
  int r1 = std::min(f.height - 1, box.r1 + kMargin);
  while (r0 > 0 && r0 > box.r0 - kMaxGrowth && row_above(f, r0 - 1, c0, c1, cut)) --r0;
  while (r1 < f.height - 1 && r1 < box.r1 + kMaxGrowth && row_above(f, r1 + 1, c0, c1, cut)) ++r1;

  double sw = 0, sx = 0, sy = 0;
  for (int r = r0; r <= r1; ++r) {
    for (int c = c0; c <= c1; ++c) {
      const double v = f.at(c, r) - cut;  // weight by the light above the cut: no edge step
      if (v <= 0) continue;
      sw += v;
      sx += v * c;
      sy += v * r;
    }
  }
  if (sw <= 0) return {0.5 * (box.c0 + box.c1), 0.5 * (box.r0 + box.r1)};
  return {sx / sw, sy / sw};
}

bool centre_inside_edges(const Image& raw, float level, int row, int col, Detection* d) {
  const int w = raw.width, h = raw.height;
  double p[3];
  if ((col == 0 || col == w - 1) && w >= 3) {
    const int lo = std::max(0, row - kEdgeBand), hi = std::min(h - 1, row + kEdgeBand);
    const bool left = col == 0;
    edge_profile([&](int k, int r) { return raw.at(left ? k : w - 1 - k, r) - level; }, lo, hi, p);
    const double v = edge_vertex(p[0], p[1], p[2]);
    if (v < -0.5) return false;
    if (v <= 1.5) d->x = left ? v : w - 1 - v;
  }
  if ((row == 0 || row == h - 1) && h >= 3) {
    const int lo = std::max(0, col - kEdgeBand), hi = std::min(w - 1, col + kEdgeBand);
    const bool top = row == 0;
    edge_profile([&](int k, int c) { return raw.at(c, top ? k : h - 1 - k) - level; }, lo, hi, p);
    const double v = edge_vertex(p[0], p[1], p[2]);
    if (v < -0.5) return false;
    if (v <= 1.5) d->y = top ? v : h - 1 - v;
  }
  return true;
}

}  // namespace ioncam
