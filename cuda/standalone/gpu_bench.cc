// ioncam_gpu_bench: the CUDA path's agreement test and benchmark, without Node (bench/gpu.sh).
//   - CPU vs GPU batched fits on fixture-like profiles (positions within 1e-3 px, the other
//     parameters within 1e-3 relative, values under 1 compared absolutely);
//   - GPU vs CPU pre-blur (bit-identical expected) and detection statistics;
//   - fits/s for 1e4 .. 1e7 profiles (end to end from host memory, and device-resident);
//   - frames/s for 300 x 300 and 2048 x 2048 frames (blur + stats, and the whole analysis).
// Prints one JSON object. Exit status: 0 ok, 1 agreement failed, 2 bad arguments,
// 3 no usable GPU with --require-gpu (the JSON still says why).
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/analyze.h"
#include "core/batch_fit.h"
#include "core/blur.h"
#include "cuda/blur.h"
#include "cuda/fit_batch.h"
#include "cuda/gpu.h"

namespace {

using namespace ioncam;

// ---- minimal JSON building ------------------------------------------------------------------

std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
std::string str(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}
std::string boolean(bool b) { return b ? "true" : "false"; }
using Fields = std::vector<std::pair<std::string, std::string>>;
std::string obj(const Fields& fields) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? ", " : "") + str(fields[i].first) + ": " + fields[i].second;
  return out + "}";
}
std::string arr(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median_ms(int reps, const std::function<void()>& fn) {
  std::vector<double> t(reps);
  fn();  // warm-up: allocations, first launches
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    t[r] = seconds_since(t0) * 1e3;
  }
  std::sort(t.begin(), t.end());
  return t[reps / 2];
}

const char* model_name(BatchModel m) {
  return m == BatchModel::Gaussian ? "gaussian" : m == BatchModel::Shm ? "shm" : "shm-psf";
}

// ---- fixture-like profiles ------------------------------------------------------------------

// Column sums (Gaussian) or row sums (oscillating ion blurred by the PSF) of a 40 px ion window,
// like the fixtures' intended_fit profiles: offset ~2000 counts, peak ~2500, Poisson noise.
std::vector<float> make_profiles(BatchModel fit_model, size_t count, int points, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<float> y(count * points);
  double grad[8];
  for (size_t i = 0; i < count; ++i) {
    const double centre = points / 2.0 - 3 + 6 * u(gen), offset = 1500 + 1000 * u(gen);
    double p[5];
    const bool gaussian = fit_model == BatchModel::Gaussian;
    if (gaussian) {
      p[0] = centre, p[1] = 2 + 1.2 * u(gen), p[2] = 1500 + 1500 * u(gen);
    } else {
      p[0] = centre, p[1] = 6 * u(gen), p[2] = 2 + u(gen), p[3] = 8000 + 8000 * u(gen);
    }
    for (int j = 0; j < points; ++j) {
      const double v = offset + (gaussian ? model::GaussianPeak{}.eval(j, p, grad) : model::ShmPsfPeak{}.eval(j, p, grad));
      y[i * points + j] = static_cast<float>(std::round(v + std::sqrt(v) * normal(gen)));
    }
  }
  return y;
}

// count profiles by repeating a pool of distinct ones (generating 1e7 noisy profiles would
// take longer than fitting them).
std::vector<float> tile_profiles(const std::vector<float>& pool, size_t pool_count, size_t count, int points) {
  std::vector<float> y(count * points);
  for (size_t i = 0; i < count; i += pool_count) {
    const size_t n = std::min(pool_count, count - i);
    std::memcpy(&y[i * points], pool.data(), n * points * sizeof(float));
  }
  return y;
}

// ---- agreement --------------------------------------------------------------------------------

