#pragma once
// Separable Gaussian blur used by both detectors (sigma = max(1, radius / 4)).
#include "core/frame.h"

namespace ioncam {

// Border handling matches OpenCV's default (BORDER_REFLECT_101), which the legacy used.
Image gaussian_blur(const Image& src, double sigma);

}  // namespace ioncam
