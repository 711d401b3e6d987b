#pragma once
// Blobs of a binary mask the way the legacy found them: cv2.findContours (8-connected
// outer borders, traced by Suzuki-Abe border following) and cv2.moments of each border
// polygon. The border polygon runs through the centres of the blob's boundary pixels, so
// its area centroid is close to, but not the same as, the blob's pixel centroid.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ioncam {

struct ContourBlob {
  int first_row = 0, first_col = 0;  // the blob's first pixel in raster order
  double area = 0;                   // polygon area (m00); 0 for single pixels and lines
  double cx = 0, cy = 0;             // polygon area centroid (m10 / m00, m01 / m00)
};

// A binary mask with a one-pixel zero frame: (width + 2) x (height + 2), pixel (r, c) of
// the image at px[(r + 1) * (width + 2) + c + 1], 1 = foreground, 0 = background.
struct PaddedMask {
  int width = 0, height = 0;  // of the image inside the frame
  std::vector<uint8_t> px;
  void reset(int w, int h);   // all background, reusing storage
  uint8_t& at(int col, int row) { return px[static_cast<size_t>(row + 1) * (width + 2) + col + 1]; }
};

// One entry per 8-connected component of the mask (its outer border), in raster order of
// the component's first pixel; hole borders are not traced. Marks the mask's pixels visited.
std::vector<ContourBlob> contour_blobs(PaddedMask& mask);

}  // namespace ioncam
