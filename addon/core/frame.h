#pragma once
// Frames as the core sees them: a borrowed pixel buffer of one of three types,
// and a float copy of the region of interest that every later stage works on.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ioncam {

enum class PixelType : int { U8 = 0, U16 = 1, F32 = 2 };

struct FrameView {
  const void* data = nullptr;
  int width = 0;
  int height = 0;
  PixelType type = PixelType::U8;
};

// Columns [x, x + width), rows [y, y + height). Callers pass it already clamped.
struct Roi {
  int x = 0, y = 0, width = 0, height = 0;
};

// Row-major float image; pixel (row r, column c) is px[r * width + c].
struct Image {
  int width = 0;
  int height = 0;
  std::vector<float> px;
  float at(int col, int row) const { return px[static_cast<size_t>(row) * width + col]; }
};

Image crop_to_float(const FrameView& frame, const Roi& roi);
// The same into an existing image, reusing its storage (no allocation once it is big enough).
void crop_to_float(const FrameView& frame, const Roi& roi, Image* out);

}  // namespace ioncam
