#pragma once
// An atomic structure: positions, atomic numbers, a 3x3 cell and periodicity per axis.
// Units: Å. The cell follows the ASE/extended-XYZ convention: rows are the lattice
// vectors a, b, c, so the Cartesian position of fractional coordinates s is s^T * cell.
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/types.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle {

struct Structure {
  Mat3 cell = Mat3::Zero();               ///< rows a, b, c in Å
  std::array<bool, 3> pbc{false, false, false};
  std::vector<Vec3> positions;            ///< Cartesian, Å
  std::vector<int> numbers;               ///< atomic numbers

  std::size_t size() const noexcept { return positions.size(); }
  bool empty() const noexcept { return positions.empty(); }
  bool any_periodic() const noexcept { return pbc[0] || pbc[1] || pbc[2]; }

  /// |det(cell)| in Å^3 (0 for a structure without a cell).
  double volume() const { return std::abs(cell.determinant()); }

  /// Fractional coordinates of a Cartesian point (requires a non-singular cell).
  Vec3 fractional(const Vec3& r) const { return Mat3(cell.transpose()).inverse() * r; }

  /// Cartesian point of fractional coordinates.
  Vec3 cartesian(const Vec3& s) const { return cell.transpose() * s; }

  void add_atom(int z, const Vec3& r) {
    numbers.push_back(z);
    positions.push_back(r);
  }

  /// Throws InputError when the structure cannot be used: mismatched arrays, unknown
  /// elements, non-finite numbers, or a periodic axis whose lattice vector is zero or
  /// makes the cell singular.
  PESTLE_RUNTIME_INLINE void validate() const;

 private:
  bool all_periodic_axes_span() const noexcept { return pbc[0] && pbc[1] && pbc[2]; }
};

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/core/impl/structure.hpp"
#endif
