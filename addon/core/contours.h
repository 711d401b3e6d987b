#pragma once
// Blobs of a binary mask the way the legacy found them: cv2.findContours (8-connected
// outer borders, traced by Suzuki-Abe border following) and cv2.moments of each border
// polygon. The border polygon runs through the centres of the blob's boundary pixels, so
// its area centroid is close to, but not the same as, the blob's pixel centroid.
#include <cstdint>
#include <vector>

namespace ioncam {

struct ContourBlob {
  int first_row = 0, first_col = 0;  // the blob's first pixel in raster order
  double area = 0;                   // polygon area (m00); 0 for single pixels and lines
  double cx = 0, cy = 0;             // polygon area centroid (m10 / m00, m01 / m00)
};

// One entry per 8-connected component of mask (row-major, nonzero = foreground), in raster
// order of the component's first pixel. Holes and blobs inside holes are not separated.
std::vector<ContourBlob> contour_blobs(const std::vector<uint8_t>& mask, int width, int height);

}  // namespace ioncam
