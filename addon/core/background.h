#pragma once
// Robust background statistics of an image from a regular sample of its pixels. Ions cover
// a small part of a frame, so they barely move any of these.
#include "core/frame.h"

namespace ioncam {

struct BackgroundEstimate {
  double level = 0;  // median of the sampled pixels
  double low = 0;    // their 5th percentile: below any reasonable local background level
  // Noise sigma of one pixel: 1.4826 * MAD of differences between pixels `lag` columns apart,
  // over sqrt 2. Differences cancel slow background changes (gradients, stray light), which
  // a plain MAD would count as noise; lag should exceed the image's correlation length.
  double noise = 0;
};

// Uses about max_samples pixels on a regular grid (all pixels of small images).
BackgroundEstimate estimate_background(const Image& img, int lag, int max_samples = 4096);

// Median of the image on a circle of the given radius around (row, col), points inside the
// image only; NaN when fewer than a third of them are.
float ring_median(const Image& img, int row, int col, int radius);

}  // namespace ioncam
