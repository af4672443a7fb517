#pragma once
// Paths and small utilities shared by the tests.
#include <algorithm>
#include <string>

#include "pestle/core/structure.hpp"

namespace pestle::test {

/// Path of a file under ../shared (the steering data: zuo2020/, reference/, ...).
inline std::string shared(const std::string& rel) { return std::string(PESTLE_SHARED_DIR) + "/" + rel; }
/// Path of a file under tests/ (e.g. the malformed-input corpus).
inline std::string testdata(const std::string& rel) { return std::string(PESTLE_TEST_DIR) + "/" + rel; }

/// Stress by central differences of the energy under homogeneous strains ε = 1 + h e_a e_bᵀ of cell
/// and positions: σ_ab = (1/V) ∂E/∂ε_ab (not symmetrised: compare its symmetric part).
template <class EnergyOf>
Mat3 finite_difference_stress(const Structure& s, EnergyOf&& energy_of, double h) {
  Mat3 stress;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      auto strained = [&](double e) {
        Mat3 eps = Mat3::Identity();
        eps(a, b) += e;
        Structure t = s;
        t.cell = s.cell * eps.transpose();
        for (auto& x : t.positions) x = eps * x;
        return energy_of(t);
      };
      stress(a, b) = (strained(h) - strained(-h)) / (2 * h) / s.volume();
    }
  return stress;
}

/// Smallest distance between two atoms (periodic images up to ±3 cells included), brute force, as an
/// independent check of neighbour searches; with za, zb (atomic numbers) only between an atom of za
/// and one of zb.
inline double brute_shortest_distance(const Structure& s, int za = 0, int zb = 0) {
  const auto counts = [&](std::size_t i, std::size_t j) {
    if (za == 0) return true;
    return (s.numbers[i] == za && s.numbers[j] == zb) || (s.numbers[i] == zb && s.numbers[j] == za);
  };
  double best = 1e300;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < s.size(); ++j) {
      if (!counts(i, j)) continue;
      for (int a = -3; a <= 3; ++a)
        for (int b = -3; b <= 3; ++b)
          for (int c = -3; c <= 3; ++c) {
            if (i == j && a == 0 && b == 0 && c == 0) continue;
            const Vec3 d = s.positions[j] + s.cell.transpose() * Vec3(a, b, c) - s.positions[i];
            best = std::min(best, d.norm());
          }
    }
  return best;
}

}  // namespace pestle::test