std::string fit_agreement(BatchModel m, size_t count, int points, bool* pass) {
  const std::vector<float> y = make_profiles(m, count, points, 1000 + static_cast<int>(m));
  const LmSettings settings;
  BatchResult cpu, gpu;
  auto t0 = std::chrono::steady_clock::now();
  fit_batch_cpu(m, y.data(), count, points, 0.0, settings, &cpu);
  const double cpu_s = seconds_since(t0);
  std::string error;
  t0 = std::chrono::steady_clock::now();
  if (!gpu::fit_batch(m, y.data(), count, points, 0.0, settings, &gpu, &error)) {
    *pass = false;
    return obj({{"model", str(model_name(m))}, {"error", str(error)}});
  }
  const double gpu_s = seconds_since(t0);
  const int np = cpu.num_params;
  size_t both = 0, agree = 0, conv_cpu = 0, conv_gpu = 0, same_iterations = 0;
  double worst_pos = 0, worst_rel = 0;
  for (size_t i = 0; i < count; ++i) {
    conv_cpu += cpu.converged[i];
    conv_gpu += gpu.converged[i];
    if (!cpu.converged[i] || !gpu.converged[i]) continue;
    ++both;
    same_iterations += cpu.iterations[i] == gpu.iterations[i];
    const double dpos = std::fabs(cpu.params[i * np] - gpu.params[i * np]);
    double rel = 0;
    for (int k = 1; k < np; ++k) {
      const double c = cpu.params[i * np + k], g = gpu.params[i * np + k];
      rel = std::max(rel, std::fabs(c - g) / std::max(1.0, std::fabs(c)));
    }
    worst_pos = std::max(worst_pos, dpos);
    worst_rel = std::max(worst_rel, rel);
    agree += dpos <= 1e-3 && rel <= 1e-3;
  }
  const double fraction = both ? static_cast<double>(agree) / both : 0.0;
  // Ill-conditioned fits (a width running to zero, say) may end at different points of a flat
  // valley after different rounding; all but a handful must agree.
  const bool ok = both > 0 && fraction >= 0.995 && conv_gpu + count / 200 >= conv_cpu;
  *pass = *pass && ok;
  return obj({{"model", str(model_name(m))},
              {"profiles", num(count)},
              {"points", num(points)},
              {"converged_cpu", num(conv_cpu)},
              {"converged_gpu", num(conv_gpu)},
              {"compared", num(both)},
              {"agree_fraction", num(fraction)},
              {"same_iterations_fraction", num(both ? static_cast<double>(same_iterations) / both : 0.0)},
              {"max_abs_position_diff_px", num(worst_pos)},
              {"max_rel_other_diff", num(worst_rel)},
              {"cpu_s", num(cpu_s)},
              {"gpu_s", num(gpu_s)},
              {"pass", boolean(ok)}});
}

// ---- fits per second --------------------------------------------------------------------------

std::string fit_throughput(BatchModel m, const std::vector<size_t>& counts, int points) {
  const size_t pool_count = 1 << 16;
  const std::vector<float> pool = make_profiles(m, pool_count, points, 77);
  const LmSettings settings;
  std::vector<std::string> rows;
  for (size_t count : counts) {
    const std::vector<float> y = tile_profiles(pool, pool_count, count, points);
    BatchResult out;
    std::string error;
    gpu::fit_batch(m, y.data(), std::min<size_t>(count, 4096), points, 0.0, settings, &out, &error);  // warm-up
    auto t0 = std::chrono::steady_clock::now();
    const bool ok = gpu::fit_batch(m, y.data(), count, points, 0.0, settings, &out, &error);
    const double e2e = seconds_since(t0);
    size_t converged = 0;
    for (unsigned char c : out.converged) converged += c;
    // Device-resident: the profiles already on the GPU, only the kernel timed.
    const int np = batch::num_params(m);
    gpu::DeviceBatch b;
    float* d_in = nullptr;
    double *d_p = nullptr, *d_e = nullptr;
    int *d_it = nullptr, *d_st = nullptr;
    double kernel_s = NAN;
    cudaStream_t stream = nullptr;
    if (ok && cudaMalloc(&d_in, count * points * sizeof(float)) == cudaSuccess &&
        cudaMalloc(&d_p, count * np * sizeof(double)) == cudaSuccess &&
        cudaMalloc(&d_e, count * np * sizeof(double)) == cudaSuccess &&
        cudaMalloc(&d_it, count * sizeof(int)) == cudaSuccess && cudaMalloc(&d_st, count * sizeof(int)) == cudaSuccess &&
        cudaStreamCreate(&stream) == cudaSuccess) {
      cudaMemcpy(d_in, y.data(), count * points * sizeof(float), cudaMemcpyHostToDevice);
      b = {d_in, d_p, d_e, d_it, d_st};
      cudaEvent_t start, stop;
      cudaEventCreate(&start);
      cudaEventCreate(&stop);
      cudaEventRecord(start, stream);
      if (gpu::launch_fit_batch(m, b, count, points, 0.0, settings, stream, &error)) {
        cudaEventRecord(stop, stream);
        cudaEventSynchronize(stop);
        float ms = 0;
        cudaEventElapsedTime(&ms, start, stop);
        kernel_s = ms / 1e3;
      }
      cudaEventDestroy(start);
      cudaEventDestroy(stop);
    } else {
      cudaGetLastError();
    }
    if (stream) cudaStreamDestroy(stream);
    cudaFree(d_in), cudaFree(d_p), cudaFree(d_e), cudaFree(d_it), cudaFree(d_st);
    Fields f = {{"profiles", num(count)},
                {"end_to_end_s", ok ? num(e2e) : "null"},
                {"fits_per_s", ok ? num(count / e2e) : "null"},
                {"kernel_s", num(kernel_s)},
                {"fits_per_s_kernel", num(count / kernel_s)},
                {"converged_fraction", num(static_cast<double>(converged) / count)}};
    if (!ok) f.push_back({"error", str(error)});
    rows.push_back(obj(f));
    std::fprintf(stderr, "  %s %zu profiles: %.3g fits/s end to end, %.3g fits/s kernel\n", model_name(m), count,
                 ok ? count / e2e : 0.0, count / kernel_s);
  }
  return obj({{"model", str(model_name(m))}, {"points", num(points)}, {"runs", arr(rows)}});
}

