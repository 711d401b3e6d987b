#include "core/contours.h"

#include <cmath>

namespace ioncam {

namespace {

// OpenCV's neighbour order: index grows counter-clockwise on screen, 0 = east.
constexpr int kDRow[8] = {0, -1, -1, -1, 0, 1, 1, 1};
constexpr int kDCol[8] = {1, 1, 0, -1, -1, -1, 0, 1};

// The padded mask seen as flat indices; the zero frame keeps border following inside the
// array (findContours pads the same way).
struct Padded {
  int w, h;  // padded size
  std::vector<uint8_t>& px;
  int offset(int dir) const { return kDRow[dir] * w + kDCol[dir]; }
};

// Suzuki-Abe outer border following from `start` (its west neighbour is background);
// accumulates the border polygon's moments (Green's theorem, as cv::moments on a contour).
ContourBlob trace_outer_border(const Padded& img, int start) {
  ContourBlob blob;
  blob.first_row = start / img.w - 1;
  blob.first_col = start % img.w - 1;

  // First neighbour, searching clockwise from the west.
  int s = 4;
  int first = -1;
  for (int k = 0; k < 8; ++k) {
    s = (s - 1) & 7;
    if (img.px[start + img.offset(s)] != 0) {
      first = start + img.offset(s);
      break;
    }
  }
  if (first < 0) {  // isolated pixel: a one-point contour, zero area
    blob.cx = blob.first_col;
    blob.cy = blob.first_row;
    return blob;
  }

  double a00 = 0, a10 = 0, a01 = 0;
  double prev_x = 0, prev_y = 0, x0 = 0, y0 = 0;
  bool have_prev = false;
  auto add_point = [&](int idx) {
    const double x = idx % img.w - 1, y = idx / img.w - 1;
    if (!have_prev) {
      x0 = x;
      y0 = y;
      have_prev = true;
    } else {
      const double dxy = prev_x * y - x * prev_y;
      a00 += dxy;
      a10 += dxy * (prev_x + x);
      a01 += dxy * (prev_y + y);
    }
    prev_x = x;
    prev_y = y;
  };

  int cur = start;
  for (;;) {
    // Counter-clockwise from the direction just after the previous border pixel.
    int next = -1;
    for (int k = 0; k < 8; ++k) {
      s = (s + 1) & 7;
      if (img.px[cur + img.offset(s)] != 0) {
        next = cur + img.offset(s);
        break;
      }
    }
    add_point(cur);
    if (next == start && cur == first) break;
    cur = next;
    s = (s + 4) & 7;  // direction from the new pixel back to the one we came from
  }
  // Close the polygon.
  const double dxy = prev_x * y0 - x0 * prev_y;
  a00 += dxy;
  a10 += dxy * (prev_x + x0);
  a01 += dxy * (prev_y + y0);

  blob.area = std::fabs(a00) * 0.5;
  if (blob.area > 0) {
    blob.cx = a10 / (3 * a00);
    blob.cy = a01 / (3 * a00);
  } else {
    blob.cx = blob.first_col;
    blob.cy = blob.first_row;
  }
  return blob;
}

}  // namespace

void PaddedMask::reset(int w, int h) {
  width = w;
  height = h;
  px.assign(static_cast<size_t>(w + 2) * (h + 2), 0);
}

std::vector<ContourBlob> contour_blobs(PaddedMask& mask) {
  const int width = mask.width, height = mask.height;
  Padded img{width + 2, height + 2, mask.px};
  std::vector<ContourBlob> blobs;
  static thread_local std::vector<int> stack;
  for (int r = 1; r <= height; ++r) {
    for (int c = 1; c <= width; ++c) {
      const int idx = r * img.w + c;
      if (img.px[idx] != 1) continue;
      blobs.push_back(trace_outer_border(img, idx));
      // Mark the whole 8-connected component as seen (2 still counts as foreground).
      img.px[idx] = 2;
      stack.assign(1, idx);
      while (!stack.empty()) {
        const int p = stack.back();
        stack.pop_back();
        for (int d = 0; d < 8; ++d) {
          const int q = p + img.offset(d);
          if (img.px[q] == 1) {
            img.px[q] = 2;
            stack.push_back(q);
          }
        }
      }
    }
  }
  return blobs;
}

}  // namespace ioncam
