#pragma once
// Elastic constants from ± finite strains: for each Voigt strain component j the cell is deformed
// by ε_j = ±δ, the internal coordinates are relaxed at fixed cell, and C_ij = (σ_i(+δ) − σ_i(−δ))/(2δ)
// (central difference, error O(δ²)); all 21 independent constants of a general cell. Voigt, Reuss and
// Hill bulk and shear moduli follow. Formulas and references: docs/validation.md ("Elastic constants").
#include <string>

#include <Eigen/Dense>

#include "pestle/math/dense/lu.hpp"
#include "pestle/dynamics/common.hpp"
#include "pestle/validate/common.hpp"

namespace pestle::validate {

using Matrix6 = Eigen::Matrix<double, 6, 6>;

struct ElasticOptions {
  double strain = 1e-3;   ///< δ, Voigt amplitude of each strain
  InternalRelax relax{};  ///< relax internal coordinates in every strained cell (relaxed-ion constants)
};

struct Moduli {
  double bulk_voigt = 0, bulk_reuss = 0, bulk_hill = 0;     ///< GPa
  double shear_voigt = 0, shear_reuss = 0, shear_hill = 0;  ///< GPa
};

struct ElasticResult {
  Matrix6 c = Matrix6::Zero();  ///< GPa, Voigt order xx, yy, zz, yz, xz, xy, symmetrised
  double asymmetry = 0.0;       ///< GPa, largest |C_ij − C_ji| before symmetrising (a quality check)
  Moduli moduli;
};

/// Voigt (uniform strain) and Reuss (uniform stress) bounds and their Hill average.
inline Moduli elastic_moduli(const Matrix6& c) {
  Moduli m;
  m.bulk_voigt = (c(0, 0) + c(1, 1) + c(2, 2) + 2 * (c(0, 1) + c(1, 2) + c(0, 2))) / 9.0;
  m.shear_voigt = (c(0, 0) + c(1, 1) + c(2, 2) - (c(0, 1) + c(1, 2) + c(0, 2)) + 3 * (c(3, 3) + c(4, 4) + c(5, 5))) / 15.0;
  Eigen::MatrixXd inverse;
  if (dense::invert_full_lu(c, inverse)) {
    const Matrix6 s = inverse;
    m.bulk_reuss = 1.0 / (s(0, 0) + s(1, 1) + s(2, 2) + 2 * (s(0, 1) + s(1, 2) + s(0, 2)));
    m.shear_reuss = 15.0 / (4 * (s(0, 0) + s(1, 1) + s(2, 2)) - 4 * (s(0, 1) + s(1, 2) + s(0, 2)) + 3 * (s(3, 3) + s(4, 4) + s(5, 5)));
  }
  m.bulk_hill = 0.5 * (m.bulk_voigt + m.bulk_reuss);
  m.shear_hill = 0.5 * (m.shear_voigt + m.shear_reuss);
  return m;
}

/// C_ij of s, which should be at zero stress (e.g. from relax_cell_and_positions).
template <Calculator C>
ElasticResult elastic_constants(const C& calc, const Structure& s, const ElasticOptions& o = {}, const Progress& progress = {}) {
  if (!(o.strain > 0.0 && o.strain < 0.05)) throw InputError("elastic constants: strain must be in (0, 0.05)");
  if (!(s.pbc[0] && s.pbc[1] && s.pbc[2])) throw InputError("elastic constants need a fully periodic structure");
  Matrix6 c;
  for (int j = 0; j < 6; ++j) {
    Eigen::Matrix<double, 6, 1> sigma[2];
    for (int side = 0; side < 2; ++side) {
      const double e = side == 0 ? o.strain : -o.strain;
      const Structure sj = deformed(s, Mat3::Identity() + voigt_strain(j, e));
      const auto [relaxed, r] = relax_positions(calc, sj, o.relax);
      if (!r.stress) throw InputError("elastic constants need a calculator that returns the stress");
      sigma[side] = to_voigt(*r.stress);
    }
    c.col(j) = (sigma[0] - sigma[1]) / (2.0 * o.strain) * units::gpa_per_ev_a3;
    report(progress, "strain " + std::to_string(j + 1) + "/6");
  }
  ElasticResult out;
  out.asymmetry = (c - c.transpose()).cwiseAbs().maxCoeff();
  out.c = 0.5 * (c + c.transpose());
  out.moduli = elastic_moduli(out.c);
  return out;
}

}  // namespace pestle::validate
