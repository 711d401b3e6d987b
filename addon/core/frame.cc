#include "core/frame.h"

namespace ioncam {

namespace {
template <typename T>
void copy_rows(const T* src, int stride, const Roi& roi, float* dst) {
  for (int r = 0; r < roi.height; ++r) {
    const T* row = src + static_cast<size_t>(roi.y + r) * stride + roi.x;
    float* out = dst + static_cast<size_t>(r) * roi.width;
    for (int c = 0; c < roi.width; ++c) out[c] = static_cast<float>(row[c]);
  }
}
}  // namespace

void crop_to_float(const FrameView& frame, const Roi& roi, Image* img) {
  img->width = roi.width;
  img->height = roi.height;
  img->px.resize(static_cast<size_t>(roi.width) * roi.height);
  switch (frame.type) {
    case PixelType::U8:
      copy_rows(static_cast<const uint8_t*>(frame.data), frame.width, roi, img->px.data());
      break;
    case PixelType::U16:
      copy_rows(static_cast<const uint16_t*>(frame.data), frame.width, roi, img->px.data());
      break;
    case PixelType::F32:
      copy_rows(static_cast<const float*>(frame.data), frame.width, roi, img->px.data());
      break;
  }
}

Image crop_to_float(const FrameView& frame, const Roi& roi) {
  Image img;
  crop_to_float(frame, roi, &img);
  return img;
}

}  // namespace ioncam
