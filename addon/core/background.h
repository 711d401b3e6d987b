#pragma once
// Robust background level and noise of an image: median and scaled MAD of a regular
// sample of its pixels. Ions cover a small part of a frame, so they barely move either.
#include "core/frame.h"

namespace ioncam {

struct BackgroundEstimate {
  double level = 0;  // median
  double noise = 0;  // 1.4826 * median absolute deviation (sigma for Gaussian noise)
};

// Uses about max_samples pixels on a regular grid (all pixels of small images).
BackgroundEstimate estimate_background(const Image& img, int max_samples = 4096);

}  // namespace ioncam
