#pragma once
// CUDA error checking for host code: turn a failed call into a message and an early `false`.
#include <cuda_runtime.h>

#include <string>

namespace ioncam::gpu {

inline bool cuda_ok(cudaError_t err, const char* what, std::string* error) {
  if (err == cudaSuccess) return true;
  if (error) *error = std::string(what) + ": " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")";
  cudaGetLastError();  // clear a non-sticky error so the next call on this thread starts clean
  return false;
}

#define IONCAM_CUDA_TRY(call, error) \
  do {                               \
    if (!::ioncam::gpu::cuda_ok((call), #call, (error))) return false; \
  } while (0)

// A device buffer that only grows; one per use in a thread's workspace.
template <typename T>
struct DeviceBuffer {
  T* ptr = nullptr;
  size_t capacity = 0;
  ~DeviceBuffer() {
    if (ptr) cudaFree(ptr);
  }
  bool reserve(size_t count, std::string* error) {
    if (count <= capacity) return true;
    if (ptr) cudaFree(ptr);
    ptr = nullptr;
    capacity = 0;
    IONCAM_CUDA_TRY(cudaMalloc(&ptr, count * sizeof(T)), error);
    capacity = count;
    return true;
  }
};

}  // namespace ioncam::gpu
