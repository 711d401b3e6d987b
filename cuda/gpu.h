#pragma once
// Host-side interface of the optional CUDA path. Plain C++ (no CUDA headers), so the
// addon and the standalone program include it whether or not CUDA is compiled in:
// without IONCAM_WITH_CUDA every entry point reports "not compiled" and does nothing.
#include <cstddef>
#include <string>

namespace ioncam::gpu {

struct DeviceStatus {
  bool compiled = false;  // built with nvcc (npm run build:cuda)
  int devices = 0;        // CUDA devices visible to this process
  std::string name;       // device 0, when there is one
  int cc_major = 0, cc_minor = 0;
  std::string reason;     // why there is no usable device, when devices == 0
  bool usable() const { return compiled && devices > 0; }
};

#ifdef IONCAM_WITH_CUDA
// Probed once per process (cudaGetDeviceCount / cudaGetDeviceProperties); thread-safe.
const DeviceStatus& device_status();
#else
inline const DeviceStatus& device_status() {
  static const DeviceStatus status = [] {
    DeviceStatus s;
    s.reason = "this addon was built without CUDA (build the CUDA addon with: npm run build:cuda)";
    return s;
  }();
  return status;
}
#endif

}  // namespace ioncam::gpu