std::string cpu_fit_throughput(BatchModel m, size_t count, int points, int threads) {
  const std::vector<float> y = make_profiles(m, count, points, 99);
  BatchResult out;
  const auto t0 = std::chrono::steady_clock::now();
  fit_batch_cpu(m, y.data(), count, points, 0.0, LmSettings{}, &out, threads);
  const double s = seconds_since(t0);
  return obj({{"model", str(model_name(m))},
              {"profiles", num(count)},
              {"threads", num(threads)},
              {"fits_per_s", num(count / s)}});
}

// ---- frames -----------------------------------------------------------------------------------

struct SynthFrame {
  int width, height;
  std::vector<uint8_t> px;
  FrameView view() const { return FrameView{px.data(), width, height, PixelType::U8}; }
};

// An 8-bit camera frame: background ~20 counts with read noise and `ions` Gaussian spots on a
// jittered grid (>= 15 px apart), peak ~150 counts.
SynthFrame make_frame(int width, int height, int ions, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> img(static_cast<size_t>(width) * height, 20.0);
  const int grid = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(ions))));
  const double cell_w = static_cast<double>(width) / grid, cell_h = static_cast<double>(height) / grid;
  for (int k = 0; k < ions; ++k) {
    const double cx = (k % grid + 0.3 + 0.4 * u(gen)) * cell_w, cy = (k / grid + 0.3 + 0.4 * u(gen)) * cell_h;
    const double s = 2.2 + 0.8 * u(gen), amp = 120 + 60 * u(gen);
    for (int y = std::max(0, static_cast<int>(cy - 5 * s)); y < std::min(height, static_cast<int>(cy + 5 * s) + 1); ++y)
      for (int x = std::max(0, static_cast<int>(cx - 5 * s)); x < std::min(width, static_cast<int>(cx + 5 * s) + 1); ++x)
        img[static_cast<size_t>(y) * width + x] += amp * std::exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * s * s));
  }
  SynthFrame f{width, height, std::vector<uint8_t>(img.size())};
  for (size_t i = 0; i < img.size(); ++i)
    f.px[i] = static_cast<uint8_t>(std::clamp(std::round(img[i] + std::sqrt(img[i]) * normal(gen)), 0.0, 255.0));
  return f;
}

