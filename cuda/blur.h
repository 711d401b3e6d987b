#pragma once
// GPU Gaussian pre-blur and the detection statistics (max and mean of the blurred ROI).
// Host interface; the kernels are in blur.cu. CUDA builds only (IONCAM_WITH_CUDA).
#include <string>
#include <vector>

#include "core/frame.h"

namespace ioncam::gpu {

struct BlurStats {
  double l_max = 0.0;
  double l_avg = 0.0;
};

// Blurs `roi` of `frame` (8-bit, 16-bit or float pixels, cropped and converted on the device)
// with the symmetric separable kernel half[0..radius] (core/blur.h gaussian_half_kernel),
// BORDER_REFLECT_101 at the ROI edges, columns first and every sum in the CPU's order without
// FMA, so the result equals symmetric_filter's to the bit; then reduces it to its max and mean.
// `blurred` (roi.width * roi.height floats, row-major) may be null when only the stats are wanted.
// Runs on the calling thread's own stream and device buffers; returns false with *error set when
// CUDA fails.
bool blur_region(const FrameView& frame, const Roi& roi, const float* half, int radius, float* blurred,
                 BlurStats* stats, std::string* error);

// core/blur.h's symmetric_filter on the GPU, for the FilterHook the analysis installs when the
// gpu option chose the GPU. False (the CPU then does the work) when CUDA fails; logged once.
bool symmetric_filter_gpu(const Image& src, const std::vector<float>& half, Image* dst);

}  // namespace ioncam::gpu
