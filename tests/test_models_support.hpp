#pragma once
// Small structures and finite-difference helpers for the model and fitting tests.
#include <random>
#include <vector>

#include "pestle/core/dataset.hpp"
#include "pestle/core/structure.hpp"

namespace pestle::test {

/// A bcc supercell (n×n×n conventional cells of lattice constant a) of element z with
/// random displacements of up to `jitter` Å and a slightly sheared cell.
inline Structure jittered_bcc(int z, double a, int n, double jitter, unsigned seed, double shear = 0.02) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Structure s;
  s.pbc = {true, true, true};
  s.cell = Mat3::Identity() * (a * n);
  s.cell(1, 0) = shear * a * n * u(rng);
  s.cell(2, 1) = shear * a * n * u(rng);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k)
        for (int b = 0; b < 2; ++b) {
          const Vec3 frac = (Vec3(i, j, k) + 0.5 * b * Vec3(1, 1, 1)) / n;
          const Vec3 jit(u(rng), u(rng), u(rng));
          s.add_atom(z, s.cartesian(frac) + jitter * jit);
        }
  return s;
}

/// Replaces every k-th atom (starting at `first`) by element z.
inline void substitute(Structure& s, int z, std::size_t every, std::size_t first = 0) {
  for (std::size_t i = first; i < s.size(); i += every) s.numbers[i] = z;
}

/// E(strain) with positions and cell deformed by (1 + ε): returns dE/dε_ab by central differences.
template <class EnergyFn>
Mat3 strain_derivative(const Structure& s, EnergyFn&& energy, double h = 1e-5) {
  Mat3 d;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      double e[2];
      for (int sgn = 0; sgn < 2; ++sgn) {
        Mat3 F = Mat3::Identity();
        F(a, b) += (sgn ? -h : h);
        Structure t = s;
        for (auto& r : t.positions) r = F * r;
        t.cell = (F * s.cell.transpose()).transpose();
        e[sgn] = energy(t);
      }
      d(a, b) = (e[0] - e[1]) / (2 * h);
    }
  return d;
}

}  // namespace pestle::test
