// Device discovery: the one place that asks the CUDA runtime whether a GPU exists.
#include <cuda_runtime.h>

#include "cuda/gpu.h"

namespace ioncam::gpu {

const DeviceStatus& device_status() {
  // A function-local static is initialised once even with concurrent callers.
  static const DeviceStatus status = [] {
    DeviceStatus s;
    s.compiled = true;
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess || count <= 0) {
      s.reason = err != cudaSuccess ? std::string("no usable CUDA device (cudaGetDeviceCount: ") +
                                          cudaGetErrorName(err) + ": " + cudaGetErrorString(err) + ")"
                                    : std::string("no CUDA device found");
      cudaGetLastError();  // clear the sticky error so later probes start clean
      return s;
    }
    s.devices = count;
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) {
      s.name = prop.name;
      s.cc_major = prop.major;
      s.cc_minor = prop.minor;
    }
    return s;
  }();
  return status;
}

}  // namespace ioncam::gpu
