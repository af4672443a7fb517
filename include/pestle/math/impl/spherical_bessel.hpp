#pragma once
// Definitions of pestle/math/spherical_bessel.hpp: inline in header-only use; compiled once in
// src/runtime/compile_foundations.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/math/spherical_bessel.hpp"

namespace pestle::math {

PESTLE_RUNTIME_INLINE void scaled_modified_spherical_bessel(std::span<const double> x, int l_top, std::span<double> out,
                                                            std::span<double> scratch) {
  const std::size_t n = x.size();
  if (l_top < 0 || out.size() < static_cast<std::size_t>(l_top + 1) * n || scratch.size() < 3 * n)
    throw InputError("modified spherical Bessel: output or scratch too small");
  const double threshold = std::max(2.0 * (l_top + 1), 0.25 * l_top * l_top);
  double* inv = scratch.data();
  double* prev = inv + n;
  double* cur = prev + n;
  for (std::size_t k = 0; k < n; ++k) {
    const double xk = x[k] >= threshold ? x[k] : threshold;  // placeholder for the scalar path below
    inv[k] = 1.0 / xk;
    const double e2 = xk < 19.0 ? std::exp(-2.0 * xk) : 0.0;  // below 1e-16 relative from x = 18.4 on
    prev[k] = (1.0 + e2) * 0.5 * inv[k];
    cur[k] = (1.0 - e2) * 0.5 * inv[k];
    out[k] = cur[k];
  }
  for (int l = 0; l < l_top; ++l) {
    const double c = 2.0 * l + 1.0;
    double* o = out.data() + static_cast<std::size_t>(l + 1) * n;
    for (std::size_t k = 0; k < n; ++k) {
      const double next = prev[k] - c * inv[k] * cur[k];
      prev[k] = cur[k];
      cur[k] = next;
      o[k] = next;
    }
  }
  double column[128];
  for (std::size_t k = 0; k < n; ++k) {
    if (x[k] >= threshold) continue;
    if (l_top < 128) {
      scaled_modified_spherical_bessel(x[k], std::span<double>(column, static_cast<std::size_t>(l_top + 1)));
      for (int l = 0; l <= l_top; ++l) out[static_cast<std::size_t>(l) * n + k] = column[l];
    } else {
      for (int l = 0; l <= l_top; ++l) out[static_cast<std::size_t>(l) * n + k] = scaled_modified_spherical_bessel(l, x[k]);
    }
  }
}

}  // namespace pestle::math
