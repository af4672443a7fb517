#pragma once
// ACE models: an embedding F of the P densities ρ_p that AceDescriptor computes (docs/ace.md §5):
//   E_i = f_cut(ρ_core) · Σ_p w_p F(ρ_p; m_p) + ρ_core + E0(μ_i)
// with the core-repulsion energy cutoff f_cut(ρ) = 1 below ρ_cut - Δρ, 0 above ρ_cut and
// ½(1 + cos(π (ρ - ρ_cut + Δρ)/Δρ)) between (pacemaker's rho_core_cut, drho_core_cut), as ML-PACE
// v.2021.4.9 switches; v.2021.10.25 and later switch with the quintic ace_inner_switch(ρ, ρ_cut, Δρ)
// (AceElementModel::polynomial_core_cut).
// Embeddings are policies with a static value(ρ, m, dF) -> F:
//   AceLinearEmbedding          F = ρ (linear ACE: E_i = Σ c·B + E0)
//   AceSmoothPowerEmbedding     F = sign(ρ)[(1-g)|ρ|^m + w^{1-m} g |ρ|], g = exp(-(w|ρ|)³), w = 10⁶
//                               (pacemaker "FinnisSinclair"; m = 1, ½ gives φ1 + √φ2 with a smooth
//                               √ near 0; any exponents give a general sum of signed powers)
//   AceShiftedScaledEmbedding   pacemaker "FinnisSinclairShiftedScaled":
//                               F = sign(ρ)[(x0 + |ρ|)^m - y0], x0 = ν^{ν/(1-ν)} e^{-|ρ|}, y0 = ν^{1/(1-ν)} e^{-|ρ|}, ν = 1/m
//                               (F(0) = 0 with a finite slope for every m, odd in ρ; F = ρ for m = 1)
//   AcePerElementEmbedding      each element its own FinnisSinclair or FinnisSinclairShiftedScaled
//                               (AceElementModel::kind), chosen once per atom: pacemaker .yace files
//                               may give every element its own embedding and number of densities
// Elements may use fewer densities than the descriptor computes (.yace files with a different ndensity
// per element): densities past an element's weights are ignored (their coefficients are zero).
// AcePotential is the ACE family's closed set: a variant over Potential<AceDescriptor, AceModel<E>>, one
// alternative per embedding (the choice among families is the registry's, runtime/registry.hpp).
#include <algorithm>
#include <cmath>
#include <numbers>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "pestle/core/error.hpp"
#include "pestle/descriptors/ace_descriptor.hpp"
#include "pestle/descriptors/ace_radial.hpp"
#include "pestle/models/potential.hpp"

