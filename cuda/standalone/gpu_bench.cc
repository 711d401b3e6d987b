#include <cstdio>
#include <cstring>
#include "cuda/gpu.h"
int main(int argc, char** argv) {
  if (argc > 1 && !std::strcmp(argv[1], "--help")) { std::puts("ioncam_gpu_bench"); return 0; }
  const auto& d = ioncam::gpu::device_status();
  std::printf("{\"devices\": %d, \"reason\": \"%s\"}\n", d.devices, d.reason.c_str());
  return 0;
}
