#!/usr/bin/env bash
# Builds the standalone CUDA test/bench program (CMake target ioncam_gpu_bench; no Node needed)
# and runs it: CPU vs GPU agreement of the batched fits and the pre-blur, fits/s for 1e4..1e7
# profiles, frames/s for 300x300 and 2048x2048 frames. Prints the JSON on stdout and writes it
# to bench/results/gpu.json. Exit status: the program's (0 ok, 1 disagreement, 3 no usable GPU),
# 4 when nothing could be built.
#   bench/gpu.sh                    full run (about a minute on an H100 after the build)
#   bench/gpu.sh --quick            small sizes
#   CUDA_ARCH=native bench/gpu.sh   build for the GPU present (default 90 = H100: sm_90 + PTX)
#   IONCAM_GPU_OPTIONAL=1 ...       do not fail without a GPU (CPU figures only)
#   IONCAM_GPU_NO_CMAKE=1 ...       build with one nvcc call even where cmake exists
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${IONCAM_GPU_BUILD_DIR:-build-gpu-bench}
arch=${CUDA_ARCH:-90}
nvcc=$(command -v nvcc || true)
[ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc
if [ -z "$nvcc" ]; then
  echo '{"program": "ioncam_gpu_bench", "error": "nvcc not found (PATH, /usr/local/cuda/bin)"}'
  exit 4
fi
jobs=$(nproc 2>/dev/null || echo 4)
if [ "${IONCAM_GPU_NO_CMAKE:-0}" != 1 ] && command -v cmake >/dev/null 2>&1; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$nvcc" \
    -DCMAKE_CUDA_ARCHITECTURES="$arch" >&2
  cmake --build "$build_dir" --target ioncam_gpu_bench -j "$jobs" >&2
else
  # No cmake on the machine: the same sources in one nvcc call.
  echo "bench/gpu.sh: cmake not found, building with nvcc directly" >&2
  mkdir -p "$build_dir"
  [ "$arch" = native ] && gencode=(-arch=native) || gencode=(-gencode "arch=compute_$arch,code=[sm_$arch,compute_$arch]")
  "$nvcc" -O3 -std=c++17 --expt-relaxed-constexpr "${gencode[@]}" -DIONCAM_WITH_CUDA -Iaddon -I. \
    -Xcompiler=-O3,-fno-math-errno,-pthread addon/core/*.cc cuda/*.cu cuda/standalone/gpu_bench.cc \
    -o "$build_dir/ioncam_gpu_bench" >&2
fi
flags=(--require-gpu)
[ "${IONCAM_GPU_OPTIONAL:-0}" = 1 ] && flags=()
mkdir -p bench/results
set +e
"$build_dir/ioncam_gpu_bench" "${flags[@]}" "$@" > bench/results/gpu.json
status=$?
set -e
cat bench/results/gpu.json
exit $status