namespace pestle {

struct AceLinearEmbedding {
  static constexpr const char* name = "linear";
  static double value(double rho, double /*m*/, double& dF) noexcept {
    dF = 1.0;
    return rho;
  }
  /// F''(ρ), for the gradient of the force loss in nonlinear fits (fit/ace_nonlinear_fit.hpp).
  static double curvature(double /*rho*/, double /*m*/) noexcept { return 0.0; }
};

struct AceSmoothPowerEmbedding {
  static constexpr const char* name = "FinnisSinclair";
  static double value(double x, double m, double& dF) noexcept {
    constexpr double w = 1e6, eps = 1e-10;
    const double lambda = std::pow(1.0 / w, m - 1.0);
    const double a = std::abs(x);
    if (!(a > eps)) {
      dF = lambda;
      return lambda * x;
    }
    const double am = std::pow(a, m), w3a3 = std::pow(w * a, 3);
    const double g = w3a3 > 30.0 ? 0.0 : std::exp(-w3a3);
    const double dg = -3.0 * w * w * w * a * a * g;
    dF = m * std::pow(a, m - 1.0) * (1.0 - g) - am * dg + lambda * dg * a + lambda * g;
    const double f = (1.0 - g) * am + lambda * g * a;
    return std::signbit(x) ? -f : f;
  }
  /// F''(x): with f(a) = (1-g)a^m + λ g a, g' = -3w³a²g, g'' = g(9w⁶a⁴ - 6w³a),
  ///   f'' = m(m-1)a^{m-2}(1-g) - 2m a^{m-1} g' - a^m g'' + λ(a g'' + 2g'),  F''(x) = sign(x) f''(|x|).
  static double curvature(double x, double m) noexcept {
    constexpr double w = 1e6, eps = 1e-10;
    const double a = std::abs(x);
    if (!(a > eps)) return 0.0;
    const double lambda = std::pow(1.0 / w, m - 1.0), w3 = w * w * w, w3a3 = w3 * a * a * a;
    const double g = w3a3 > 30.0 ? 0.0 : std::exp(-w3a3);
    const double dg = -3.0 * w3 * a * a * g, d2g = g * (9.0 * w3 * w3 * a * a * a * a - 6.0 * w3 * a);
    const double f2 = m * (m - 1.0) * std::pow(a, m - 2.0) * (1.0 - g) - 2.0 * m * std::pow(a, m - 1.0) * dg -
                      std::pow(a, m) * d2g + lambda * (a * d2g + 2.0 * dg);
    return std::signbit(x) ? -f2 : f2;
  }
};

struct AceShiftedScaledEmbedding {
  static constexpr const char* name = "FinnisSinclairShiftedScaled";
  static double value(double rho, double m, double& dF) noexcept {
    if (std::abs(m - 1.0) < 1e-10) {
      dF = 1.0;
      return rho;
    }
    const double a = std::abs(rho), e = std::exp(-a), nu = 1.0 / m;
    const double x0 = std::pow(nu, nu / (1.0 - nu)) * e, y0 = std::pow(nu, 1.0 / (1.0 - nu)) * e;
    const double f = std::pow(x0 + a, m) - y0;
    dF = y0 + m * (1.0 - x0) * std::pow(x0 + a, m - 1.0);
    return std::signbit(rho) ? -f : f;
  }
  /// F''(ρ) = sign(ρ) f''(|ρ|), f'' = -y0 + m x0 (x0 + a)^{m-1} + m(m-1)(1 - x0)² (x0 + a)^{m-2}
  /// (x0' = -x0, y0' = -y0).
  static double curvature(double rho, double m) noexcept {
    if (std::abs(m - 1.0) < 1e-10) return 0.0;
    const double a = std::abs(rho), e = std::exp(-a), nu = 1.0 / m;
    const double x0 = std::pow(nu, nu / (1.0 - nu)) * e, y0 = std::pow(nu, 1.0 / (1.0 - nu)) * e;
    const double f2 = -y0 + m * x0 * std::pow(x0 + a, m - 1.0) +
                      m * (m - 1.0) * (1.0 - x0) * (1.0 - x0) * std::pow(x0 + a, m - 2.0);
    return std::signbit(rho) ? -f2 : f2;
  }
};

/// Tag of AceModel<AcePerElementEmbedding>: the embedding is AceElementModel::kind of each element.
struct AcePerElementEmbedding {
  static constexpr const char* name = "per-element";
};

/// The embeddings a file may choose per element (AcePerElementEmbedding).
enum class AceEmbeddingKind { finnis_sinclair, finnis_sinclair_shifted_scaled };

/// Per-element parameters of an ACE embedding model.
struct AceElementModel {
  std::vector<double> weights;    ///< w_p, one per density the element uses
  std::vector<double> exponents;  ///< m_p, one per density the element uses
  AceEmbeddingKind kind = AceEmbeddingKind::finnis_sinclair;  ///< read by AceModel<AcePerElementEmbedding> only
  double e0 = 0.0;                ///< eV, energy of the isolated atom
  double rho_core_cut = 1e300;    ///< core density where the embedding is switched off
  double drho_core_cut = 1.0;     ///< width of that switch
  bool polynomial_core_cut = false;  ///< switch with ace_inner_switch (ML-PACE >= v.2021.10.25), not the cosine
};

template <class Embedding>
class AceModel {
 public:
  AceModel(std::vector<int> elements, std::vector<AceElementModel> params, bool core_density)
      : elements_(std::move(elements)), params_(std::move(params)), core_(core_density) {
    if (params_.size() != elements_.size() || elements_.empty())
      throw InputError("ACE model: one parameter set per element required");
    for (const auto& p : params_) {
      if (p.weights.empty() || p.exponents.size() != p.weights.size())
        throw InputError("ACE model: every element needs one (weight, exponent) pair per density, at least one");
      densities_ = std::max(densities_, p.weights.size());
    }
  }

  std::size_t feature_count() const noexcept { return densities_ + (core_ ? 1 : 0); }
  std::size_t densities() const noexcept { return densities_; }
  const std::vector<AceElementModel>& parameters() const noexcept { return params_; }
  const std::vector<int>& elements() const noexcept { return elements_; }
  int species_index(int z) const noexcept {
    for (std::size_t k = 0; k < elements_.size(); ++k)
      if (elements_[k] == z) return int(k);
    return -1;
  }

