#pragma once
// runtime::Grader: a model's extrapolation grade γ with its active set, behind one non-template
// boundary (docs/validation.md "Extrapolation grade"). Whoever only needs γ per atom — pair_style
// pestle's compute pestle/gamma, pestle predict/survive, validate's stability runs — takes a Grader
// and compiles no model kernel: in the compiled mode (PESTLE_COMPILED_RUNTIME) its definitions live
// in src/runtime/compile_grader.cpp, like load_calculator's.
//   Grader::load(MODEL, FILE.asi)           a saved active set (pestle activeset)
//   Grader::from_training(MODEL, training)  MaxVol over the training atoms, built now
// Models with a linear view: SNAP/qSNAP files and pestle's linear or nonlinear ACE model JSON
// (runtime/extrapolation.hpp); any other model is refused by name.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "pestle/core/dataset.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/runtime/api.hpp"

namespace pestle::runtime {

class Grader {
 public:
  PESTLE_RUNTIME_INLINE static Grader load(const std::string& model_path, const std::string& active_set_path);
  PESTLE_RUNTIME_INLINE static Grader from_training(const std::string& model_path, const Dataset& training);

  /// γ of the first `centres` atoms of s; the other atoms only surround them (a LAMMPS rank's
  /// ghost atoms, given as a non-periodic structure). InputError for an element the model lacks,
  /// NumericalError for a non-finite γ.
  PESTLE_RUNTIME_INLINE std::vector<double> grades(const Structure& s, std::size_t centres) const;
  std::vector<double> grades(const Structure& s) const { return grades(s, s.size()); }
  /// max_i γ_i over the atoms of s (0 for no atoms).
  PESTLE_RUNTIME_INLINE double max_grade(const Structure& s) const;

  struct State;  // the model's linear view and its active sets (runtime/impl/grader.hpp)

 private:
  explicit Grader(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

}  // namespace pestle::runtime

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/runtime/impl/grader.hpp"
#endif
