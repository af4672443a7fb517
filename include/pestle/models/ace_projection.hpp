#pragma once
// The linear-in-coefficients view of a fitted ACE model (a FeatureView of models/extrapolation_grade.hpp),
// for the MaxVol active set and the extrapolation grade γ as pacemaker defines them (Lysogorskiy et al.,
// Phys. Rev. Materials 7, 043801 (2023); docs/validation.md):
//   linear ACE     E_i = β₀ + Σ_q c_q B_iq                      b_i = [1, B_i1 … B_in]
//   nonlinear ACE  E_i = e0 + Σ_p w_p F(φ_ip; m_p),  φ_ip = Σ_q c_pq B_iq
//                  b_i = [1, ∂E_i/∂c_pq] = [1, w_1 F'(φ_i1) B_i, …, w_P F'(φ_iP) B_i]
// (the projections of the atomic energy on the coefficients: the model linearised at its fitted
// coefficients). n is the number of B functions of the atom's element. Both need the model's B-basis,
// i.e. pestle's own ACE model files; a pacemaker .yace/.ace holds only contracted coefficients.
#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/descriptors/ace_descriptor.hpp"
#include "pestle/models/ace.hpp"
#include "pestle/models/ace_linear.hpp"
#include "pestle/models/ace_nonlinear.hpp"
#include "pestle/models/extrapolation_grade.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

class AceProjection {
 public:
  explicit AceProjection(const AceLinearModel& m) : elements_(m.spec.elements), b_(ace_b_descriptor(m.spec)) {
    count_functions();
  }

  explicit AceProjection(const AceNonlinearModel& m)
      : elements_(m.spec.elements), b_(ace_b_descriptor(m.spec)), embedding_(m.embedding), coefficients_(m.coefficients) {
    check_ace_embedding(embedding_);
    count_functions();
    if (coefficients_.size() != elements_.size())
      throw InputError("ACE projection: " + std::to_string(coefficients_.size()) + " coefficient blocks for " +
                       std::to_string(elements_.size()) + " elements");
    for (std::size_t s = 0; s < elements_.size(); ++s)
      for (const auto& density : coefficients_[s])
        if (density.size() < functions_[s])
          throw InputError("ACE projection: element " + std::string(element_symbol(elements_[s])) + " needs " +
                           std::to_string(functions_[s]) + " coefficients per density");
  }

  std::vector<int> species() const { return elements_; }
  /// 1 + (densities × B functions of the element).
  Eigen::Index feature_width(std::size_t s) const {
    return Eigen::Index(1 + densities() * functions_.at(s));
  }

  /// The rows of the first `centres` atoms of s (the rest only surround them).
  AtomFeatures atom_features(const Structure& s, std::size_t centres) const {
    s.validate();
    centres = std::min(centres, s.size());
    AtomFeatures f;
    Eigen::Index widest = 0;
    for (std::size_t k = 0; k < elements_.size(); ++k) widest = std::max(widest, feature_width(k));
    f.rows = Eigen::MatrixXd::Zero(Eigen::Index(centres), widest);
    f.species.resize(centres);
    const NeighbourList nl = build_neighbour_list(s, b_.neighbour_options());
    auto ws = b_.make_workspace();
    std::vector<double> B(b_.size());
    for (std::size_t i = 0; i < centres; ++i) {
      const int species = b_.species_index(s.numbers[i]);
      if (species < 0)
        throw InputError("atom " + std::to_string(i) + " is " + std::string(element_symbol(s.numbers[i])) +
                         ", an element this ACE model does not cover");
      f.species[i] = species;
      b_.compute(s, nl, i, ws, B);
      write_row(std::size_t(species), B, f.rows, Eigen::Index(i));
    }
    return f;
  }

 private:
  std::size_t densities() const noexcept { return coefficients_.empty() ? 1 : embedding_.densities(); }

  void count_functions() {
    functions_.clear();
    for (const auto& fns : b_.basis().functions) functions_.push_back(fns.size());
  }

  /// b = [1, B] (linear) or [1, g_1 B, …, g_P B] with g_p = w_p F'(φ_p) (nonlinear).
  void write_row(std::size_t s, const std::vector<double>& B, Eigen::MatrixXd& rows, Eigen::Index r) const {
    const std::size_t n = functions_[s];
    auto row = rows.row(r);
    row(0) = 1.0;
    if (coefficients_.empty()) {
      for (std::size_t q = 0; q < n; ++q) row(Eigen::Index(1 + q)) = B[q];
      return;
    }
    for (std::size_t p = 0; p < densities(); ++p) {
      double phi = 0.0;
      for (std::size_t q = 0; q < n; ++q) phi += coefficients_[s][p][q] * B[q];
      const double g = embedding_.weights[p] * embedding_slope(phi, embedding_.exponents[p]);
      for (std::size_t q = 0; q < n; ++q) row(Eigen::Index(1 + p * n + q)) = g * B[q];
    }
  }

  double embedding_slope(double phi, double m) const {
    double dF = 0.0;
    if (embedding_.type == AceLinearEmbedding::name) AceLinearEmbedding::value(phi, m, dF);
    else if (embedding_.type == AceShiftedScaledEmbedding::name) AceShiftedScaledEmbedding::value(phi, m, dF);
    else AceSmoothPowerEmbedding::value(phi, m, dF);
    return dF;
  }

  std::vector<int> elements_;
  AceDescriptor b_;
  AceEmbeddingSpec embedding_;
  std::vector<std::vector<std::vector<double>>> coefficients_;  ///< empty for a linear model
  std::vector<std::size_t> functions_;                          ///< B functions per element
};

static_assert(FeatureView<AceProjection>);

}  // namespace pestle
