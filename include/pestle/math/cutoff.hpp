#pragma once
// Smooth radial cutoff functions.
#include <cmath>
#include <numbers>

namespace pestle::math {

/// Value and radial derivative of a cutoff function.
struct CutoffValue {
  double f;
  double df;
};

/// Cosine switching function f(r) = ½[cos(π (r − rmin)/(rc − rmin)) + 1] for rmin < r < rc,
/// 1 below rmin and 0 from rc on (the SNAP switching function, Thompson et al. 2015, eq. 8).
inline CutoffValue cosine_cutoff(double r, double rmin, double rc) noexcept {
  if (r <= rmin) return {1.0, 0.0};
  if (r >= rc) return {0.0, 0.0};
  const double scale = std::numbers::pi / (rc - rmin);
  const double x = (r - rmin) * scale;
  return {0.5 * (std::cos(x) + 1.0), -0.5 * std::sin(x) * scale};
}

}  // namespace pestle::math
