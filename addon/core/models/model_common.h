#pragma once
// Shared pieces of the profile models. Everything here and in the model headers is plain
// inline code (no STL, no exceptions, no allocation) so the same files compile with nvcc
// for the GPU path: IONCAM_HD marks every function host + device there.
#include <math.h>

#if defined(__CUDACC__)
#define IONCAM_HD __host__ __device__ __forceinline__
#else
#define IONCAM_HD inline
#endif

namespace ioncam {
namespace model {

constexpr double kPi = 3.14159265358979323846;
constexpr double kInvSqrt2 = 0.70710678118654752440;

// A smooth approximation of the standard normal CDF and its exact derivative, sharing one
// exponential (Abramowitz & Stegun 7.1.26 for erfc; absolute error < 8e-8). The derivative is
// that of the approximation itself, so analytic Jacobians match finite differences exactly;
// 8e-8 of a peak's area is far below photon noise.
struct NormalCdf {
  double cdf;      // ~ Phi(z)
  double density;  // d cdf / dz (~ standard normal density)
};

// The same from e = exp(-z^2 / 2), when the caller has it already (gaussian_run below).
IONCAM_HD NormalCdf normal_cdf_e(double z, double e) {
  constexpr double kP = 0.3275911 * kInvSqrt2;  // t = 1 / (1 + p |z| / sqrt 2)
  constexpr double a1 = 0.254829592, a2 = -0.284496736, a3 = 1.421413741, a4 = -1.453152027, a5 = 1.061405429;
  // The coefficients sum to 1 - 1e-9; normalising makes the tail exactly 1/2 at z = 0, so the
  // two branches below meet without a step.
  constexpr double kHalfNorm = 0.5 / (a1 + a2 + a3 + a4 + a5);
  const double az = z < 0 ? -z : z;
  const double t = 1.0 / (1.0 + kP * az);
  const double poly = t * (a1 + t * (a2 + t * (a3 + t * (a4 + t * a5))));
  const double dpoly = a1 + t * (2 * a2 + t * (3 * a3 + t * (4 * a4 + t * 5 * a5)));
  const double tail = kHalfNorm * poly * e;  // upper tail at |z|
  // d tail / d|z| = -(e/2) (|z| poly + p t^2 poly'); the CDF's slope is minus that on both sides.
  NormalCdf out;
  out.cdf = z < 0 ? tail : 1.0 - tail;
  out.density = kHalfNorm * e * (az * poly + kP * t * t * dpoly);
  return out;
}

IONCAM_HD NormalCdf normal_cdf(double z) { return normal_cdf_e(z, ::exp(-0.5 * z * z)); }

// out[j] = exp(-z_j^2 / 2) for z_j = z0 + j h (j < count) with three exponentials: starts at the
// point nearest z = 0 and multiplies outward (z_{j+1}^2 = z_j^2 + 2 z_j h + h^2), so every
// factor is below one and tails underflow gracefully. Relative error ~ count * 1e-16.
IONCAM_HD void gaussian_run(double z0, double h, int count, double* out) {
  int js = 0;
  if (h != 0) {
    const double j = -z0 / h + 0.5;
    js = j <= 0 ? 0 : (j >= count - 1 ? count - 1 : static_cast<int>(j));
  }
  const double zs = z0 + js * h;
  const double es = ::exp(-0.5 * zs * zs);
  const double c = ::exp(-h * h);
  const double forward = ::exp(-zs * h - 0.5 * h * h);
  out[js] = es;
  double e = es, r = forward;
  for (int j = js; j + 1 < count; ++j) {
    e *= r;
    r *= c;
    out[j + 1] = e;
  }
  e = es, r = c / forward;  // exp(zs h - h^2 / 2)
  for (int j = js; j > 0; --j) {
    e *= r;
    r *= c;
    out[j - 1] = e;
  }
}

// Profiles are evaluated in chunks of at most this many points (LM and Profile buffers): one
// chunk covers a typical profile window, so the per-chunk setup is paid once per evaluation.
constexpr int kChunk = 48;

// True when x[0..count) are equally spaced; the spacing goes to *step.
IONCAM_HD bool uniform_grid(const double* x, int count, double* step) {
  *step = count > 1 ? x[1] - x[0] : 1.0;
  // No early exit: profiles are almost always uniform (and branch-free is a little cheaper).
  bool uniform = true;
  for (int j = 2; j < count; ++j) uniform &= x[j] - x[j - 1] == *step;
  return uniform;
}

IONCAM_HD double clamp_value(double v, double lo, double hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace model
}  // namespace ioncam
