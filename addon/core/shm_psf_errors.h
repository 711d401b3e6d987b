#pragma once
// Standard errors of a 'shm-psf' fit whose oscillation amplitude R is not resolved from zero.
#include "core/lm.h"

namespace ioncam {

// p = (y0, R, sigma, A, offset) fitted to the n points (x, y) with R <= r_max; err holds the
// curve_fit errors. When R is not resolved (err_R > R / 2, or any error not finite) the
// linearised covariance is meaningless there: the profile depends on R only through R^2,
// and at first order R^2 / 2 trades exactly with sigma^2, so the R column of the Jacobian
// vanishes or duplicates the others. Replaces the errors by
// - R: the profile-likelihood one-sigma distance above R, i.e. the step d > 0 after which the
//   cost, re-minimised over the other parameters (linearised), has risen by var / 2, var =
//   SSR / (n - 5) (the same Delta chi^2 = 1 that curve_fit's errors mean for a resolved R);
//   an upper-limit-like scale, finite, at most r_max - R;
// - the others: their errors with R held, plus in quadrature how far they move along the
//   valley over that step (sigma shrinks as R grows).
void shm_psf_unresolved_errors(const double* x, const double* y, int n, const double* p, double r_max, double* err);

}  // namespace ioncam
