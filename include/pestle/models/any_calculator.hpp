#pragma once
// AnyCalculator: every potential pestle can evaluate, chosen at run time (a CLI MODEL argument,
// a labeller in a config file). It is the one std::variant over model families; inside a family
// the concrete type is already fixed (AnyPotential: linear/quadratic SNAP; AcePotential: its
// embedding), so every kernel stays statically dispatched.
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "pestle/models/ace.hpp"
#include "pestle/models/gap.hpp"
#include "pestle/models/potential.hpp"
#include "pestle/models/snap.hpp"
#include "pestle/reference/eam.hpp"
#include "pestle/reference/lennard_jones.hpp"
#include "pestle/reference/stillinger_weber.hpp"
#include "pestle/reference/tersoff.hpp"

namespace pestle {

class AnyCalculator {
 public:
  using Variant = std::variant<AnyPotential, GapPotential, AcePotential, StillingerWeber, Tersoff, Eam, LennardJones>;

  template <class P>
    requires std::is_constructible_v<Variant, P&&>
  AnyCalculator(P&& p) : v_(std::forward<P>(p)) {}  // NOLINT: implicit on purpose

  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), v_);
  }

  PotentialResult compute(const Structure& s) const {
    return visit([&](const auto& p) -> PotentialResult { return p.compute(s); });
  }

  /// Only the first n_centres atoms as centres: E = Σ_{i < n_centres} E_i and forces -∂E/∂r on
  /// every atom (Potential::compute(s, n_centres)). The reference potentials (SW, Tersoff, EAM,
  /// LJ) support only n_centres = number of atoms.
  PotentialResult compute(const Structure& s, std::size_t n_centres) const {
    return visit([&](const auto& p) -> PotentialResult {
      if constexpr (requires { p.compute(s, n_centres); }) {
        return p.compute(s, n_centres);
      } else {
        if (n_centres != s.size())
          throw InputError("the " + type_name() + " reference potential cannot evaluate a subset of centres (" +
                           std::to_string(n_centres) + " of " + std::to_string(s.size()) + " atoms)");
        return p.compute(s);
      }
    });
  }
  double energy(const Structure& s) const { return compute_energy(s); }

  /// Interaction range, Å (the largest cutoff of the model).
  double cutoff() const {
    return visit([](const auto& p) -> double {
      using T = std::remove_cvref_t<decltype(p)>;
      if constexpr (std::is_same_v<T, AnyPotential>) return p.visit([](const auto& q) { return q.cutoff(); });
      else if constexpr (std::is_same_v<T, AcePotential>) return p.descriptor().neighbour_options().cutoff;
      else return p.cutoff();
    });
  }

  /// "snap", "qsnap", "gap", "ace", "sw", "tersoff", "eam" or "lj".
  std::string type_name() const {
    return visit([](const auto& p) -> std::string {
      using T = std::remove_cvref_t<decltype(p)>;
      if constexpr (std::is_same_v<T, AnyPotential>) return std::string(p.type_name());
      else if constexpr (std::is_same_v<T, GapPotential>) return "gap";
      else if constexpr (std::is_same_v<T, AcePotential>) return "ace";
      else if constexpr (std::is_same_v<T, StillingerWeber>) return "sw";
      else if constexpr (std::is_same_v<T, Tersoff>) return "tersoff";
      else if constexpr (std::is_same_v<T, Eam>) return "eam";
      else return "lj";
    });
  }

  const Variant& variant() const noexcept { return v_; }

 private:
  double compute_energy(const Structure& s) const {
    return visit([&](const auto& p) -> double {
      if constexpr (requires { p.energy(s); }) return p.energy(s);
      else return p.compute(s).energy;
    });
  }
  Variant v_;
};

}  // namespace pestle
