// Gpufit-style batched Levenberg-Marquardt: one generic kernel templated on the model, one
// profile per thread, running core/lm.h and the core's model headers unchanged.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "cuda/check.h"
#include "cuda/fit_batch.h"

namespace ioncam::gpu {

namespace {

constexpr int kThreads = 128;
// Fits per launch: bounds device memory (a chunk of 2^20 profiles of 64 points is 256 MiB in,
// 80 MiB out) and lets the copies of one chunk overlap the fits of another.
constexpr size_t kChunk = size_t{1} << 20;

template <class Model>
__global__ void fit_kernel(BatchModel which, const float* __restrict__ profiles, int count, int points, double x_start,
                           LmSettings settings, double* __restrict__ params, double* __restrict__ errors,
                           int* __restrict__ iterations, int* __restrict__ status) {
  // Every fit of the batch samples the same x, so the block shares one copy (broadcast reads).
  __shared__ double xs[kMaxBatchPoints];
  for (int j = threadIdx.x; j < points; j += blockDim.x) xs[j] = x_start + j;
  __syncthreads();
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  double y[kMaxBatchPoints];
  const float* row = profiles + static_cast<size_t>(i) * points;
  for (int j = 0; j < points; ++j) y[j] = row[j];
  constexpr int np = Model::kMaxParams;
  double p[np], err[np];
  const LmResult r = batch::fit_one<Model>(which, xs, y, points, settings, p, err);
  for (int k = 0; k < np; ++k) {
    params[static_cast<size_t>(i) * np + k] = p[k];
    errors[static_cast<size_t>(i) * np + k] = err[k];
  }
  iterations[i] = r.iterations;
  status[i] = r.status;
}

// Two streams and two sets of buffers: chunk k + 1 uploads while chunk k fits.
struct Slot {
  cudaStream_t stream = nullptr;
  DeviceBuffer<float> in;
  DeviceBuffer<double> params, errors;
  DeviceBuffer<int> iterations, status;
};

struct FitWorkspace {
  Slot slots[2];
  ~FitWorkspace() {
    for (Slot& s : slots)
      if (s.stream) cudaStreamDestroy(s.stream);
  }
  bool ready(std::string* error) {
    for (Slot& s : slots)
      if (!s.stream) IONCAM_CUDA_TRY(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking), error);
    return true;
  }
};

FitWorkspace& fit_workspace() {
  thread_local FitWorkspace ws;
  return ws;
}

template <class Model>
void launch(BatchModel which, const DeviceBatch& b, size_t n, int points, double x_start, const LmSettings& settings,
            cudaStream_t stream) {
  const int blocks = static_cast<int>((n + kThreads - 1) / kThreads);
  fit_kernel<Model><<<blocks, kThreads, 0, stream>>>(which, b.profiles, static_cast<int>(n), points, x_start, settings,
                                                      b.params, b.errors, b.iterations, b.status);
}

void launch_any(BatchModel which, const DeviceBatch& b, size_t n, int points, double x_start,
                const LmSettings& settings, cudaStream_t stream) {
  switch (which) {
    case BatchModel::Gaussian: return launch<batch::GaussianModel>(which, b, n, points, x_start, settings, stream);
    case BatchModel::Shm: return launch<batch::ShmModel>(which, b, n, points, x_start, settings, stream);
    case BatchModel::ShmPsf: return launch<batch::ShmPsfModel>(which, b, n, points, x_start, settings, stream);
  }
}

}  // namespace

bool launch_fit_batch(BatchModel model, const DeviceBatch& batch, size_t count, int points, double x_start,
                      const LmSettings& settings, void* stream, std::string* error) {
  if (points > kMaxBatchPoints) {
    if (error) *error = "profiles longer than " + std::to_string(kMaxBatchPoints) + " samples are fitted on the CPU only";
    return false;
  }
  if (count == 0) return true;
  launch_any(model, batch, count, points, x_start, settings, static_cast<cudaStream_t>(stream));
  IONCAM_CUDA_TRY(cudaGetLastError(), error);
  return true;
}

bool fit_batch(BatchModel model, const float* profiles, size_t count, int points, double x_start,
               const LmSettings& settings, BatchResult* out, std::string* error) {
  out->resize(count, batch::num_params(model));
  if (points > kMaxBatchPoints) {
    if (error) *error = "profiles longer than " + std::to_string(kMaxBatchPoints) + " samples are fitted on the CPU only";
    return false;
  }
  if (count == 0) return true;
  FitWorkspace& ws = fit_workspace();
  if (!ws.ready(error)) return false;
  const int np = out->num_params;
  const size_t chunk = std::min(count, kChunk);
  for (Slot& s : ws.slots) {
    if (!s.in.reserve(chunk * points, error) || !s.params.reserve(chunk * np, error) ||
        !s.errors.reserve(chunk * np, error) || !s.iterations.reserve(chunk, error) || !s.status.reserve(chunk, error)) {
      return false;
    }
  }
  // Results of chunk c come back after chunk c + 1 is launched: from pageable memory a copy
  // blocks the host, and this way the upload of one chunk runs while the previous one fits.
  auto download = [&](const Slot& s, size_t begin, size_t n) {
    return cuda_ok(cudaMemcpyAsync(&out->params[begin * np], s.params.ptr, n * np * sizeof(double),
                                   cudaMemcpyDeviceToHost, s.stream), "download params", error) &&
           cuda_ok(cudaMemcpyAsync(&out->errors[begin * np], s.errors.ptr, n * np * sizeof(double),
                                   cudaMemcpyDeviceToHost, s.stream), "download errors", error) &&
           cuda_ok(cudaMemcpyAsync(&out->iterations[begin], s.iterations.ptr, n * sizeof(int),
                                   cudaMemcpyDeviceToHost, s.stream), "download iterations", error) &&
           cuda_ok(cudaMemcpyAsync(&out->status[begin], s.status.ptr, n * sizeof(int), cudaMemcpyDeviceToHost,
                                   s.stream), "download status", error);
  };
  int k = 0;
  size_t prev_begin = 0, prev_n = 0;
  for (size_t begin = 0; begin < count; begin += chunk, k ^= 1) {
    Slot& s = ws.slots[k];
    const size_t n = std::min(chunk, count - begin);
    IONCAM_CUDA_TRY(cudaMemcpyAsync(s.in.ptr, profiles + begin * points, n * points * sizeof(float),
                                    cudaMemcpyHostToDevice, s.stream), error);
    const DeviceBatch b{s.in.ptr, s.params.ptr, s.errors.ptr, s.iterations.ptr, s.status.ptr};
    launch_any(model, b, n, points, x_start, settings, s.stream);
    IONCAM_CUDA_TRY(cudaGetLastError(), error);
    if (prev_n > 0 && !download(ws.slots[k ^ 1], prev_begin, prev_n)) return false;
    prev_begin = begin;
    prev_n = n;
  }
  if (prev_n > 0 && !download(ws.slots[k ^ 1], prev_begin, prev_n)) return false;
  for (Slot& s : ws.slots) IONCAM_CUDA_TRY(cudaStreamSynchronize(s.stream), error);
  // LmResult::converged is status > 0; the kernel returns the status only.
  for (size_t i = 0; i < count; ++i) out->converged[i] = out->status[i] > 0 ? 1 : 0;
  return true;
}

}  // namespace ioncam::gpu