std::string frame_bench(int width, int height, int ions, bool gpu_ok, int reps, bool* pass) {
  const SynthFrame frame = make_frame(width, height, ions, 5000 + width);
  const Roi roi{0, 0, width, height};
  // The legacy detector's pre-blur (sigma = radius / 4 = 5 px, 41 taps): the heavier of the two.
  const double sigma = 5.0;
  const int radius = legacy_kernel_radius(sigma);
  const std::vector<float> half = gaussian_half_kernel(sigma, radius);
  const size_t n = static_cast<size_t>(width) * height;

  Image cpu_blur;
  double cpu_max = 0, cpu_avg = 0;
  const double cpu_blur_ms = median_ms(reps, [&] {
    const Image src = crop_to_float(frame.view(), roi);
    symmetric_filter(src, half, &cpu_blur);
    float m = cpu_blur.px[0];
    double s = 0;
    for (float v : cpu_blur.px) m = std::max(m, v), s += v;
    cpu_max = m, cpu_avg = s / n;
  });
  AnalyzeOptions opts;
  opts.roi = roi;
  AnalyzeResult cpu_result;
  const double cpu_analyze_ms = median_ms(std::max(3, reps / 4), [&] { cpu_result = analyze_frame(frame.view(), opts); });
  Fields f = {{"width", num(width)},
              {"height", num(height)},
              {"ions_placed", num(ions)},
              {"ions_found_cpu", num(cpu_result.detections.size())},
              {"blur_taps", num(2 * radius + 1)},
              {"cpu_blur_stats_ms", num(cpu_blur_ms)},
              {"cpu_analyze_ms", num(cpu_analyze_ms)},
              {"cpu_analyze_frames_per_s", num(1e3 / cpu_analyze_ms)}};
  if (gpu_ok) {
    std::string error;
    gpu::BlurStats stats;
    std::vector<float> gpu_blur(n);
    bool ok = gpu::blur_region(frame.view(), roi, half.data(), radius, gpu_blur.data(), &stats, &error);
    double max_diff = 0;
    for (size_t i = 0; ok && i < n; ++i) max_diff = std::max(max_diff, static_cast<double>(std::fabs(gpu_blur[i] - cpu_blur.px[i])));
    const double stats_ms = median_ms(reps, [&] { ok = ok && gpu::blur_region(frame.view(), roi, half.data(), radius, nullptr, &stats, &error); });
    const double image_ms =
        median_ms(reps, [&] { ok = ok && gpu::blur_region(frame.view(), roi, half.data(), radius, gpu_blur.data(), &stats, &error); });
    // The whole analysis with the detectors' filters on the GPU (what gpu 'on' / 'auto' runs).
    AnalyzeOptions gpu_opts = opts;
    gpu_opts.gpu_filter = gpu::symmetric_filter_gpu;
    AnalyzeResult gpu_result;
    const double gpu_analyze_ms = median_ms(std::max(3, reps / 4), [&] { gpu_result = analyze_frame(frame.view(), gpu_opts); });
    bool same_ions = gpu_result.ions.size() == cpu_result.ions.size();
    for (size_t i = 0; same_ions && i < cpu_result.ions.size(); ++i) {
      same_ions = std::fabs(gpu_result.ions[i].x0 - cpu_result.ions[i].x0) <= 1e-3 &&
                  std::fabs(gpu_result.ions[i].y0 - cpu_result.ions[i].y0) <= 1e-3;
    }
    f.push_back({"gpu_analyze_ms", num(gpu_analyze_ms)});
    f.push_back({"gpu_analyze_frames_per_s", num(1e3 / gpu_analyze_ms)});
    f.push_back({"gpu_analyze_same_ions", boolean(same_ions)});
    const bool agree = ok && same_ions && max_diff == 0 && std::fabs(stats.l_max - cpu_max) == 0 &&
                       std::fabs(stats.l_avg - cpu_avg) <= 1e-9 * std::max(1.0, cpu_avg);
    *pass = *pass && agree;
    f.push_back({"gpu_blur_max_abs_diff", ok ? num(max_diff) : "null"});
    f.push_back({"gpu_l_max", num(stats.l_max)});
    f.push_back({"cpu_l_max", num(cpu_max)});
    f.push_back({"gpu_l_avg", num(stats.l_avg)});
    f.push_back({"cpu_l_avg", num(cpu_avg)});
    f.push_back({"gpu_blur_stats_ms", num(stats_ms)});
    f.push_back({"gpu_blur_stats_frames_per_s", num(1e3 / stats_ms)});
    f.push_back({"gpu_blur_download_ms", num(image_ms)});
    f.push_back({"blur_agrees", boolean(agree)});
    if (!ok) f.push_back({"error", str(error)});
  }
  return obj(f);
}

