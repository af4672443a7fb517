#pragma once
// The small ACE basis and Zuo Mo subset shared by the ACE fitting tests.
#include "pestle/core/dataset.hpp"
#include "pestle/descriptors/ace_coupling.hpp"
#include "pestle/data/extxyz.hpp"
#include "test_helpers.hpp"

namespace pestle::test {

/// Body order 4, a few dozen B functions: fits in milliseconds.
inline AceBasisSpec tiny_ace_spec() {
  AceBasisSpec s;
  s.elements = {42};
  s.nmax = {5, 3, 2};
  s.lmax = {0, 2, 1};
  s.radial = AceRadialKind::cheb_exp_cos;
  s.lambda = 5.0;
  s.dcut = 0.5;
  s.rcut = 4.6;
  return s;
}

/// Every 20th structure of the Zuo Mo training set (10 structures, a few hundred atoms).
inline const Dataset& mo_training_subset() {
  static const Dataset d = [] {
    const Dataset all = read_extxyz(shared("data/zuo2020/Mo_train.xyz"));
    Dataset out;
    for (std::size_t k = 0; k < all.size(); k += 20) out.push_back(all[k]);
    return out;
  }();
  return d;
}

}  // namespace pestle::test
