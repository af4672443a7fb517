#pragma once
// The small ACE basis and Zuo Mo subset shared by the ACE fitting tests.
#include "pestle/core/dataset.hpp"
#include "pestle/descriptors/ace_coupling.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/fit/ace_fit.hpp"
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

/// Per-atom energy weight 30, force weight 1, E0(Mo) = -4 eV, ridge 1e-8.
inline FitOptions tiny_ace_fit_options() {
  FitOptions o;
  o.design.weights.energy = 30.0;
  o.design.weights.force = 1.0;
  o.design.weights.per_atom_energy = true;
  o.design.reference_energies[42] = -4.0;
  o.solver.kind = SolverKind::ridge;
  o.solver.ridge = 1e-8;
  return o;
}

/// The tiny basis fitted to the Mo subset (smoothness prior 2), once per test run.
inline const AceLinearModel& tiny_fitted_ace() {
  static const AceLinearModel m = fit_ace_linear(tiny_ace_spec(), mo_training_subset(), tiny_ace_fit_options(), 2.0);
  return m;
}

}  // namespace pestle::test
