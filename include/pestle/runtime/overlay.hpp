#pragma once
// A model with a reference term added to it, E = E_model + E_term (LAMMPS `pair_style hybrid/overlay`):
// SNAP potentials overlaid on ZBL (LAMMPS .snap files, formats/snap_include.hpp) and any model that
// carries a "reference" block. Energies, per-atom energies, forces, virial and stress add.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pestle/runtime/calculator.hpp"

namespace pestle::runtime {

class OverlayCalculator final : public Calculator {
 public:
  OverlayCalculator(CalculatorPtr model, CalculatorPtr term) : model_(std::move(model)), term_(std::move(term)) {}

  PotentialResult compute(const Structure& s) const override { return sum(model_->compute(s), term_->compute(s)); }
  PotentialResult compute(const Structure& s, std::size_t n_centres) const override {
    return sum(model_->compute(s, n_centres), term_->compute(s, n_centres));
  }
  PotentialResult compute(const Structure& s, const NeighbourList& nl, std::size_t n_centres) const override {
    return sum(model_->compute(s, nl, n_centres), term_->compute(s, nl, n_centres));
  }
  /// The host's list is used when the model uses one (the term then reads the same list).
  bool uses_host_neighbours() const override { return model_->uses_host_neighbours(); }
  double energy(const Structure& s) const override { return model_->energy(s) + term_->energy(s); }
  double cutoff() const override { return std::max(model_->cutoff(), term_->cutoff()); }
  std::vector<int> species() const override { return model_->species(); }
  /// The model's kind ("snap", "ace", ...): tools that branch on it treat the overlay as the model.
  std::string name() const override { return model_->name(); }

  const Calculator& model() const noexcept { return *model_; }
  const Calculator& term() const noexcept { return *term_; }

 private:
  static PotentialResult sum(PotentialResult a, const PotentialResult& b) {
    a.energy += b.energy;
    for (std::size_t i = 0; i < a.atom_energies.size() && i < b.atom_energies.size(); ++i) a.atom_energies[i] += b.atom_energies[i];
    for (std::size_t i = 0; i < a.forces.size() && i < b.forces.size(); ++i) a.forces[i] += b.forces[i];
    a.virial += b.virial;
    if (a.stress && b.stress) *a.stress += *b.stress;
    return a;
  }

  CalculatorPtr model_, term_;
};

/// `model` with `term` added (both shared, immutable).
inline CalculatorPtr with_reference(CalculatorPtr model, CalculatorPtr term) {
  return std::make_shared<const OverlayCalculator>(std::move(model), std::move(term));
}

}  // namespace pestle::runtime
