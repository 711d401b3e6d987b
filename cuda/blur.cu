// Separable Gaussian blur (shared-memory tiles) and max/mean reduction for the detectors.
// Plain kernels: cuBLAS is not needed (a 2048 x 2048 frame is two memory-bound passes).
#include <cuda_runtime.h>

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <cstdio>
#include <mutex>

#include "cuda/blur.h"
#include "cuda/check.h"

namespace ioncam::gpu {

namespace {

constexpr int kRowTileX = 128;  // output columns per row-pass block (one thread each)
constexpr int kRowTileY = 4;    // rows per row-pass block
constexpr int kColTileX = 32;   // output columns per column-pass block
constexpr int kColTileY = 64;   // output rows per column-pass block
constexpr int kColThreadsY = 8;
constexpr size_t kMaxSharedBytes = 48 * 1024;  // the default per-block limit, no opt-in needed
constexpr int kReduceThreads = 256;
constexpr int kReduceBlocks = 512;

// OpenCV's BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba), as the CPU blur uses.
__device__ __forceinline__ int reflect101(int i, int n) {
  if (n == 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

// One output of the symmetric filter, summed in exactly the CPU's order (centre, then the pairs
// at +-1, +-2, ...) with FMA contraction ruled out, so GPU and CPU blurs agree to the bit.
__device__ __forceinline__ float symmetric_tap_sum(const float* __restrict__ half, int radius, const float* centre,
                                                   int stride) {
  float acc = __fmul_rn(half[0], centre[0]);
  for (int i = 1; i <= radius; ++i) acc = __fadd_rn(acc, __fmul_rn(half[i], __fadd_rn(centre[-i * stride], centre[i * stride])));
  return acc;
}

__device__ __forceinline__ void load_taps(float* dst, const float* __restrict__ taps, int count) {
  const int tid = threadIdx.y * blockDim.x + threadIdx.x;
  for (int i = tid; i < count; i += blockDim.x * blockDim.y) dst[i] = taps[i];
}

// Horizontal pass over the vertical pass's output (the CPU's order: columns first, then rows).
__global__ void row_pass(const float* __restrict__ src, int width, int height, const float* __restrict__ half, int radius,
                         float* __restrict__ out) {
  extern __shared__ float smem[];
  float* w = smem;
  const int span = kRowTileX + 2 * radius;
  float* line = smem + (radius + 1) + threadIdx.y * span;
  load_taps(w, half, radius + 1);
  const int x0 = blockIdx.x * kRowTileX;
  const int row = blockIdx.y * kRowTileY + threadIdx.y;
  if (row < height) {
    const float* srow = src + static_cast<size_t>(row) * width;
    for (int i = threadIdx.x; i < span; i += blockDim.x) line[i] = srow[reflect101(x0 - radius + i, width)];
  }
  __syncthreads();
  const int x = x0 + threadIdx.x;
  if (row >= height || x >= width) return;
  out[static_cast<size_t>(row) * width + x] = symmetric_tap_sum(w, radius, line + threadIdx.x + radius, 1);
}

// Vertical pass, first, over the raw ROI pixels (converted to float on the way into shared
// memory): a column strip with its apron.
template <typename T>
__global__ void col_pass(const T* __restrict__ in, int width, int height, const float* __restrict__ half, int radius,
                         float* __restrict__ out) {
  extern __shared__ float smem[];
  float* w = smem;
  float* tile = smem + (radius + 1);  // (kColTileY + 2 radius) rows x kColTileX columns
  load_taps(w, half, radius + 1);
  const int x = blockIdx.x * kColTileX + threadIdx.x;
  const int y0 = blockIdx.y * kColTileY;
  const int span = kColTileY + 2 * radius;
  for (int i = threadIdx.y; i < span; i += blockDim.y) {
    tile[i * kColTileX + threadIdx.x] =
        x < width ? static_cast<float>(in[static_cast<size_t>(reflect101(y0 - radius + i, height)) * width + x]) : 0.f;
  }
  __syncthreads();
  if (x >= width) return;
  for (int j = threadIdx.y; j < kColTileY; j += blockDim.y) {
    const int y = y0 + j;
    if (y >= height) break;
    out[static_cast<size_t>(y) * width + x] = symmetric_tap_sum(w, radius, tile + (j + radius) * kColTileX + threadIdx.x, kColTileX);
  }
}

// Both passes straight from global memory, for kernels too wide for the shared tiles. In the
// vertical pass neighbouring threads read neighbouring columns, so the loads still coalesce.
template <typename T, bool kVertical>
__global__ void pass_direct(const T* __restrict__ in, int width, int height, const float* __restrict__ half, int radius,
                            float* __restrict__ out) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= width || y >= height) return;
  auto at = [&](int offset) -> float {
    const int xx = kVertical ? x : reflect101(x + offset, width);
    const int yy = kVertical ? reflect101(y + offset, height) : y;
    return static_cast<float>(in[static_cast<size_t>(yy) * width + xx]);
  };
  float acc = __fmul_rn(half[0], at(0));
  for (int i = 1; i <= radius; ++i) acc = __fadd_rn(acc, __fmul_rn(half[i], __fadd_rn(at(-i), at(i))));
  out[static_cast<size_t>(y) * width + x] = acc;
}

__device__ __forceinline__ void warp_reduce(float& m, double& s) {
  for (int off = 16; off > 0; off >>= 1) {
    m = fmaxf(m, __shfl_down_sync(0xffffffffu, m, off));
    s += __shfl_down_sync(0xffffffffu, s, off);
  }
}

// Block-level max and (double) sum; thread 0 ends with the block's result.
__device__ __forceinline__ void block_reduce(float& m, double& s) {
  __shared__ float wm[32];
  __shared__ double ws[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  warp_reduce(m, s);
  if (lane == 0) {
    wm[warp] = m;
    ws[warp] = s;
  }
  __syncthreads();
  if (warp == 0) {
    const int nwarps = (blockDim.x + 31) >> 5;
    m = lane < nwarps ? wm[lane] : -FLT_MAX;
    s = lane < nwarps ? ws[lane] : 0.0;
    warp_reduce(m, s);
  }
}

__global__ void reduce_partial(const float* __restrict__ v, size_t n, float* __restrict__ pmax, double* __restrict__ psum) {
  float m = -FLT_MAX;
  double s = 0.0;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    m = fmaxf(m, v[i]);
    s += v[i];
  }
  block_reduce(m, s);
  if (threadIdx.x == 0) {
    pmax[blockIdx.x] = m;
    psum[blockIdx.x] = s;
  }
}

__global__ void reduce_final(const float* __restrict__ pmax, const double* __restrict__ psum, int parts, size_t n,
                             double* __restrict__ result) {
  float m = -FLT_MAX;
  double s = 0.0;
  for (int i = threadIdx.x; i < parts; i += blockDim.x) {
    m = fmaxf(m, pmax[i]);
    s += psum[i];
  }
  block_reduce(m, s);
  if (threadIdx.x == 0) {
    result[0] = m;
    result[1] = s / static_cast<double>(n);
  }
}

// Per-thread device state: the analysis runs on several worker threads at once, each with
// its own stream and buffers, so no locking is needed.
struct Workspace {
  cudaStream_t stream = nullptr;
  DeviceBuffer<uint8_t> raw;
  DeviceBuffer<float> tmp, out, taps, pmax;
  DeviceBuffer<double> psum, result;
  ~Workspace() {
    if (stream) cudaStreamDestroy(stream);
  }
  bool ready(std::string* error) {
    if (!stream) IONCAM_CUDA_TRY(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), error);
    return true;
  }
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

template <typename T>
void launch_blur(const Workspace& ws, int width, int height, int radius) {
  const T* src = reinterpret_cast<const T*>(ws.raw.ptr);
  const size_t row_shared = (radius + 1 + kRowTileY * (kRowTileX + 2 * radius)) * sizeof(float);
  const size_t col_shared = (radius + 1 + (kColTileY + 2 * radius) * kColTileX) * sizeof(float);
  const dim3 direct_block(32, 8), direct_grid((width + 31) / 32, (height + 7) / 8);
  if (col_shared <= kMaxSharedBytes) {
    const dim3 block(kColTileX, kColThreadsY), grid((width + kColTileX - 1) / kColTileX, (height + kColTileY - 1) / kColTileY);
    col_pass<T><<<grid, block, col_shared, ws.stream>>>(src, width, height, ws.taps.ptr, radius, ws.tmp.ptr);
  } else {
    pass_direct<T, true><<<direct_grid, direct_block, 0, ws.stream>>>(src, width, height, ws.taps.ptr, radius, ws.tmp.ptr);
  }
  if (row_shared <= kMaxSharedBytes) {
    const dim3 block(kRowTileX, kRowTileY), grid((width + kRowTileX - 1) / kRowTileX, (height + kRowTileY - 1) / kRowTileY);
    row_pass<<<grid, block, row_shared, ws.stream>>>(ws.tmp.ptr, width, height, ws.taps.ptr, radius, ws.out.ptr);
  } else {
    pass_direct<float, false><<<direct_grid, direct_block, 0, ws.stream>>>(ws.tmp.ptr, width, height, ws.taps.ptr, radius, ws.out.ptr);
  }
}

size_t pixel_bytes(PixelType t) { return t == PixelType::U8 ? 1 : t == PixelType::U16 ? 2 : 4; }

}  // namespace

bool blur_region(const FrameView& frame, const Roi& roi, const float* half, int radius, float* blurred,
                 BlurStats* stats, std::string* error) {
  Workspace& ws = workspace();
  if (!ws.ready(error)) return false;
  const int w = roi.width, h = roi.height;
  const size_t n = static_cast<size_t>(w) * h;
  const size_t bpp = pixel_bytes(frame.type);
  const int parts = static_cast<int>(std::min<size_t>(kReduceBlocks, (n + kReduceThreads - 1) / kReduceThreads));
  if (!ws.raw.reserve(n * bpp, error) || !ws.tmp.reserve(n, error) || !ws.out.reserve(n, error) ||
      !ws.taps.reserve(radius + 1, error) || !ws.pmax.reserve(parts, error) || !ws.psum.reserve(parts, error) ||
      !ws.result.reserve(2, error)) {
    return false;
  }
  const uint8_t* base = static_cast<const uint8_t*>(frame.data) + (static_cast<size_t>(roi.y) * frame.width + roi.x) * bpp;
  IONCAM_CUDA_TRY(cudaMemcpy2DAsync(ws.raw.ptr, w * bpp, base, frame.width * bpp, w * bpp, h, cudaMemcpyHostToDevice, ws.stream),
                  error);
  IONCAM_CUDA_TRY(cudaMemcpyAsync(ws.taps.ptr, half, (radius + 1) * sizeof(float), cudaMemcpyHostToDevice, ws.stream), error);
  switch (frame.type) {
    case PixelType::U8: launch_blur<uint8_t>(ws, w, h, radius); break;
    case PixelType::U16: launch_blur<uint16_t>(ws, w, h, radius); break;
    case PixelType::F32: launch_blur<float>(ws, w, h, radius); break;
  }
  reduce_partial<<<parts, kReduceThreads, 0, ws.stream>>>(ws.out.ptr, n, ws.pmax.ptr, ws.psum.ptr);
  reduce_final<<<1, kReduceThreads, 0, ws.stream>>>(ws.pmax.ptr, ws.psum.ptr, parts, n, ws.result.ptr);
  IONCAM_CUDA_TRY(cudaGetLastError(), error);
  double result[2] = {0, 0};
  IONCAM_CUDA_TRY(cudaMemcpyAsync(result, ws.result.ptr, sizeof(result), cudaMemcpyDeviceToHost, ws.stream), error);
  if (blurred) IONCAM_CUDA_TRY(cudaMemcpyAsync(blurred, ws.out.ptr, n * sizeof(float), cudaMemcpyDeviceToHost, ws.stream), error);
  IONCAM_CUDA_TRY(cudaStreamSynchronize(ws.stream), error);
  stats->l_max = result[0];
  stats->l_avg = result[1];
  return true;
}

bool symmetric_filter_gpu(const Image& src, const std::vector<float>& half, Image* dst) {
  dst->width = src.width;
  dst->height = src.height;
  dst->px.resize(src.px.size());
  if (src.px.empty()) return true;
  const FrameView view{src.px.data(), src.width, src.height, PixelType::F32};
  BlurStats stats;
  std::string error;
  if (blur_region(view, Roi{0, 0, src.width, src.height}, half.data(), static_cast<int>(half.size()) - 1,
                  dst->px.data(), &stats, &error)) {
    return true;
  }
  static std::once_flag logged;
  std::call_once(logged, [&] { std::fprintf(stderr, "ioncam: GPU blur failed (%s); blurring on the CPU\n", error.c_str()); });
  return false;
}

}  // namespace ioncam::gpu
