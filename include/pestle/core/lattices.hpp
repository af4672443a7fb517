#pragma once
// Crystal builders for tests, benchmarks and validation: cubic supercells of a basis
// (simple cubic, bcc, fcc, diamond) and a seeded Gaussian rattle.
#include <initializer_list>
#include <random>

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
