#pragma once
// Models that are linear in their parameters: the atomic energy of atom i of species s is
//   E_i = β₀(s) + Σ_p c_p(s) φ_p(q_i)
// where q_i are the descriptor features and φ a fixed feature map:
//   LinearMap     φ(q) = q                                   (SNAP)
//   QuadraticMap  φ(q) = [q, ½q_k², q_k q_l (k<l)]            (qSNAP)
// The quadratic block follows LAMMPS's order: after the n linear columns, for k = 0..n-1 the
// coefficient of ½q_k² and then those of q_k q_l for l = k+1..n-1. Because the energy is linear
// in (β₀, c), the same type serves prediction (atom_energy) and fitting (expand, expand_derivative).
// Coefficients are stored per species of the central atom as [β₀, c_0, ..., c_{P-1}] — the
// layout of a LAMMPS .snapcoeff block.
#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"

namespace pestle {

/// φ(q) = q.
struct LinearMap {
  static constexpr std::string_view name = "snap";
  static constexpr std::size_t size(std::size_t n) noexcept { return n; }

  static void expand(std::span<const double> q, std::span<double> phi) { std::copy(q.begin(), q.end(), phi.begin()); }
  /// Directional derivative: dphi = (∂φ/∂q)·dq.
  static void expand_derivative(std::span<const double>, std::span<const double> dq, std::span<double> dphi) {
    std::copy(dq.begin(), dq.end(), dphi.begin());
  }
  /// Σ_p c_p φ_p(q); adds ∂/∂q to g.
  static double energy(std::span<const double> c, std::span<const double> q, std::span<double> g) {
    double e = 0.0;
    for (std::size_t k = 0; k < q.size(); ++k) {
      e += c[k] * q[k];
      g[k] += c[k];
    }
    return e;
  }
};

/// φ(q) = [q, ½q_0², q_0q_1, ..., q_0q_{n-1}, ½q_1², q_1q_2, ...] (upper triangle by rows).
struct QuadraticMap {
  static constexpr std::string_view name = "qsnap";
  static constexpr std::size_t size(std::size_t n) noexcept { return n + n * (n + 1) / 2; }

  static void expand(std::span<const double> q, std::span<double> phi) {
    const std::size_t n = q.size();
    std::copy(q.begin(), q.end(), phi.begin());
    std::size_t p = n;
    for (std::size_t k = 0; k < n; ++k) {
      phi[p++] = 0.5 * q[k] * q[k];
      for (std::size_t l = k + 1; l < n; ++l) phi[p++] = q[k] * q[l];
    }
  }
  /// Product rule: d(½q_k²) = q_k dq_k, d(q_k q_l) = q_k dq_l + q_l dq_k.
  static void expand_derivative(std::span<const double> q, std::span<const double> dq, std::span<double> dphi) {
    const std::size_t n = q.size();
    std::copy(dq.begin(), dq.end(), dphi.begin());
    std::size_t p = n;
    for (std::size_t k = 0; k < n; ++k) {
      dphi[p++] = q[k] * dq[k];
      for (std::size_t l = k + 1; l < n; ++l) dphi[p++] = q[k] * dq[l] + q[l] * dq[k];
    }
  }
  static double energy(std::span<const double> c, std::span<const double> q, std::span<double> g) {
    const std::size_t n = q.size();
    double e = LinearMap::energy(c.first(n), q, g);
    std::size_t p = n;
    for (std::size_t k = 0; k < n; ++k) {
      const double qk = q[k];
      double gk = c[p] * qk;  // from ½ α_kk q_k²
      double ek = 0.5 * c[p] * qk;
      ++p;
      for (std::size_t l = k + 1; l < n; ++l, ++p) {
        ek += c[p] * q[l];
        gk += c[p] * q[l];
        g[l] += c[p] * qk;
      }
      e += ek * qk;
      g[k] += gk;
    }
    return e;
  }
};

/// Per-species coefficients of a model linear in its parameters (see the file comment).
template <class Map>
class LinearInParameters {
 public:
  using map_type = Map;
  static constexpr std::string_view type_name = Map::name;

  LinearInParameters() = default;
  /// species: atomic numbers in model order; coefficients[s] = [β₀, c...] of length 1 + Map::size(features).
  LinearInParameters(std::size_t features, std::vector<int> species, std::vector<std::vector<double>> coefficients)
      : features_(features), species_(std::move(species)), coefficients_(std::move(coefficients)) {
    validate();
  }

  /// Number of descriptor features the model expects.
  std::size_t feature_count() const noexcept { return features_; }
  /// Number of expanded features φ (without β₀).
  std::size_t parameter_count() const noexcept { return Map::size(features_); }
  /// Coefficients per species including β₀.
  std::size_t coefficients_per_species() const noexcept { return 1 + parameter_count(); }
  const std::vector<int>& species() const noexcept { return species_; }
  const std::vector<std::vector<double>>& coefficients() const noexcept { return coefficients_; }
  std::span<const double> coefficients(std::size_t s) const { return coefficients_[s]; }

  /// Index of atomic number z in species(), or -1.
  int species_index(int z) const noexcept {
    for (std::size_t s = 0; s < species_.size(); ++s)
      if (species_[s] == z) return static_cast<int>(s);
    return -1;
  }

  /// E_i for an atom of species index s with features q; writes dE_i/dq to g (size q.size()).
  double atom_energy(std::size_t s, std::span<const double> q, std::span<double> g) const {
    std::fill(g.begin(), g.end(), 0.0);
    const std::span<const double> c = coefficients_[s];
    return c[0] + Map::energy(c.subspan(1), q, g);
  }

  void validate() const {
    if (species_.empty()) throw InputError("model has no species");
    if (coefficients_.size() != species_.size())
      throw InputError("model has " + std::to_string(species_.size()) + " species but " +
                       std::to_string(coefficients_.size()) + " coefficient blocks");
    for (std::size_t s = 0; s < species_.size(); ++s) {
      if (!is_atomic_number(species_[s]))
        throw InputError("model species " + std::to_string(species_[s]) + " is not an element");
      if (std::count(species_.begin(), species_.end(), species_[s]) != 1)
        throw InputError("model lists element " + std::string(element_symbol(species_[s])) + " twice");
      if (coefficients_[s].size() != coefficients_per_species())
        throw InputError(std::string(Map::name) + " model for " + std::string(element_symbol(species_[s])) +
                         " needs " + std::to_string(coefficients_per_species()) + " coefficients (" +
                         std::to_string(features_) + " features), got " + std::to_string(coefficients_[s].size()));
    }
  }

  bool operator==(const LinearInParameters&) const = default;

 private:
  std::size_t features_ = 0;
  std::vector<int> species_;
  std::vector<std::vector<double>> coefficients_;
};

/// Linear SNAP: E_i = β₀ + β·B_i.
using Linear = LinearInParameters<LinearMap>;
/// Quadratic SNAP: E_i = β₀ + β·B_i + ½ B_iᵀ α B_i.
using Quadratic = LinearInParameters<QuadraticMap>;

}  // namespace pestle
