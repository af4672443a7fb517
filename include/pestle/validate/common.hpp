#pragma once
// Shared pieces of the validation toolkit (include/pestle/validate/): crystals by name, isotropic
// and general homogeneous deformations, a positions-only relaxation with tight defaults, and a
// progress callback. Units: Å, eV, GPa where named; cells have the lattice vectors as rows.
#include <functional>
#include <string>
#include <vector>

#include "pestle/core/error.hpp"
#include "pestle/core/lattices.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/dynamics/relax.hpp"

namespace pestle::validate {

/// Called with a short message while a long test runs (e.g. to print progress on stderr).
using Progress = std::function<void(const std::string&)>;

inline void report(const Progress& p, const std::string& message) {
  if (p) p(message);
}

/// The fractional basis of a conventional cubic cell by name: "sc", "bcc", "fcc" or "diamond".
inline const std::vector<Vec3>& cubic_basis_named(const std::string& lattice) {
  if (lattice == "sc") return cubic_basis::sc;
  if (lattice == "bcc") return cubic_basis::bcc;
  if (lattice == "fcc") return cubic_basis::fcc;
  if (lattice == "diamond") return cubic_basis::diamond;
  throw InputError("unknown lattice '" + lattice + "' (expected diamond, fcc, bcc or sc)");
}

/// n×n×n conventional cubic supercell of the named lattice.
inline Structure crystal(const std::string& lattice, double a, int n, int z) {
  return cubic_supercell(cubic_basis_named(lattice), a, n, z);
}

/// The structure deformed by the deformation gradient F: every lattice vector a → F a and every
/// position r → F r (the cell's rows are lattice vectors, so cell → cell·Fᵀ).
inline Structure deformed(const Structure& s, const Mat3& F) {
  Structure out = s;
  out.cell = s.cell * F.transpose();
  for (Vec3& r : out.positions) r = F * r;
  return out;
}

/// Symmetric small-strain tensor of Voigt component k (0..5 = xx, yy, zz, yz, xz, xy) with Voigt
/// amplitude e: the shear components carry the engineering strain, ε_yz = ε_zy = e/2.
inline Mat3 voigt_strain(int k, double e) {
  static const int row[6] = {0, 1, 2, 1, 0, 0}, col[6] = {0, 1, 2, 2, 2, 1};
  if (k < 0 || k > 5) throw InputError("Voigt index must be 0..5");
  Mat3 eps = Mat3::Zero();
  if (k < 3) {
    eps(k, k) = e;
  } else {
    eps(row[k], col[k]) = 0.5 * e;
    eps(col[k], row[k]) = 0.5 * e;
  }
  return eps;
}

/// Voigt vector (xx, yy, zz, yz, xz, xy) of a symmetric tensor.
inline Eigen::Matrix<double, 6, 1> to_voigt(const Mat3& t) {
  Eigen::Matrix<double, 6, 1> v;
  v << t(0, 0), t(1, 1), t(2, 2), 0.5 * (t(1, 2) + t(2, 1)), 0.5 * (t(0, 2) + t(2, 0)), 0.5 * (t(0, 1) + t(1, 0));
  return v;
}

/// Options of the positions-only relaxations the tests run inside (strained cells, defects).
struct InternalRelax {
  bool enabled = true;
  double fmax = 1e-4;          ///< eV/Å
  std::size_t max_steps = 2000;
};

/// Relaxes the positions of s at fixed cell with L-BFGS (a no-op when disabled); returns the
/// structure and its result. NumericalError when the relaxation does not converge.
template <Calculator C>
std::pair<Structure, PotentialResult> relax_positions(const C& calc, const Structure& s, const InternalRelax& o) {
  if (!o.enabled) return {s, evaluate(calc, s)};
  RelaxOptions ro;
  ro.fmax = o.fmax;
  ro.max_steps = o.max_steps;
  RelaxResult r = relax_lbfgs(calc, s, ro);
  if (!r.converged)
    throw NumericalError("internal relaxation did not reach fmax " + std::to_string(o.fmax) + " eV/Å in " +
                         std::to_string(o.max_steps) + " steps (largest force " + std::to_string(r.max_force) + ")");
  return {std::move(r.structure), std::move(r.result)};
}

/// Relaxes positions and cell (hydrostatic, zero pressure) with L-BFGS; NumericalError if it does not converge.
template <Calculator C>
RelaxResult relax_cell_and_positions(const C& calc, const Structure& s, double fmax = 1e-5,
                                     double stress_tolerance = 1e-7) {
  RelaxOptions ro;
  ro.fmax = fmax;
  ro.stress_tolerance = stress_tolerance;
  ro.relax_cell = true;
  ro.max_steps = 5000;
  RelaxResult r = relax_lbfgs(calc, s, ro);
  if (!r.converged) {
    // L-BFGS can stall at very tight tolerances; FIRE from where it stopped usually finishes
    r = relax_fire(calc, r.structure, ro);
    if (!r.converged)
      throw NumericalError("cell relaxation did not converge (largest force " + std::to_string(r.max_force) +
                           " eV/Å, stress residual " + std::to_string(r.max_stress) + " eV/Å³)");
  }
  return r;
}

}  // namespace pestle::validate
