#pragma once
// Equations of state: energy–volume scans with isotropically scaled cells (internal coordinates
// relaxed or not) and the third-order Birch–Murnaghan fit (E0, V0, B0, B0'), plus relative phase
// energies. Formulas and the reference: docs/validation.md ("Equation of state").
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "pestle/math/dense/qr.hpp"
#include "pestle/dynamics/common.hpp"
#include "pestle/validate/common.hpp"

namespace pestle::validate {

/// Third-order Birch–Murnaghan equation of state, per atom:
///   E(V) = E0 + (9 V0 B0 / 16) { [η − 1]³ B0' + [η − 1]² (6 − 4η) },   η = (V0/V)^{2/3}.
struct BirchMurnaghan {
  double e0 = 0.0;   ///< eV/atom
  double v0 = 0.0;   ///< Å³/atom
  double b0 = 0.0;   ///< eV/Å³
  double b0p = 0.0;  ///< dimensionless
  double rms_residual = 0.0;  ///< eV/atom, of the fit

  double b0_gpa() const { return b0 * units::gpa_per_ev_a3; }
  double energy(double v) const {
    const double t = std::pow(v0 / v, 2.0 / 3.0) - 1.0;
    return e0 + 9.0 * v0 * b0 / 16.0 * (t * t * t * b0p + t * t * (6.0 - 4.0 * (1.0 + t)));
  }
};

/// Least-squares fit of the third-order Birch–Murnaghan form to (V, E) points. The form is a cubic
/// polynomial in x = V^{-2/3}, so the fit is linear: E = Σ_k c_k x^k; V0 is where dE/dx = 0 with
/// d²E/dx² > 0, and B0, B0' follow from the Taylor coefficients about that point (docs/validation.md).
/// InputError for fewer than 5 points or non-positive volumes, NumericalError when the data have no minimum.
inline BirchMurnaghan fit_birch_murnaghan(const std::vector<double>& volumes, const std::vector<double>& energies) {
  const std::size_t n = volumes.size();
  if (n != energies.size()) throw InputError("Birch–Murnaghan fit: as many energies as volumes needed");
  if (n < 5) throw InputError("Birch–Murnaghan fit needs at least 5 points (has " + std::to_string(n) + ")");
  Eigen::MatrixXd A(static_cast<Eigen::Index>(n), 4);
  Eigen::VectorXd e(static_cast<Eigen::Index>(n));
  double xmin = 1e300, xmax = -1e300;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(volumes[i] > 0.0) || !std::isfinite(energies[i]))
      throw InputError("Birch–Murnaghan fit: volumes must be positive and energies finite");
    const double x = std::pow(volumes[i], -2.0 / 3.0);
    xmin = std::min(xmin, x), xmax = std::max(xmax, x);
    for (int k = 0; k < 4; ++k) A(Eigen::Index(i), k) = std::pow(x, k);
    e[Eigen::Index(i)] = energies[i];
  }
  // scale the columns so the normal equations are well conditioned
  const double xs = 0.5 * (xmin + xmax);
  Eigen::MatrixXd As = A;
  for (int k = 0; k < 4; ++k) As.col(k) /= std::pow(xs, k);
  const Eigen::VectorXd cs = dense::least_squares_qr(As, e);
  Eigen::Vector4d c;
  for (int k = 0; k < 4; ++k) c[k] = cs[k] / std::pow(xs, k);
  // stationary points of c1 + 2 c2 x + 3 c3 x² = 0; take the one with positive curvature nearest the data
  const auto d1 = [&](double x) { return c[1] + 2 * c[2] * x + 3 * c[3] * x * x; };
  const auto d2 = [&](double x) { return 2 * c[2] + 6 * c[3] * x; };
  std::vector<double> roots;
  if (std::abs(c[3]) < 1e-300) {
    if (c[2] != 0.0) roots.push_back(-c[1] / (2 * c[2]));
  } else {
    const double disc = 4 * c[2] * c[2] - 12 * c[3] * c[1];
    if (disc >= 0.0) {
      const double q = -0.5 * (2 * c[2] + std::copysign(std::sqrt(disc), c[2]));
      roots.push_back(q / (3 * c[3]));
      if (q != 0.0) roots.push_back(c[1] / q);
    }
  }
  double x0 = -1.0;
  for (double r : roots)
    if (r > 0 && d2(r) > 0 && (x0 < 0 || std::abs(r - xs) < std::abs(x0 - xs))) x0 = r;
  if (!(x0 > 0) || std::abs(d1(x0)) > 1e-6 * (std::abs(c[1]) + 1e-300) + 1e-12)
    throw NumericalError("Birch–Murnaghan fit: the energies have no minimum in volume (scan a wider range?)");
  BirchMurnaghan bm;
  bm.v0 = std::pow(x0, -1.5);
  bm.e0 = c[0] + c[1] * x0 + c[2] * x0 * x0 + c[3] * x0 * x0 * x0;
  const double a2 = 0.5 * d2(x0), a3 = c[3];  // E = E0 + a2 (x−x0)² + a3 (x−x0)³
  bm.b0 = 8.0 * a2 * x0 * x0 / (9.0 * bm.v0);
  bm.b0p = 4.0 + 16.0 * a3 * x0 * x0 * x0 / (9.0 * bm.v0 * bm.b0);
  double ss = 0.0;
  for (std::size_t i = 0; i < n; ++i) ss += std::pow(bm.energy(volumes[i]) - energies[i], 2);
  bm.rms_residual = std::sqrt(ss / double(n));
  if (!std::isfinite(bm.b0) || !(bm.b0 > 0)) throw NumericalError("Birch–Murnaghan fit: non-positive bulk modulus");
  return bm;
}

struct EosOptions {
  double volume_range = 0.06;     ///< scan V0·(1 ± range)
  int points = 9;                 ///< number of volumes (≥ 5)
  InternalRelax relax{false};     ///< relax internal coordinates at each volume
};

struct EosResult {
  std::vector<double> volumes;    ///< Å³/atom
  std::vector<double> energies;   ///< eV/atom
  BirchMurnaghan fit;
};

/// Energy–volume scan of s (its cell scaled isotropically around its own volume) and the fit.
template <Calculator C>
EosResult equation_of_state(const C& calc, const Structure& s, const EosOptions& o = {}, const Progress& progress = {}) {
  if (o.points < 5) throw InputError("equation of state: need at least 5 points");
  if (!(o.volume_range > 0.0 && o.volume_range < 0.5)) throw InputError("equation of state: volume_range must be in (0, 0.5)");
  if (!(s.pbc[0] && s.pbc[1] && s.pbc[2])) throw InputError("equation of state needs a fully periodic structure");
  EosResult out;
  const double n = double(s.size());
  for (int k = 0; k < o.points; ++k) {
    const double f = 1.0 - o.volume_range + 2.0 * o.volume_range * k / (o.points - 1);
    const Structure sk = deformed(s, Mat3::Identity() * std::cbrt(f));
    const auto [relaxed, r] = relax_positions(calc, sk, o.relax);
    out.volumes.push_back(relaxed.volume() / n);
    out.energies.push_back(r.energy / n);
    report(progress, "E-V point " + std::to_string(k + 1) + "/" + std::to_string(o.points));
  }
  out.fit = fit_birch_murnaghan(out.volumes, out.energies);
  return out;
}

}  // namespace pestle::validate
