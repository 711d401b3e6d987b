// The default detector: a matched filter (small Gaussian, close to the PSF) on the ROI,
// local maxima above a significance threshold set by a robust noise estimate, hot-pixel
// rejection, and merging of the two turning-point lobes of ions that oscillate far
// along y. Positions are half-maximum centroids of the filtered image (sub-pixel).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "core/background.h"
#include "core/blur.h"
#include "core/detect.h"
#include "core/peak_position.h"
#include "core/simd.h"

namespace ioncam {

namespace {

// Matched filter. PSF widths are 2-3.5 px: sigma 2 keeps ions 10 px apart separate (the
// light between two PSF-sigma-3 ions still dips by a quarter) and keeps 97 % of the ideal
// matched filter's signal-to-noise for a sigma 2.5 ion (sigma 1.5 would keep 88 %).
constexpr double kFilterSigma = 2.0;
constexpr int kFilterRadius = 4;
// Threshold in sigma of the filtered noise. Pure noise in a 300x300 frame makes a maximum
// above 5.5 sigma about once in a thousand frames (Gaussian random field estimate).
constexpr double kSignificance = 5.5;
constexpr int kNoiseLag = 8;     // px between the pixels whose differences measure the noise (4 sigma)
constexpr int kRingRadius = 12;  // px; the local background ring clears the ion's own light
constexpr double kRingTolerance = 1.5;  // filtered sigma; a ring median this close is noise (~0.35 sigma)
constexpr double kMinSeparation = 5.0;  // px; a weaker maximum closer than this is a noise bump
constexpr float kHotRatio = 2.0f;       // a hot pixel stands > 2x higher above background than any neighbour
constexpr float kHotMinExcess = 5.0f;   // ... and > 5 noise sigma above the highest neighbour
constexpr int kHotReach = 2;            // px around a maximum searched for hot pixels
constexpr int kMergeMaxDx = 3;          // lobes of one oscillating ion share a column
constexpr int kMergeMaxDy = 40;         // ... are at most 2 R apart
constexpr float kMergeSaddle = 0.25f;   // ... and the light between them stays above this fraction

struct Peak {
  int row, col;
  float height;  // filtered value above the local background
  float level;   // the local background (filtered)
};

int find_root(std::vector<int>& parent, int i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

// Lowest filtered value (above background) on the straight segment between two peaks.
float saddle_between(const Image& f, const Peak& a, const Peak& b) {
  const float level = 0.5f * (a.level + b.level);
  const int steps = std::max(std::abs(a.row - b.row), std::abs(a.col - b.col));
  float lowest = std::min(a.height, b.height);
  for (int s = 1; s < steps; ++s) {
    const double t = static_cast<double>(s) / steps;
    const int r = static_cast<int>(std::lround(a.row + t * (b.row - a.row)));
    const int c = static_cast<int>(std::lround(a.col + t * (b.col - a.col)));
    lowest = std::min(lowest, f.at(c, r) - level);
  }
  return lowest;
}

IONCAM_SIMD_CLONES
int count_above(const float* __restrict row, int n, float threshold) {
  int count = 0;
  for (int c = 0; c < n; ++c) count += row[c] > threshold ? 1 : 0;
  return count;
}

// Weight of input pixel q in the filtered value at p along a line of n pixels, with
// symmetric_filter's reflect-101 border (near the ends a pixel can be counted twice).
float tap_weight(const std::vector<float>& half, int p, int q, int n) {
  const int radius = static_cast<int>(half.size()) - 1;
  float weight = 0;
  for (int i = -radius; i <= radius; ++i)
    if (reflect101(p + i, n) == q) weight += half[std::abs(i)];
  return weight;
}

// A hot pixel's excess over its highest neighbour, or 0 when (row, col) is not one: it must
// stand more than kHotRatio times higher above the background than any neighbour, and more
// than kHotMinExcess noise sigma above the highest.
float spike_excess(const Image& raw, int row, int col, float level, float noise) {
  float neighbour_max = -INFINITY;
  for (int dr = -1; dr <= 1; ++dr) {
    for (int dc = -1; dc <= 1; ++dc) {
      const int r = row + dr, c = col + dc;
      if ((dr == 0 && dc == 0) || r < 0 || r >= raw.height || c < 0 || c >= raw.width) continue;
      neighbour_max = std::max(neighbour_max, raw.at(c, r));
    }
  }
  const float v = raw.at(col, row);
  if (neighbour_max == -INFINITY) return 0;  // a 1x1 image
  if (v - level > kHotRatio * (neighbour_max - level) && v - neighbour_max > kHotMinExcess * noise) return v - neighbour_max;
  return 0;
}

// Noise of the filtered value at each position along a line of n pixels relative to the
// interior (sqrt of the sum of squared effective weights): higher near the ends, where
// symmetric_filter's reflect-101 border counts pixels twice.
std::vector<float> border_noise_factors(const std::vector<float>& half, int n) {
  const int radius = static_cast<int>(half.size()) - 1;
  std::vector<float> factor(static_cast<size_t>(n), 1.0f);
  double interior = 0;
  for (int i = -radius; i <= radius; ++i) interior += double(half[std::abs(i)]) * half[std::abs(i)];
  std::vector<double> weight(static_cast<size_t>(n));
  for (int p = 0; p < n; ++p) {
    if (p >= radius && p < n - radius) continue;
    std::fill(weight.begin(), weight.end(), 0.0);
    for (int i = -radius; i <= radius; ++i) weight[reflect101(p + i, n)] += half[std::abs(i)];
    double ss = 0;
    for (double x : weight) ss += x * x;
    factor[p] = static_cast<float>(std::sqrt(ss / interior));
  }
  return factor;
}

}  // namespace

std::vector<Detection> detect_peaks(const Image& roi, const DetectOptions& opts, DetectStats* stats) {
  std::vector<Detection> out;
  const int w = roi.width, h = roi.height;
  if (w == 0 || h == 0) return out;

  const std::vector<float> half = gaussian_half_kernel(kFilterSigma, kFilterRadius);
  static thread_local Image f;  // per-thread storage, reused frame after frame
  symmetric_filter(roi, half, &f);

  // Background level and noise measured on the filtered image itself: no quantisation
  // trouble with small integer counts, and the filter's own noise reduction included. The
  // noise comes from differences of pixels further apart than the filter's correlation
  // length, so an uneven background does not count as noise.
  const BackgroundEstimate bg = estimate_background(f, kNoiseLag);
  double sum_sq = 0;
  for (size_t i = 0; i < half.size(); ++i) sum_sq += (i == 0 ? 1.0 : 2.0) * half[i] * half[i];
  const double raw_floor = opts.integer_pixels ? 0.5 : 1e-6 * std::max(1.0, std::fabs(bg.level));
  const double filtered_noise = std::max(bg.noise, raw_floor * sum_sq);
  const double noise = filtered_noise / sum_sq;  // per raw pixel (white noise)
  const float level = static_cast<float>(bg.level);
  const float threshold = static_cast<float>(bg.level + kSignificance * filtered_noise);
  const float min_height = static_cast<float>(kSignificance * filtered_noise);
  const float ring_tolerance = static_cast<float>(kRingTolerance * filtered_noise);
  // Candidates must clear the threshold over the darkest plausible background; each one's
  // own background is then the median of the filtered image on a ring around it.
  const float prefilter = static_cast<float>(bg.low + kSignificance * filtered_noise);
  // Near the edges the reflected border counts pixels twice: more noise, higher threshold.
  const std::vector<float> row_noise = border_noise_factors(half, h);
  const std::vector<float> col_noise = border_noise_factors(half, w);

  // Local maxima above the threshold. Ties go to the first pixel in raster order.
  std::vector<Peak> peaks;
  float f_max = -INFINITY;  // of the pixels above threshold; all pixels only when none is
  for (int r = 0; r < h; ++r) {
    const float* row = &f.px[static_cast<size_t>(r) * w];
    if (count_above(row, w, prefilter) == 0) continue;  // most rows: one vectorised pass
    for (int c = 0; c < w; ++c) {
      const float v = row[c];
      if (v <= prefilter) continue;
      f_max = std::max(f_max, v);
      const float needed = min_height * row_noise[r] * col_noise[c];
      if (v - bg.low <= needed) continue;
      bool is_max = true;
      for (int dr = -1; dr <= 1 && is_max; ++dr) {
        const int rr = r + dr;
        if (rr < 0 || rr >= h) continue;
        for (int dc = -1; dc <= 1; ++dc) {
          const int cc = c + dc;
          if ((dr == 0 && dc == 0) || cc < 0 || cc >= w) continue;
          const float u = f.at(cc, rr);
          const bool before = dr < 0 || (dr == 0 && dc < 0);
          if (before ? u >= v : u > v) {
            is_max = false;
            break;
          }
        }
      }
      if (!is_max) continue;

      // Where the ring agrees with the frame's median (a flat background), the median is the
      // more precise level; only a clearly different ring (gradient, stray light) replaces it.
      const float ring = ring_median(f, r, c, kRingRadius);
      const float local = std::isnan(ring) || std::fabs(ring - level) < ring_tolerance ? level : ring;
      float height = v - local;
      if (height <= needed) continue;

      // Hot pixels: single raw pixels far above all their neighbours. Take their excess out of
      // the filtered value; what is left must still be significant (an ion under a hot pixel).
      for (int rr = std::max(0, r - kHotReach); rr <= std::min(h - 1, r + kHotReach); ++rr) {
        for (int cc = std::max(0, c - kHotReach); cc <= std::min(w - 1, c + kHotReach); ++cc) {
          const float excess = spike_excess(roi, rr, cc, local, static_cast<float>(noise));
          if (excess > 0) height -= tap_weight(half, r, rr, h) * tap_weight(half, c, cc, w) * excess;
        }
      }
      if (height <= needed) continue;
      peaks.push_back({r, c, height, local});
    }
  }
  if (f_max == -INFINITY) f_max = *std::max_element(f.px.begin(), f.px.end());
  if (stats) {
    stats->l_max = f_max;
    stats->l_avg = bg.level;
    stats->threshold = threshold;
    stats->blobs = static_cast<int>(peaks.size());
  }

  // Strongest first; a weaker maximum closer than kMinSeparation to a kept one is its noise
  // bump. Kept maxima claim a disc in a mask, so this stays linear however many there are.
  std::sort(peaks.begin(), peaks.end(), [](const Peak& a, const Peak& b) { return a.height > b.height; });
  std::vector<Peak> kept;
  {
    const int reach = static_cast<int>(std::ceil(kMinSeparation)) - 1;
    static thread_local std::vector<uint8_t> claimed;  // all zero between calls
    if (claimed.size() < static_cast<size_t>(w) * h) claimed.assign(static_cast<size_t>(w) * h, 0);
    auto mark_disc = [&](const Peak& p, uint8_t value) {
      for (int r = std::max(0, p.row - reach); r <= std::min(h - 1, p.row + reach); ++r) {
        for (int c = std::max(0, p.col - reach); c <= std::min(w - 1, p.col + reach); ++c) {
          const double dr = r - p.row, dc = c - p.col;
          if (dr * dr + dc * dc < kMinSeparation * kMinSeparation) claimed[static_cast<size_t>(r) * w + c] = value;
        }
      }
    };
    for (const Peak& p : peaks) {
      if (claimed[static_cast<size_t>(p.row) * w + p.col]) continue;
      kept.push_back(p);
      mark_disc(p, 1);
    }
    for (const Peak& p : kept) mark_disc(p, 0);
  }

  // An ion oscillating with a large amplitude R shows two lobes (its turning points) on one
  // column up to 2R apart, with its light continuing between them: one ion.
  std::sort(kept.begin(), kept.end(), [](const Peak& a, const Peak& b) { return a.col < b.col; });
  std::vector<int> parent(kept.size());
  for (size_t i = 0; i < kept.size(); ++i) parent[i] = static_cast<int>(i);
  for (size_t i = 0; i < kept.size(); ++i) {
    for (size_t j = i + 1; j < kept.size() && kept[j].col - kept[i].col <= kMergeMaxDx; ++j) {
      const Peak& a = kept[i];
      const Peak& b = kept[j];
      if (std::abs(a.row - b.row) > kMergeMaxDy) continue;
      if (saddle_between(f, a, b) < kMergeSaddle * std::min(a.height, b.height)) continue;
      parent[find_root(parent, static_cast<int>(j))] = find_root(parent, static_cast<int>(i));
    }
  }

  // One group per ion: the box its maxima span and its highest maximum.
  struct Group {
    PeakBox box;
    float top, level;  // highest maximum above its local background, and that background
  };
  std::vector<Group> groups;
  std::vector<int> group_of(kept.size(), -1);
  for (size_t i = 0; i < kept.size(); ++i) {
    const Peak& p = kept[i];
    const int root = find_root(parent, static_cast<int>(i));
    if (group_of[root] < 0) {
      group_of[root] = static_cast<int>(groups.size());
      groups.push_back({{p.row, p.row, p.col, p.col}, p.height, p.level});
    }
    Group& g = groups[group_of[root]];
    g.box = {std::min(g.box.r0, p.row), std::max(g.box.r1, p.row), std::min(g.box.c0, p.col), std::max(g.box.c1, p.col)};
    if (p.height > g.top) {
      g.top = p.height;
      g.level = p.level;
    }
  }

  // Groups are in column order (kept was). A centroid window reaches 3 px beyond its maxima,
  // so only groups a few columns away can bound it: halfway to a neighbour on the same rows.
  constexpr int kNeighbourReach = 12;
  for (size_t i = 0; i < groups.size(); ++i) {
    const Group& g = groups[i];
    int col_lo = 0, col_hi = w - 1;
    auto bound_by = [&](const Group& o) {
      if (o.box.r0 > g.box.r1 + 10 || o.box.r1 < g.box.r0 - 10) return;
      if (o.box.c0 > g.box.c1) col_hi = std::min(col_hi, (g.box.c1 + o.box.c0) / 2);
      if (o.box.c1 < g.box.c0) col_lo = std::max(col_lo, (g.box.c0 + o.box.c1 + 1) / 2);
    };
    for (size_t j = i + 1; j < groups.size() && groups[j].box.c0 <= g.box.c1 + kNeighbourReach; ++j) bound_by(groups[j]);
    for (size_t j = i; j-- > 0 && groups[j].box.c0 >= g.box.c0 - kNeighbourReach;) bound_by(groups[j]);
    Detection d = half_max_centroid(f, g.level, g.top, g.box, col_lo, col_hi);
    // Near the ROI edge a maximum may belong to an ion centred beyond it: not ours to report.
    if (!centre_inside_edges(roi, g.level, g.box, &d)) continue;
    out.push_back(d);
  }
  std::sort(out.begin(), out.end(), [](const Detection& a, const Detection& b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
  return out;
}

}  // namespace ioncam
