#pragma once
// SNAP and qSNAP potentials (bispectrum descriptor + linear / quadratic model) and the
// closed set of potentials that can be chosen at run time (a model file, the CLI).
//
// AnyPotential is the SNAP family's closed set: a std::variant of the linear and quadratic
// Potentials, chosen by the model file or fit config. The choice among model families is made
// once, by the registry (runtime/registry.hpp); inside the family visit() picks the alternative.
#include <string_view>
#include <utility>
#include <variant>

#include "pestle/descriptors/bispectrum.hpp"
#include "pestle/models/linear.hpp"
#include "pestle/models/potential.hpp"

namespace pestle {

using SnapPotential = Potential<Bispectrum<dynamic>, Linear>;
using QSnapPotential = Potential<Bispectrum<dynamic>, Quadratic>;
static_assert(GroupedAdjointDescriptor<Bispectrum<dynamic>>, "SNAP potentials evaluate atoms in SIMD groups");

/// Model species of a SNAP potential: the descriptor's element order.
inline std::vector<int> snap_species(const BispectrumParams& p) {
  std::vector<int> z;
  for (const auto& e : p.elements) z.push_back(e.z);
  return z;
}

/// Builds a SNAP/qSNAP potential from descriptor parameters and coefficient blocks in
/// element order (each [β₀, β..., (α...)]).
template <class M>
Potential<Bispectrum<dynamic>, M> make_snap(const BispectrumParams& p, std::vector<std::vector<double>> coefficients) {
  Bispectrum<dynamic> d(p);
  const std::size_t n = d.size();
  return Potential<Bispectrum<dynamic>, M>(std::move(d), M(n, snap_species(p), std::move(coefficients)));
}

/// A potential whose type is chosen at run time.
class AnyPotential {
 public:
  using Variant = std::variant<SnapPotential, QSnapPotential>;

  template <class P>
    requires std::is_constructible_v<Variant, P&&>
  AnyPotential(P&& p) : v_(std::forward<P>(p)) {}  // NOLINT: implicit on purpose

  /// Calls f with the concrete potential.
  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), v_);
  }

  /// "snap" or "qsnap".
  std::string_view type_name() const {
    return visit([](const auto& p) { return std::remove_cvref_t<decltype(p)>::model_type::type_name; });
  }
  double energy(const Structure& s) const {
    return visit([&](const auto& p) { return p.energy(s); });
  }
  PotentialResult compute(const Structure& s) const {
    return visit([&](const auto& p) { return p.compute(s); });
  }
  /// Only the first n_centres atoms as centres (Potential::compute(s, n_centres)).
  PotentialResult compute(const Structure& s, std::size_t n_centres) const {
    return visit([&](const auto& p) { return p.compute(s, n_centres); });
  }
  /// The same on the caller's neighbour list (Potential::compute(s, nl, n_centres)).
  PotentialResult compute(const Structure& s, const NeighbourList& nl, std::size_t n_centres) const {
    return visit([&](const auto& p) { return p.compute(s, nl, n_centres); });
  }
  /// Interaction range, Å.
  double cutoff() const {
    return visit([](const auto& p) { return p.cutoff(); });
  }
  /// Atomic numbers the model covers, in its element order.
  const std::vector<int>& elements() const {
    return visit([](const auto& p) -> const std::vector<int>& { return p.model().species(); });
  }
  const Variant& variant() const noexcept { return v_; }

 private:
  Variant v_;
};

}  // namespace pestle
