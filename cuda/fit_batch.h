#pragma once
// Batched profile fits on the GPU: one fit per thread, the same batch::fit_one as the CPU.
// Host interface; CUDA builds only (IONCAM_WITH_CUDA).
#include <string>

#include "core/batch_fit.h"

namespace ioncam::gpu {

// Most samples per profile the kernel takes (its per-thread buffer); longer profiles stay on the CPU.
constexpr int kMaxBatchPoints = 256;

// Same contract as fit_batch_cpu. Returns false with *error set when CUDA fails or the profiles
// are longer than kMaxBatchPoints.
bool fit_batch(BatchModel model, const float* profiles, size_t count, int points, double x_start,
               const LmSettings& settings, BatchResult* out, std::string* error);

// Device-resident batch (for benchmarks that keep the data on the GPU): all pointers are device
// memory, params/errors hold Model::kMaxParams (= num_params) values per fit. Only launches the
// kernel on `stream` (a cudaStream_t); the caller synchronises.
struct DeviceBatch {
  const float* profiles = nullptr;
  double* params = nullptr;
  double* errors = nullptr;
  int* iterations = nullptr;
  int* status = nullptr;
};
bool launch_fit_batch(BatchModel model, const DeviceBatch& batch, size_t count, int points, double x_start,
                      const LmSettings& settings, void* stream, std::string* error);

}  // namespace ioncam::gpu
