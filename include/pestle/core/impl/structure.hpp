#pragma once
// Definitions of pestle/core/structure.hpp: inline in header-only use; compiled once in
// src/runtime/compile_foundations.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/core/structure.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE void Structure::validate() const {
  if (numbers.size() != positions.size())
    throw InputError("structure has " + std::to_string(positions.size()) + " positions but " +
                     std::to_string(numbers.size()) + " atomic numbers");
  for (std::size_t i = 0; i < size(); ++i) {
    if (!is_atomic_number(numbers[i]))
      throw InputError("atom " + std::to_string(i) + " has unknown atomic number " +
                       std::to_string(numbers[i]));
    if (!positions[i].allFinite())
      throw InputError("atom " + std::to_string(i) + " has a non-finite position");
  }
  if (!cell.allFinite()) throw InputError("cell has non-finite entries");
  for (int a = 0; a < 3; ++a)
    if (pbc[a] && cell.row(a).norm() == 0.0)
      throw InputError("axis " + std::to_string(a) + " is periodic but its lattice vector is zero");
  if (any_periodic() && all_periodic_axes_span() && volume() < 1e-10)
    throw InputError("cell is singular (volume " + std::to_string(volume()) + " Å^3)");
}

}  // namespace pestle
