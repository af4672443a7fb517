#pragma once
// Labels minus a reference term (FitSNAP's [REFERENCE] section): a model that will be evaluated as
// E_model + E_ref is fitted to E_label − E_ref, and likewise forces, virials and stresses, so the
// fitted part learns only what the reference term does not describe.
#include <cstddef>
#include <string>

#include "pestle/core/dataset.hpp"
#include "pestle/core/error.hpp"
#include "pestle/reference/calculator.hpp"

namespace pestle {

/// `data` with `term`'s energy, forces, virial and stress subtracted from whichever labels each
/// frame has; InputError naming the frame when the term cannot evaluate it.
template <Calculator C>
Dataset subtract_reference(Dataset data, const C& term) {
  for (std::size_t k = 0; k < data.size(); ++k) {
    Frame& f = data[k];
    PotentialResult r;
    try {
      r = term.compute(f.structure);
    } catch (const InputError& e) {
      throw InputError("reference term on training frame " + std::to_string(k) + ": " + e.what());
    }
    Labels& l = f.labels;
    if (l.energy) *l.energy -= r.energy;
    if (l.forces)
      for (std::size_t i = 0; i < l.forces->size(); ++i) (*l.forces)[i] -= r.forces[i];
    if (l.virial) *l.virial -= r.virial;
    if (l.stress) {
      if (!r.stress) throw InputError("training frame " + std::to_string(k) + " has a stress but is not periodic");
      *l.stress -= *r.stress;
    }
  }
  return data;
}

}  // namespace pestle
