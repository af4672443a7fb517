#pragma once
// A fitted nonlinear ACE model as a data artefact: P densities per atom over the contracted
// B-basis and the embedding E_i = Σ_p w_p F(φ_ip; m_p) + e0 (docs/ace.md §11). fit/ace_nonlinear_fit.hpp
// fits it, formats/ace_model_json.hpp reads and writes it, potential() evaluates it.
#include <cmath>
#include <string>
#include <vector>

#include "pestle/core/error.hpp"
#include "pestle/descriptors/ace_coupling.hpp"
#include "pestle/descriptors/ace_descriptor.hpp"
#include "pestle/models/ace.hpp"

namespace pestle {

/// The embedding of a nonlinear ACE model: F and one (weight, exponent) pair per density.
struct AceEmbeddingSpec {
  /// "FinnisSinclair" (smooth signed power: √ for m = ½), "FinnisSinclairShiftedScaled" (odd, F(0) = 0
  /// with a finite slope, √-like for large ρ: much easier to fit from a start at 0) or "linear".
  std::string type = "FinnisSinclair";
  std::vector<double> weights{1.0, 1.0};
  std::vector<double> exponents{1.0, 0.5};
  std::size_t densities() const noexcept { return weights.size(); }
};

/// A fitted nonlinear ACE model.
struct AceNonlinearModel {
  AceBasisSpec spec;
  AceEmbeddingSpec embedding;
  std::vector<double> e0;                                      ///< eV, per element of spec
  std::vector<std::vector<std::vector<double>>> coefficients;  ///< [element][density][B function]
  AceBasisSet contracted;                                      ///< one column per density

  AcePotential potential() const {
    std::vector<AceElementModel> params;
    for (double e : e0) {
      AceElementModel p;
      p.weights = embedding.weights;
      p.exponents = embedding.exponents;
      p.e0 = e;
      params.push_back(p);
    }
    AceDescriptor::Options opt;
    opt.core_density = false;
    AceDescriptor d(contracted, opt);
    if (embedding.type == AceLinearEmbedding::name)
      return AcePotential(std::move(d), AceModel<AceLinearEmbedding>(spec.elements, std::move(params), false));
    if (embedding.type == AceShiftedScaledEmbedding::name)
      return AcePotential(std::move(d), AceModel<AceShiftedScaledEmbedding>(spec.elements, std::move(params), false));
    return AcePotential(std::move(d), AceModel<AceSmoothPowerEmbedding>(spec.elements, std::move(params), false));
  }
};

inline void check_ace_embedding(const AceEmbeddingSpec& e) {
  if (e.type != AceSmoothPowerEmbedding::name && e.type != AceShiftedScaledEmbedding::name &&
      e.type != AceLinearEmbedding::name)
    throw InputError("ACE embedding \"" + e.type +
                     "\" cannot be fitted (expected FinnisSinclair, FinnisSinclairShiftedScaled or linear)");
  if (e.weights.empty() || e.weights.size() != e.exponents.size())
    throw InputError("ACE embedding: \"weights\" and \"exponents\" need one entry per density (at least one)");
  for (std::size_t p = 0; p < e.weights.size(); ++p)
    if (!std::isfinite(e.weights[p]) || !(e.exponents[p] > 0.0) || e.exponents[p] > 4.0)
      throw InputError("ACE embedding: weights must be finite and exponents lie in (0, 4]");
}

}  // namespace pestle
