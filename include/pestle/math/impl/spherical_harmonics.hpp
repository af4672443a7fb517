#pragma once
// Definitions of pestle/math/spherical_harmonics.hpp: inline in header-only use; compiled once in
// src/runtime/compile_foundations.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/math/spherical_harmonics.hpp"

namespace pestle::math {

PESTLE_RUNTIME_INLINE RealSphericalHarmonics::RealSphericalHarmonics(int l_max)
    : l_max_(l_max) {
  if (l_max < 0 || l_max > max_l)
    throw InputError("spherical harmonics: l_max must lie in [0, " + std::to_string(max_l) + "], got " +
                     std::to_string(l_max));
  norm_.resize(sph_count(l_max));
  for (int l = 0; l <= l_max; ++l)
    for (int m = -l; m <= l; ++m) {
      const int am = m < 0 ? -m : m;
      // (l-|m|)!/(l+|m|)! as a product, then the √2 of the real combinations
      double ratio = 1.0;
      for (int k = l - am + 1; k <= l + am; ++k) ratio /= k;
      double n = std::sqrt((2.0 * l + 1.0) / (4.0 * std::numbers::pi) * ratio);
      if (m != 0) n *= std::numbers::sqrt2;
      norm_[sph_index(l, m)] = n;
    }
  // recursion coefficients (2l-1)/(l-m) and (l+m-1)/(l-m), so the hot loop has no division
  rec_a_.resize(sph_count(l_max));
  rec_b_.resize(sph_count(l_max));
  for (int m = 0; m <= l_max; ++m)
    for (int l = m + 2; l <= l_max; ++l) {
      rec_a_[qidx(l, m)] = (2.0 * l - 1.0) / (l - m);
      rec_b_[qidx(l, m)] = (l + m - 1.0) / (l - m);
    }
  q_.resize(sph_count(l_max));
  qz_.resize(sph_count(l_max));
  qr_.resize(sph_count(l_max));
}

}  // namespace pestle::math
