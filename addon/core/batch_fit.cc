#include "core/batch_fit.h"

#include <algorithm>
#include <thread>

namespace ioncam {

namespace {

template <class Model>
void fit_range(BatchModel which, const float* profiles, size_t begin, size_t end, int points, double x_start,
               const LmSettings& settings, BatchResult* out) {
  const int np = out->num_params;
  std::vector<double> x(points), y(points);
  for (int j = 0; j < points; ++j) x[j] = x_start + j;
  for (size_t i = begin; i < end; ++i) {
    const float* row = profiles + i * points;
    for (int j = 0; j < points; ++j) y[j] = row[j];
    const LmResult r = batch::fit_one<Model>(which, x.data(), y.data(), points, settings, &out->params[i * np],
                                             &out->errors[i * np]);
    out->iterations[i] = r.iterations;
    out->status[i] = r.status;
    out->converged[i] = r.converged ? 1 : 0;
  }
}

void fit_range_any(BatchModel which, const float* profiles, size_t begin, size_t end, int points, double x_start,
                   const LmSettings& settings, BatchResult* out) {
  switch (which) {
    case BatchModel::Gaussian:
      return fit_range<batch::GaussianModel>(which, profiles, begin, end, points, x_start, settings, out);
    case BatchModel::Shm:
      return fit_range<batch::ShmModel>(which, profiles, begin, end, points, x_start, settings, out);
    case BatchModel::ShmPsf:
      return fit_range<batch::ShmPsfModel>(which, profiles, begin, end, points, x_start, settings, out);
  }
}

}  // namespace

void fit_batch_cpu(BatchModel model, const float* profiles, size_t count, int points, double x_start,
                   const LmSettings& settings, BatchResult* out, int threads) {
  out->resize(count, batch::num_params(model));
  if (count == 0) return;
  // Threads only pay off for big batches: spawning costs tens of microseconds.
  constexpr size_t kPerThread = 2048;
  size_t workers = threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
  workers = std::min(workers, (count + kPerThread - 1) / kPerThread);
  if (workers <= 1) {
    fit_range_any(model, profiles, 0, count, points, x_start, settings, out);
    return;
  }
  std::vector<std::thread> pool;
  const size_t chunk = (count + workers - 1) / workers;
  for (size_t w = 0; w < workers; ++w) {
    const size_t begin = w * chunk, end = std::min(count, begin + chunk);
    if (begin >= end) break;
    pool.emplace_back(fit_range_any, model, profiles, begin, end, points, x_start, std::cref(settings), out);
  }
  for (std::thread& t : pool) t.join();
}

}  // namespace ioncam
