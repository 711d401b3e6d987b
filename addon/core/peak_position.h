#pragma once
// Where exactly an ion found as one or more filtered maxima lies, and whether its centre is
// inside the image at all (an ion just beyond the ROI edge also makes a maximum on the edge).
#include "core/detect.h"
#include "core/frame.h"

namespace ioncam {

// Rows and columns spanned by an ion's maxima (inclusive).
struct PeakBox {
  int r0, r1, c0, c1;
};

// Centroid of the filtered light above half of `top` (peak height above `level`). Columns
// [col_lo, col_hi] bound the search (kept clear of neighbouring ions); rows grow from the
// box while some pixel of the row is still above the cut, so elongated ions are covered.
Detection half_max_centroid(const Image& f, float level, float top, const PeakBox& box, int col_lo, int col_hi);

// For an ion whose maxima (box) lie within 2 px of an edge: its centre across that edge from
// the raw light of the five lines nearest the edge (a Gaussian: log-parabola fit, vertex).
// Updates d and returns false when the centre lies more than half a pixel beyond the edge.
bool centre_inside_edges(const Image& raw, float level, const PeakBox& box, Detection* d);

}  // namespace ioncam
