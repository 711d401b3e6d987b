#pragma once
// The Jacobi solvers' one rotation step, shared by lm.h (CUDA set) and trf_scipy.h (host), so
// it is IONCAM_HD inline code like the model headers.
#include "core/models/model_common.h"

namespace ioncam {

// Rotates n pairs (x[k * inc], y[k * inc]) by cosine c and sine s: x <- c x - s y, y <- s x + c y.
// x and y may point into the same matrix (two of its rows or columns).
IONCAM_HD void rotate_pairs(double* x, double* y, int n, int inc, double c, double s) {
  for (int k = 0; k < n; ++k) {
    const double xk = x[k * inc], yk = y[k * inc];
    x[k * inc] = c * xk - s * yk;
    y[k * inc] = s * xk + c * yk;
  }
}

}  // namespace ioncam
