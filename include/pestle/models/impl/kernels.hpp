#pragma once
// Definitions of pestle/models/kernels.hpp: inline in header-only use; compiled once in
// src/runtime/compile_formats.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/models/kernels.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE ArdSquaredExponential::ArdSquaredExponential(std::vector<double> theta, std::vector<std::vector<int>> permutations)
    : theta_(std::move(theta)), perms_(std::move(permutations)) {
  const std::size_t d = theta_.size();
  if (d == 0) throw InputError("ard_se kernel: theta is empty");
  for (double t : theta_)
    if (!(t > 0.0) || !std::isfinite(t)) throw InputError("ard_se kernel: every theta must be positive");
  if (d > max_dimensions)
    throw InputError("ard_se kernel: pestle supports at most " + std::to_string(max_dimensions) + " dimensions");
  if (perms_.empty()) perms_.push_back(identity(d));
  for (const auto& p : perms_) {
    if (p.size() != d) throw InputError("ard_se kernel: a permutation has the wrong length");
    std::vector<int> sorted = p;
    std::sort(sorted.begin(), sorted.end());
    if (sorted != identity(d)) throw InputError("ard_se kernel: a permutation is not a permutation of 1..d");
  }
}

}  // namespace pestle
