#pragma once
// Definitions of pestle/descriptors/ace_radial.hpp: inline in header-only use; compiled once in
// src/runtime/compile_foundations.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/descriptors/ace_radial.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE void AceRadialTable::fill(const AceRadialBasis& basis, std::size_t pi) {
  const Range& g = ranges_[pi];
  const double h = 1.0 / g.scale;
  std::vector<double> f0(nfun_), d0(nfun_), f1(nfun_, 0.0), d1(nfun_, 0.0);
  for (int n = g.nlut; n >= 1; --n) {  // interval n spans [r_n, r_{n+1}]
    basis.all(basis.pairs[pi], h * double(n), f0.data(), d0.data());
    double* c = table_.data() + g.offset + std::size_t(n) * 4 * nfun_;
    for (std::size_t f = 0; f < nfun_; ++f) {
      const double a = f0[f], da = d0[f] * h, b = f1[f], db = d1[f];
      c[f] = a;
      c[nfun_ + f] = da;
      c[2 * nfun_ + f] = 3.0 * (b - a) - db - 2.0 * da;
      c[3 * nfun_ + f] = -2.0 * (b - a) + db + da;
      f1[f] = a, d1[f] = da;
    }
  }
}

}  // namespace pestle
