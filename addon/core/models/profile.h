#pragma once
// A 1D profile = K peaks of one shape + one shared constant offset. Parameter layout:
// [peak 0 (kShape values), peak 1, ..., offset]. K = 1 gives the single-ion models
// (e.g. Gaussian: x0, sigma, A, offset); K > 1 fits overlapping neighbours jointly.
#include "core/models/model_common.h"

namespace ioncam {
namespace model {

// std::enable_if without <type_traits> (the model headers also compile with nvcc).
template <bool B>
struct enable_if_one {};
template <>
struct enable_if_one<true> {
  using type = void;
};

template <class Peak, int KMax>
struct Profile {
  static constexpr int kShape = Peak::kShape;
  static constexpr int kMaxPeaks = KMax;
  static constexpr int kMaxParams = Peak::kShape * KMax + 1;

  Peak peak;
  int peaks = 1;  // active peaks, 1..KMax

  IONCAM_HD int num_params() const { return peaks * kShape + 1; }

  // Value at x; grad receives num_params() derivatives.
  IONCAM_HD double eval(double x, const double* p, double* grad) const {
    double v = p[peaks * kShape];
    for (int k = 0; k < peaks; ++k) v += peak.eval(x, p + k * kShape, grad + k * kShape);
    grad[peaks * kShape] = 1.0;
    return v;
  }

  // Values at x[0..count) (count <= kChunk) into value[], derivatives into grad[j * kMaxParams].
  IONCAM_HD void eval_chunk(const double* x, int count, const double* p, double* value, double* grad) const {
    double step;
    const bool uniform = uniform_grid(x, count, &step);
    const int off = peaks * kShape;
    for (int j = 0; j < count; ++j) {
      value[j] = p[off];
      grad[j * kMaxParams + off] = 1.0;
    }
    for (int k = 0; k < peaks; ++k)
      peak.eval_chunk(x, count, uniform, step, p + k * kShape, value, grad + k * kShape, kMaxParams);
  }

  // 0.5 * SSR with J^T J (full, stride kMaxParams) and J^T r straight from a one-peak profile
  // whose peak forms them in closed form (Peak::normal_sums_1); the LM core prefers this over
  // eval_chunk where it exists.
  template <class P = Peak, int K = KMax, class = typename enable_if_one<K == 1>::type>
  IONCAM_HD auto normal_sums(const double* x, const double* y, int n, const double* p, double* jtj, double* jtr) const
      -> decltype(static_cast<const P*>(nullptr)->normal_sums_1(x, y, n, p, jtj, 0, jtr)) {
    return peak.normal_sums_1(x, y, n, p, jtj, kMaxParams, jtr);
  }
};

}  // namespace model
}  // namespace ioncam
