#pragma once
// Summed 1D profiles of an image block: the horizontal profile sums rows (one value per
// column), the vertical profile sums columns (one value per row). Ranges are [lo, hi) and
// must lie inside the image.
#include <math.h>

#include <vector>

#include "core/frame.h"

namespace ioncam {

// out[c - c0] = sum over rows [r0, r1) of img(c, r), for c in [c0, c1).
inline void sum_rows(const Image& img, int r0, int r1, int c0, int c1, std::vector<double>* out) {
  out->assign(static_cast<size_t>(c1 - c0), 0.0);
  double* o = out->data();
  for (int r = r0; r < r1; ++r) {
    const float* row = img.px.data() + static_cast<size_t>(r) * img.width + c0;
    for (int c = 0; c < c1 - c0; ++c) o[c] += row[c];
  }
}

// out[r - r0] = sum over columns [c0, c1) of img(c, r), for r in [r0, r1).
inline void sum_columns(const Image& img, int r0, int r1, int c0, int c1, std::vector<double>* out) {
  out->assign(static_cast<size_t>(r1 - r0), 0.0);
  for (int r = r0; r < r1; ++r) {
    const float* row = img.px.data() + static_cast<size_t>(r) * img.width + c0;
    double s = 0;
    for (int c = 0; c < c1 - c0; ++c) s += row[c];
    (*out)[r - r0] = s;
  }
}

// Flags the rows of the block [r0, r1) x [c0, c1) that hold a clipped pixel
// (value >= saturation). Index 0 is row r0.
inline void clipped_rows(const Image& img, int r0, int r1, int c0, int c1, double saturation, std::vector<char>* out) {
  out->assign(static_cast<size_t>(r1 - r0), 0);
  if (!(saturation < HUGE_VAL)) return;
  for (int r = r0; r < r1; ++r) {
    const float* row = img.px.data() + static_cast<size_t>(r) * img.width + c0;
    for (int c = 0; c < c1 - c0; ++c)
      if (row[c] >= saturation) (*out)[r - r0] = 1;
  }
}

// out[c - c0] = sum over the rows r in [r0, r1) with use[r - r0] of img(c, r).
inline void sum_rows_where(const Image& img, int r0, int r1, int c0, int c1, const std::vector<char>& use,
                           std::vector<double>* out) {
  out->assign(static_cast<size_t>(c1 - c0), 0.0);
  double* o = out->data();
  for (int r = r0; r < r1; ++r) {
    if (!use[r - r0]) continue;
    const float* row = img.px.data() + static_cast<size_t>(r) * img.width + c0;
    for (int c = 0; c < c1 - c0; ++c) o[c] += row[c];
  }
}

// x = lo, lo + 1, ..., hi - 1 as doubles (the pixel coordinates of a profile).
inline void index_range(int lo, int hi, std::vector<double>* out) {
  out->resize(static_cast<size_t>(hi - lo));
  for (int i = lo; i < hi; ++i) (*out)[i - lo] = i;
}

}  // namespace ioncam