struct Args {
  bool quick = false;
  bool require_gpu = false;
  size_t max_fits = 10'000'000;
};

void usage() {
  std::puts(
      "ioncam_gpu_bench [--quick] [--require-gpu] [--max-fits N]\n"
      "  CPU vs GPU agreement of the batched profile fits and the pre-blur, fits/s for 1e4..1e7\n"
      "  profiles and frames/s for 300x300 and 2048x2048 frames; prints one JSON object.\n"
      "  --quick        small sizes (a smoke run, seconds)\n"
      "  --require-gpu  exit 3 when no usable CUDA device exists (default: CPU figures only)\n"
      "  --max-fits N   largest batch in the fits/s sweep (default 1e7)");
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      usage();
      return 0;
    } else if (!std::strcmp(argv[i], "--quick")) {
      args.quick = true;
    } else if (!std::strcmp(argv[i], "--require-gpu")) {
      args.require_gpu = true;
    } else if (!std::strcmp(argv[i], "--max-fits") && i + 1 < argc) {
      args.max_fits = static_cast<size_t>(std::atof(argv[++i]));
    } else {
      usage();
      return 2;
    }
  }
  const gpu::DeviceStatus& dev = gpu::device_status();
  const bool gpu_ok = dev.usable();
  Fields device = {{"compiled", boolean(dev.compiled)}, {"devices", num(dev.devices)}, {"available", boolean(gpu_ok)}};
  if (gpu_ok) {
    device.push_back({"name", str(dev.name)});
    device.push_back({"compute_capability", str(std::to_string(dev.cc_major) + "." + std::to_string(dev.cc_minor))});
  } else {
    device.push_back({"reason", str(dev.reason)});
  }
  Fields out = {{"program", str("ioncam_gpu_bench")},
                {"quick", boolean(args.quick)},
                {"device", obj(device)},
                {"cpu_threads", num(std::thread::hardware_concurrency())}};
  bool pass = true;
  const int points = 40;

  std::fprintf(stderr, "ioncam_gpu_bench: %s\n", gpu_ok ? dev.name.c_str() : dev.reason.c_str());
  if (gpu_ok) {
    std::vector<std::string> agreement;
    const size_t n = args.quick ? 2000 : 20000;
    for (BatchModel m : {BatchModel::Gaussian, BatchModel::Shm, BatchModel::ShmPsf}) {
      agreement.push_back(fit_agreement(m, m == BatchModel::Gaussian ? 5 * n : n, points, &pass));
    }
    out.push_back({"fit_agreement", arr(agreement)});
    std::vector<size_t> counts;
    for (size_t c = 10'000; c <= (args.quick ? 100'000 : args.max_fits); c *= 10) counts.push_back(c);
    std::vector<size_t> slow_counts;
    for (size_t c : counts)
      if (c <= 1'000'000) slow_counts.push_back(c);
    out.push_back({"fits_per_second", arr({fit_throughput(BatchModel::Gaussian, counts, points),
                                           fit_throughput(BatchModel::ShmPsf, slow_counts, points)})});
  }
  out.push_back({"cpu_fits_per_second",
                 arr({cpu_fit_throughput(BatchModel::Gaussian, args.quick ? 5000 : 100000, points, 0),
                      cpu_fit_throughput(BatchModel::Gaussian, args.quick ? 2000 : 20000, points, 1),
                      cpu_fit_throughput(BatchModel::ShmPsf, args.quick ? 200 : 5000, points, 0)})});
  out.push_back({"frames", arr({frame_bench(300, 300, 3, gpu_ok, args.quick ? 5 : 200, &pass),
                                frame_bench(2048, 2048, 100, gpu_ok, args.quick ? 2 : 20, &pass)})});
  out.push_back({"pass", gpu_ok ? boolean(pass) : "null"});
  std::printf("%s\n", obj(out).c_str());
  if (!gpu_ok) return args.require_gpu ? 3 : 0;
  return pass ? 0 : 1;
}
