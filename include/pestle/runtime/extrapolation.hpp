#pragma once
// The extrapolation grade γ of a model chosen at run time (docs/validation.md): which model files have a
// linear-in-coefficients view, the active set from training data, and γ per atom. Used by
// `pestle activeset` and `pestle predict --active-set`.
//   SNAP / qSNAP   any SNAP model file (.json, .snapcoeff, .snap): b_i = [1, φ(q_i)]
//   ACE            pestle's linear ("ace_linear") and nonlinear ("ace") model JSON: AceProjection
// Other models are refused by name: a pacemaker .yace/.ace file holds no B-basis, GAP has its own
// predictive variance (GapPotential::local_variance), the reference potentials have no coefficients.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pestle/core/dataset.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/json.hpp"
#include "pestle/formats/ace_model_json.hpp"
#include "pestle/models/ace_projection.hpp"
#include "pestle/models/extrapolation_grade.hpp"
#include "pestle/models/snap.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/runtime/model.hpp"

namespace pestle::runtime {

class GradedModel {
 public:
  /// The linear view of the model in `path`; InputError naming the model kind when it has none.
  static GradedModel load(const std::string& path) {
    GradedModel g;
    if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0) {
      const nlohmann::json document = read_model_json_document(path);
      if (is_ace_model_json(document)) {
        g.ace_.emplace(ace_linear_model_from_json(document));
        return g;
      }
      if (is_ace_nonlinear_model_json(document)) {
        g.ace_.emplace(ace_nonlinear_model_from_json(document));
        return g;
      }
    }
    g.calc_ = load_calculator(path);
    if (g.calc_->as<AnyPotential>() == nullptr)
      throw InputError("'" + path + "' is a " + g.calc_->name() +
                       " model: the extrapolation grade needs a model linear in its coefficients (SNAP, qSNAP, or "
                       "pestle's linear or nonlinear ACE model JSON; a pacemaker .yace/.ace holds no B-basis)");
    return g;
  }

  /// MaxVol active sets from the atoms of `training`.
  ExtrapolationGrade active_set(const Dataset& training) const {
    if (ace_) return ExtrapolationGrade::from_training(*ace_, training);
    return calc_->as<AnyPotential>()->visit([&](const auto& p) { return ExtrapolationGrade::from_training(p, training); });
  }

  /// γ of every atom of s.
  std::vector<double> grades(const ExtrapolationGrade& active, const Structure& s) const {
    return grades(active, s, s.size());
  }

  /// γ of the first `centres` atoms of s; the others only surround them.
  std::vector<double> grades(const ExtrapolationGrade& active, const Structure& s, std::size_t centres) const {
    if (ace_) return active.atom_grades(*ace_, s, centres);
    return calc_->as<AnyPotential>()->visit([&](const auto& p) { return active.atom_grades(p, s, centres); });
  }

  /// InputError when `active` was built for another model (species or feature widths differ).
  void check(const ExtrapolationGrade& active) const {
    if (ace_) return active.check_model(*ace_);
    calc_->as<AnyPotential>()->visit([&](const auto& p) { active.check_model(p); });
  }

 private:
  GradedModel() = default;

  std::optional<AceProjection> ace_;
  CalculatorPtr calc_;  ///< a SNAP/qSNAP calculator when ace_ is empty
};

}  // namespace pestle::runtime
