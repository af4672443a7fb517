#pragma once
// Crystal builders for tests, benchmarks, validation and exploration: cubic supercells of a basis
// (simple cubic, bcc, fcc, diamond), the named one-element prototypes (those and hcp, simple
// hexagonal, β-Sn), supercells of any cell and a seeded Gaussian rattle.
#include <array>
#include <cmath>
#include <initializer_list>
#include <random>
#include <string>

#include "pestle/core/structure.hpp"

namespace pestle {

/// Fractional bases of the conventional cubic cells.
namespace cubic_basis {
inline const std::vector<Vec3> sc = {Vec3(0, 0, 0)};
inline const std::vector<Vec3> bcc = {Vec3(0, 0, 0), Vec3(0.5, 0.5, 0.5)};
inline const std::vector<Vec3> fcc = {Vec3(0, 0, 0), Vec3(0, 0.5, 0.5), Vec3(0.5, 0, 0.5), Vec3(0.5, 0.5, 0)};
inline const std::vector<Vec3> diamond = {Vec3(0, 0, 0),          Vec3(0, 0.5, 0.5),       Vec3(0.5, 0, 0.5),
                                          Vec3(0.5, 0.5, 0),      Vec3(0.25, 0.25, 0.25), Vec3(0.25, 0.75, 0.75),
                                          Vec3(0.75, 0.25, 0.75), Vec3(0.75, 0.75, 0.25)};
}  // namespace cubic_basis

/// n×n×n periodic supercell of a cubic cell with lattice constant a (Å), all atoms element z.
inline Structure cubic_supercell(const std::vector<Vec3>& basis, double a, int n, int z) {
  if (!(a > 0.0) || n < 1) throw InputError("cubic_supercell needs a > 0 and n >= 1");
  Structure s;
  s.cell = Mat3::Identity() * (a * n);
  s.pbc = {true, true, true};
  for (int x = 0; x < n; ++x)
    for (int y = 0; y < n; ++y)
      for (int w = 0; w < n; ++w)
        for (const Vec3& b : basis) s.add_atom(z, a * (Vec3(x, y, w) + b));
  return s;
}

/// The unit cell of a one-element prototype (cell rows are lattice vectors; a and c in Å):
///   diamond, fcc, bcc, sc   the conventional cubic cell of lattice constant a (8, 4, 2, 1 atoms);
///   hcp                     hexagonal a, c; atoms at (⅓,⅔,¼) and (⅔,⅓,¾);
///   sh                      simple hexagonal a, c; one atom;
///   beta-Sn                 A5 (I4₁/amd), the body-centred tetragonal conventional cell a, a, c with
///                           atoms at (0,0,0), (0,½,¼), (½,½,½), (½,0,¾): four neighbours at
///                           √(a²/4 + c²/16) and two at c.
inline Structure prototype_cell(const std::string& name, int z, double a, double c = 0.0) {
  const bool cubic = name == "diamond" || name == "fcc" || name == "bcc" || name == "sc";
  if (!(a > 0.0) || (!cubic && !(c > 0.0)))
    throw InputError("prototype '" + name + "' needs a > 0" + (cubic ? std::string() : std::string(" and c > 0")) + " (Å)");
  if (name == "diamond") return cubic_supercell(cubic_basis::diamond, a, 1, z);
  if (name == "fcc") return cubic_supercell(cubic_basis::fcc, a, 1, z);
  if (name == "bcc") return cubic_supercell(cubic_basis::bcc, a, 1, z);
  if (name == "sc") return cubic_supercell(cubic_basis::sc, a, 1, z);
  Structure s;
  s.pbc = {true, true, true};
  std::vector<Vec3> fractional;
  if (name == "hcp" || name == "sh") {
    s.cell << a, 0, 0, -a / 2, a * std::sqrt(3.0) / 2, 0, 0, 0, c;
    fractional = name == "sh" ? std::vector<Vec3>{Vec3(0, 0, 0)}
                              : std::vector<Vec3>{Vec3(1.0 / 3, 2.0 / 3, 0.25), Vec3(2.0 / 3, 1.0 / 3, 0.75)};
  } else if (name == "beta-Sn") {
    s.cell << a, 0, 0, 0, a, 0, 0, 0, c;
    fractional = {Vec3(0, 0, 0), Vec3(0, 0.5, 0.25), Vec3(0.5, 0.5, 0.5), Vec3(0.5, 0, 0.75)};
  } else {
    throw InputError("unknown prototype '" + name + "' (known: diamond, fcc, bcc, sc, hcp, sh, beta-Sn)");
  }
  for (const Vec3& f : fractional) s.add_atom(z, s.cell.transpose() * f);
  return s;
}

/// The supercell of `unit` repeated m[0]×m[1]×m[2] times, atoms ordered cell by cell.
inline Structure repeat(const Structure& unit, const std::array<int, 3>& m, std::vector<int>* unit_of = nullptr) {
  if (m[0] < 1 || m[1] < 1 || m[2] < 1) throw InputError("supercell multiples must be >= 1");
  Structure s;
  s.pbc = unit.pbc;
  for (int a = 0; a < 3; ++a) s.cell.row(a) = unit.cell.row(a) * m[a];
  for (int x = 0; x < m[0]; ++x)
    for (int y = 0; y < m[1]; ++y)
      for (int z = 0; z < m[2]; ++z)
        for (std::size_t i = 0; i < unit.size(); ++i) {
          s.add_atom(unit.numbers[i], unit.positions[i] + unit.cell.transpose() * Vec3(x, y, z));
          if (unit_of) unit_of->push_back(int(i));
        }
  return s;
}

/// Multiples of `unit` that give at least `min_atoms` atoms: the multiple of the shortest repeated
/// lattice vector grows by one until there are enough (so the supercell stays compact).
inline std::array<int, 3> compact_multiples(const Structure& unit, std::size_t min_atoms) {
  std::array<int, 3> m{1, 1, 1};
  if (unit.size() == 0) throw InputError("compact_multiples: the cell has no atoms");
  while (unit.size() * std::size_t(m[0] * m[1] * m[2]) < min_atoms) {
    int shortest = 0;
    for (int k = 1; k < 3; ++k)
      if (unit.cell.row(k).norm() * m[k] < unit.cell.row(shortest).norm() * m[shortest]) shortest = k;
    ++m[shortest];
  }
  return m;
}

/// Displaces every atom by independent Gaussian components of width sigma (Å), seeded.
inline void rattle(Structure& s, double sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, sigma);
  for (Vec3& r : s.positions) {
    const double dx = g(rng), dy = g(rng), dz = g(rng);  // fixed evaluation order
    r += Vec3(dx, dy, dz);
  }
}

}  // namespace pestle
