#pragma once
// Reference labels of a structure and the Frame (structure + labels) that data sets hold.
// Units: energy eV, forces eV/Å, stress eV/Å^3, virial eV.
// Sign conventions (as ASE and QUIP): stress = (1/V) dE/dstrain, so a compressed
// crystal has negative stress; virial = -V * stress = sum_i r_i ⊗ F_i for a periodic
// pair potential.
#include <optional>
#include <string>
#include <vector>

#include "pestle/core/info.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/core/types.hpp"

namespace pestle {

struct Labels {
  std::optional<double> energy;             ///< total energy, eV
  std::optional<std::vector<Vec3>> forces;  ///< eV/Å, one per atom
  std::optional<Mat3> stress;               ///< eV/Å^3 (ASE sign)
  std::optional<Mat3> virial;               ///< eV (QUIP convention, = -V*stress)
  double weight = 1.0;                      ///< per-structure fitting weight
  std::string config_type;                  ///< group name for weights and error reports
  Info info;                                ///< every other key of the source file

  /// Stress from whichever of stress/virial is present (stress wins), else nullopt.
  std::optional<Mat3> stress_or_from_virial(double volume) const {
    if (stress) return stress;
    if (virial && volume > 0.0) return Mat3(-*virial / volume);
    return std::nullopt;
  }
};

struct Frame {
  Structure structure;
  Labels labels;
  std::vector<AtomProperty> atom_properties;  ///< per-atom columns kept for round trips

  std::size_t size() const noexcept { return structure.size(); }
};

}  // namespace pestle
