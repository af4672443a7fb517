#pragma once
// runtime::Grader: one uncertainty per atom for every model family, behind one non-template boundary
// (docs/validation.md "Extrapolation grade"). Whoever only needs it per atom — pair_style pestle's
// compute pestle/gamma, pestle predict/survive, validate's stability runs — takes a Grader and
// compiles no model kernel: in the compiled mode (PESTLE_COMPILED_RUNTIME) its definitions live in
// src/runtime/compile_grader.cpp, like load_calculator's.
//   SNAP/qSNAP files, pestle's linear or nonlinear ACE model JSON: the extrapolation grade γ with an
//   active set (runtime/extrapolation.hpp; dimensionless, > 1 is extrapolation)
//     Grader::load(MODEL, FILE.asi)           a saved active set (pestle activeset)
//     Grader::from_training(MODEL, training)  MaxVol over the training atoms, built now
//   GAP XML: the predictive variance of each atom's local energy (eV², QUIP's local_gap_variance;
//   its sparse points play the active set's part, so no file is needed)
//     Grader::load(MODEL.xml, "") or Grader::from_training(MODEL.xml, any)
//   EDDP model JSON: the spread of each atom's energy over the ensemble's members (eV; the members
//   play the active set's part)
//     Grader::load(MODEL.json, "") or Grader::from_training(MODEL.json, any)
// Any other model is refused by name.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "pestle/core/dataset.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/runtime/api.hpp"

namespace pestle::runtime {

/// What a Grader's numbers are.
enum class Uncertainty { gamma, gap_variance, eddp_spread };

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

  Uncertainty kind() const noexcept { return kind_; }
  /// The per-atom column name: "gamma", "gap_variance" or "eddp_spread".
  const char* column() const noexcept {
    return kind_ == Uncertainty::gamma ? "gamma" : kind_ == Uncertainty::gap_variance ? "gap_variance" : "eddp_spread";
  }

  struct State;  // what gives the numbers (runtime/impl/grader.hpp)

 private:
  Grader(std::shared_ptr<const State> state, Uncertainty kind) : state_(std::move(state)), kind_(kind) {}
  std::shared_ptr<const State> state_;
  Uncertainty kind_;
};

}  // namespace pestle::runtime

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/runtime/impl/grader.hpp"
#endif