  double atom_energy(std::size_t s, std::span<const double> q, std::span<double> g) const {
    const AceElementModel& p = params_[s];
    const double f = embed(p, q, g);
    if (!core_) return f + p.e0;
    const double rho_core = q[densities_];
    double cut = 1.0, dcut = 0.0;
    const double low = p.rho_core_cut - p.drho_core_cut;
    if (rho_core >= p.rho_core_cut) {
      cut = 0.0;
    } else if (rho_core > low && p.polynomial_core_cut) {
      ace_inner_switch(rho_core, p.rho_core_cut, p.drho_core_cut, cut, dcut);
    } else if (rho_core > low) {
      const double x = std::numbers::pi * (rho_core - low) / p.drho_core_cut;
      cut = 0.5 * (1.0 + std::cos(x));
      dcut = -0.5 * std::sin(x) * std::numbers::pi / p.drho_core_cut;
    }
    for (std::size_t k = 0; k < densities_; ++k) g[k] *= cut;
    g[densities_] = f * dcut + 1.0;
    return f * cut + rho_core + p.e0;
  }

 private:
  /// Σ_p w_p F(ρ_p) of one atom and g_p = w_p F'(ρ_p); densities the element does not use get g = 0.
  double embed(const AceElementModel& p, std::span<const double> q, std::span<double> g) const {
    if constexpr (std::is_same_v<Embedding, AcePerElementEmbedding>) {
      // one branch per atom, the density loop below stays free of dispatch
      if (p.kind == AceEmbeddingKind::finnis_sinclair_shifted_scaled) return embed_with<AceShiftedScaledEmbedding>(p, q, g);
      return embed_with<AceSmoothPowerEmbedding>(p, q, g);
    } else {
      return embed_with<Embedding>(p, q, g);
    }
  }
  template <class E>
  double embed_with(const AceElementModel& p, std::span<const double> q, std::span<double> g) const {
    const std::size_t used = p.weights.size();
    double f = 0.0;
    for (std::size_t k = 0; k < used; ++k) {
      double dF = 0.0;
      f += p.weights[k] * E::value(q[k], p.exponents[k], dF);
      g[k] = p.weights[k] * dF;
    }
    for (std::size_t k = used; k < densities_; ++k) g[k] = 0.0;
    return f;
  }

  std::vector<int> elements_;
  std::vector<AceElementModel> params_;
  bool core_ = true;
  std::size_t densities_ = 0;
};

/// A complete ACE potential whose embedding is chosen at run time (e.g. from a file).
class AcePotential {
 public:
  using Variant = std::variant<Potential<AceDescriptor, AceModel<AceLinearEmbedding>>,
                               Potential<AceDescriptor, AceModel<AceSmoothPowerEmbedding>>,
                               Potential<AceDescriptor, AceModel<AceShiftedScaledEmbedding>>,
                               Potential<AceDescriptor, AceModel<AcePerElementEmbedding>>>;

  template <class E>
  AcePotential(AceDescriptor d, AceModel<E> m) : p_(Potential<AceDescriptor, AceModel<E>>(std::move(d), std::move(m))) {}

  PotentialResult compute(const Structure& s) const {
    return std::visit([&](const auto& p) { return p.compute(s); }, p_);
  }
  /// Only the first n_centres atoms as centres (Potential::compute(s, n_centres)).
  PotentialResult compute(const Structure& s, std::size_t n_centres) const {
    return std::visit([&](const auto& p) { return p.compute(s, n_centres); }, p_);
  }
  /// The same on the caller's neighbour list (Potential::compute(s, nl, n_centres)).
  PotentialResult compute(const Structure& s, const NeighbourList& nl, std::size_t n_centres) const {
    return std::visit([&](const auto& p) { return p.compute(s, nl, n_centres); }, p_);
  }
  double energy(const Structure& s) const {
    return std::visit([&](const auto& p) { return p.energy(s); }, p_);
  }
  const AceDescriptor& descriptor() const {
    return std::visit([](const auto& p) -> const AceDescriptor& { return p.descriptor(); }, p_);
  }
  /// Atomic numbers the model covers, in its element order.
  const std::vector<int>& elements() const {
    return std::visit([](const auto& p) -> const std::vector<int>& { return p.model().elements(); }, p_);
  }
  const Variant& variant() const noexcept { return p_; }

 private:
  Variant p_;
};

}  // namespace pestle
