#pragma once
// Paths and small utilities shared by the tests.
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

}  // namespace pestle::test
