#pragma once
// PotentialResult: what every calculator returns (models/potential.hpp, the reference potentials,
// runtime::Calculator). A header of its own so that the runtime boundary needs no kernel header.
#include <optional>
#include <vector>

#include "pestle/core/types.hpp"

namespace pestle {

/// Energy, forces and stress of one structure.
struct PotentialResult {
  double energy = 0.0;               ///< eV
  std::vector<double> atom_energies; ///< eV, one per atom
  std::vector<Vec3> forces;          ///< eV/Å
  Mat3 virial = Mat3::Zero();        ///< eV, W = -Σ r_ij ⊗ ∂E/∂r_ij (= Σ r ⊗ F for pair terms)
  std::optional<Mat3> stress;        ///< eV/Å³, ASE sign: -virial/V; only for fully periodic cells
};

}  // namespace pestle
