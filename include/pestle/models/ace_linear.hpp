#pragma once
// Linear ACE (docs/ace.md, Fitting): E_i = β₀(μ_i) + Σ_ν c_ν(μ_i) B_iν over pestle's own coupled
// B-basis (descriptors/ace_coupling.hpp). A fitted model is evaluated without forming B: the
// coefficients are contracted onto the m-combinations of the basis, c̃_{m} = Σ_ν c_ν C_{ν,m}
// (one coefficient column), and the result runs as AceModel<AceLinearEmbedding> with E0 = β₀ —
// the same precontracted evaluator that runs pacemaker files.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/descriptors/ace_coupling.hpp"
#include "pestle/descriptors/ace_descriptor.hpp"
#include "pestle/models/ace.hpp"

namespace pestle {

/// The B-basis descriptor used for fitting: one feature per B function, no core density.
inline AceDescriptor ace_b_descriptor(const AceBasisSpec& spec) {
  AceDescriptor::Options opt;
  opt.core_density = false;
  return AceDescriptor(ace_b_basis(spec), opt);
}

/// Basis set with one column per density d: densities[mu0][d][q] is the coefficient of B function q
/// in density d of element mu0, contracted onto the m-combinations (c̃_{m,d} = Σ_q c_{d,q} C_{q,m}).
inline AceBasisSet contract_ace_densities(const AceBasisSet& basis,
                                          const std::vector<std::vector<std::vector<double>>>& densities) {
  const std::size_t cols = std::size_t(basis.columns);
  if (densities.size() != basis.functions.size())
    throw InputError("ACE: " + std::to_string(densities.size()) + " coefficient blocks for " +
                     std::to_string(basis.functions.size()) + " elements");
  const std::size_t P = densities.empty() ? 0 : densities[0].size();
  AceBasisSet out = basis;
  out.columns = int(P);
  for (std::size_t mu0 = 0; mu0 < basis.functions.size(); ++mu0) {
    const auto& c = densities[mu0];
    if (c.size() != P || P == 0) throw InputError("ACE: every element needs the same, non-zero number of densities");
    for (const auto& cd : c)
      if (cd.size() != cols)
        throw InputError("ACE: element " + std::string(element_symbol(basis.elements[mu0])) + " needs " +
                         std::to_string(cols) + " coefficients per density (one per B function), got " +
                         std::to_string(cd.size()));
    std::vector<AceBasisFunction>& fns = out.functions[mu0];
    fns.clear();
    for (const AceBasisFunction& fn : basis.functions[mu0]) {
      AceBasisFunction g = fn;
      g.coeffs.assign(fn.num_ms() * P, 0.0);
      g.column = -1;
      for (std::size_t k = 0; k < fn.num_ms(); ++k)
        fn.visit_coeffs(k, cols, [&](std::size_t q, double C) {
          for (std::size_t d = 0; d < P; ++d) g.coeffs[k * P + d] += C * c[d][q];
        });
      fns.push_back(std::move(g));
    }
  }
  out.validate();
  return out;
}

/// Basis set with one column: the fitted coefficients contracted onto the m-combinations.
/// coefficients[s] = [β₀, c_0 .. c_{P-1}] per element of the basis (P = basis.columns).
inline AceBasisSet contract_ace_basis(const AceBasisSet& basis, const std::vector<std::vector<double>>& coefficients) {
  const std::size_t cols = std::size_t(basis.columns);
  if (coefficients.size() != basis.functions.size())
    throw InputError("linear ACE: " + std::to_string(coefficients.size()) + " coefficient blocks for " +
                     std::to_string(basis.functions.size()) + " elements");
  std::vector<std::vector<std::vector<double>>> densities;
  for (std::size_t mu0 = 0; mu0 < basis.functions.size(); ++mu0) {
    const std::vector<double>& c = coefficients[mu0];
    if (c.size() != cols + 1)
      throw InputError("linear ACE: element " + std::string(element_symbol(basis.elements[mu0])) + " needs " +
                       std::to_string(cols + 1) + " coefficients (β₀ and one per B function), got " +
                       std::to_string(c.size()));
    densities.push_back({std::vector<double>(c.begin() + 1, c.end())});
  }
  return contract_ace_densities(basis, densities);
}

/// The energy model of linear ACE over a one-column contracted basis: E_i = ρ + β₀.
inline AceModel<AceLinearEmbedding> ace_linear_energy_model(const std::vector<int>& elements,
                                                            const std::vector<std::vector<double>>& coefficients) {
  std::vector<AceElementModel> params;
  for (const auto& c : coefficients) {
    AceElementModel p;
    p.weights = {1.0};
    p.exponents = {1.0};
    p.e0 = c.at(0);
    params.push_back(p);
  }
  return AceModel<AceLinearEmbedding>(elements, std::move(params), false);
}

/// A fitted linear ACE model: the basis specification, its coefficients and the evaluator.
struct AceLinearModel {
  AceBasisSpec spec;
  std::vector<std::vector<double>> coefficients;  ///< per element of spec: [β₀ (eV, e0 included), c...]
  AceBasisSet contracted;                         ///< one-column basis (what is evaluated and saved)

  /// The potential that evaluates the model (precontracted, adjoint forces).
  AcePotential potential() const {
    AceDescriptor::Options opt;
    opt.core_density = false;
    return AcePotential(AceDescriptor(contracted, opt), ace_linear_energy_model(spec.elements, coefficients));
  }
};

}  // namespace pestle
