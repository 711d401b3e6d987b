#pragma once
// Separable Gaussian filtering with OpenCV's default border (BORDER_REFLECT_101).
// The legacy detector blurs with cv2.GaussianBlur(img, (0, 0), sigma) on float32 images;
// legacy_gaussian_blur reproduces its kernel size rule and kernel. The peaks detector
// uses the same filter core with its own small kernel.
#include <vector>

#include "core/frame.h"

namespace ioncam {

// cv::borderInterpolate for BORDER_REFLECT_101: maps any index into [0, len).
int reflect101(int p, int len);

// Normalised Gaussian taps k[0..radius] (k[i] is the weight at offset +-i), computed in
// double like cv::getGaussianKernel and rounded to float.
std::vector<float> gaussian_half_kernel(double sigma, int radius);

// Kernel radius OpenCV picks for ksize = (0, 0) on float images: ksize = round(8 sigma + 1) | 1.
int legacy_kernel_radius(double sigma);

// Optional replacement for symmetric_filter, installed per thread (the CUDA build's GPU filter
// while an analysis runs with the gpu option on). It returns false to leave the work to the CPU.
using FilterHook = bool (*)(const Image& src, const std::vector<float>& half, Image* dst);
class ScopedFilterHook {
 public:
  explicit ScopedFilterHook(FilterHook hook);
  ~ScopedFilterHook();
  ScopedFilterHook(const ScopedFilterHook&) = delete;
  ScopedFilterHook& operator=(const ScopedFilterHook&) = delete;

 private:
  FilterHook previous_;
};

// Symmetric separable filter (rows, then columns) with reflect-101 borders.
// half[0..radius] as from gaussian_half_kernel. dst is resized; it must not alias src.
void symmetric_filter(const Image& src, const std::vector<float>& half, Image* dst);

// cv2.GaussianBlur(src, (0, 0), sigma, sigma) for a float32 image.
void legacy_gaussian_blur(const Image& src, double sigma, Image* dst);

}  // namespace ioncam
