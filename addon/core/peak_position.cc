#include "core/peak_position.h"

#include <algorithm>
#include <cmath>

namespace ioncam {

namespace {

constexpr int kMargin = 3;       // px around the maxima box
constexpr int kMaxGrowth = 25;   // px an elongated ion may extend beyond its maxima
constexpr int kEdgeBand = 2;     // px the band summed for an edge profile reaches beyond the maxima
constexpr int kEdgeLines = 5;    // lines from the edge inward whose light locates the centre
constexpr int kEdgeZone = 2;     // maxima this close to an edge get the edge test
constexpr int kLobeSpan = 4;     // rows between maxima that make them the two lobes of one ion

bool row_above(const Image& f, int r, int c0, int c1, float cut) {
  for (int c = c0; c <= c1; ++c)
    if (f.at(c, r) >= cut) return true;
  return false;
}

// Centre of the light across an edge from the profile p[0..n) of the lines nearest it (line 0
// on the edge): vertex of a parabola fitted to ln p (a Gaussian), weighted by p (shot noise).
// Very negative when the profile falls steadily inward (the light comes from beyond the
// edge); NaN when the profile says nothing (no light on the edge line).
double edge_vertex(const double* p, int n) {
  if (p[0] <= 0) return NAN;
  // Weighted least squares for ln p = a + b k + c k^2 on the leading positive lines.
  double s[5] = {0, 0, 0, 0, 0}, t[3] = {0, 0, 0};
  int used = 0;
  for (int k = 0; k < n && p[k] > 0; ++k, ++used) {
    const double w = p[k], l = std::log(p[k]);
    double kp = 1;
    for (int j = 0; j < 5; ++j, kp *= k) s[j] += w * kp;
    t[0] += w * l;
    t[1] += w * l * k;
    t[2] += w * l * k * k;
  }
  if (used < 3) return used == 2 && p[1] < p[0] ? -1e9 : NAN;
  // Normal equations [s0 s1 s2; s1 s2 s3; s2 s3 s4] (a b c) = t, by Cramer's rule.
  auto det3 = [](double a, double b, double c, double d, double e, double f, double g, double h, double i) {
    return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  };
  const double det = det3(s[0], s[1], s[2], s[1], s[2], s[3], s[2], s[3], s[4]);
  if (det == 0) return NAN;
  const double b = det3(s[0], t[0], s[2], s[1], t[1], s[3], s[2], t[2], s[4]) / det;
  const double c = det3(s[0], s[1], t[0], s[1], s[2], t[1], s[2], s[3], t[2]) / det;
  if (c >= 0) return b < 0 ? -1e9 : NAN;  // not concave: falls (beyond) or rises (inside)
  return -b / (2 * c);
}

// Edge profile along one axis: p[k] = sum over the band of (raw - level) on line k from the edge.
template <typename Pixel>
void edge_profile(Pixel pixel, int lines, int band_lo, int band_hi, double* p) {
  for (int k = 0; k < lines; ++k) {
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

bool centre_inside_edges(const Image& raw, float level, const PeakBox& box, Detection* d) {
  const int w = raw.width, h = raw.height;
  double p[kEdgeLines];
  // Across a left or right edge: a Gaussian profile.
  const int band_r0 = std::max(0, box.r0 - kEdgeBand), band_r1 = std::min(h - 1, box.r1 + kEdgeBand);
  for (const bool left : {true, false}) {
    if (w < 3 || (left ? box.c0 > kEdgeZone : box.c1 < w - 1 - kEdgeZone)) continue;
    const int lines = std::min(kEdgeLines, w);
    edge_profile([&](int k, int r) { return raw.at(left ? k : w - 1 - k, r) - level; }, lines, band_r0, band_r1, p);
    const double v = edge_vertex(p, lines);
    if (v < -0.5) return false;
    // Near the edge the centroid leans on the reflected border; the profile's centre does not.
    if (v <= kEdgeZone + 1.5) d->x = left ? v : w - 1 - v;
  }
  // Across a top or bottom edge: an ion oscillating along y shows its turning points as two
  // lobes; when the maxima span several rows the one at the edge is a lobe, and the centre
  // lies halfway between it and the far lobe.
  const int band_c0 = std::max(0, box.c0 - kEdgeBand), band_c1 = std::min(w - 1, box.c1 + kEdgeBand);
  const bool lobes = box.r1 - box.r0 >= kLobeSpan;
  for (const bool top : {true, false}) {
    if (h < 3 || (top ? box.r0 > kEdgeZone : box.r1 < h - 1 - kEdgeZone)) continue;
    const int lines = std::min(kEdgeLines, h);
    edge_profile([&](int k, int c) { return raw.at(c, top ? k : h - 1 - k) - level; }, lines, band_c0, band_c1, p);
    double v = edge_vertex(p, lines);
    if (std::isnan(v)) continue;
    if (lobes) v = 0.5 * (v + (top ? box.r1 : h - 1 - box.r0));
    if (v < -0.5) return false;
    if (v <= kEdgeZone + 1.5 || lobes) d->y = top ? v : h - 1 - v;
  }
  return true;
}

}  // namespace ioncam
