#pragma once
// The feature vector of Pickard's ephemeral data-derived potentials (EDDP; Phys. Rev. B 106,
// 014102 (2022), docs/eddp.md): two- and three-body sums of powers of one simple radial function,
//
//   f(r) = 2 (1 − r/r_c)  for r < r_c,  0 beyond,
//   F2_i[b, m]      = Σ_{j of species b}              f(r_ij)^p_m                           (m < n2)
//   F3_i[bc, m, o]  = Σ_{unordered j ≠ k, species {b,c}} f(r_ij)^p'_m f(r_ik)^p'_m f(r_jk)^p'_o   (m, o < n3)
//
// with the powers spread geometrically between p_min and p_max (p_m = p_min (p_max/p_min)^{m/(n−1)}).
// High powers see only close neighbours, low powers the whole sphere, so a handful of powers spans
// the radial range the way a set of radial basis functions does, at the cost of one exp per power.
// Blocks are ordered by neighbour species (b, then unordered pairs b ≤ c in the order of `species`).
// The centre's own species is not a feature: the model keeps one network per centre species
// (F1 of the paper, the one-hot species, selects the network instead).
//
// Derivatives use f' = −2/r_c, so ∂(f^p)/∂r = p f^p · f'/f, and r_jk = |r_ik − r_ij| depends on both
// neighbour displacements. Layout and adjoint contract as in descriptor.hpp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

struct EddpFeatureParams {
  std::vector<int> species;  ///< atomic numbers, in feature-block order
  double cutoff = 5.0;       ///< r_c, Å
  int two_body = 8;          ///< n2, number of two-body powers
  int three_body = 4;        ///< n3, number of three-body powers (n3² features per species pair)
  double p_min = 2.0;        ///< smallest power
  double p_max = 10.0;       ///< largest power

  void validate() const {
    if (species.empty()) throw InputError("eddp features: at least one species is needed");
    for (std::size_t a = 0; a < species.size(); ++a) {
      if (species[a] < 1 || species[a] > 118) throw InputError("eddp features: invalid atomic number " + std::to_string(species[a]));
      for (std::size_t b = 0; b < a; ++b)
        if (species[a] == species[b]) throw InputError("eddp features: species listed twice");
    }
    if (!(cutoff > 0.0) || !std::isfinite(cutoff)) throw InputError("eddp features: cutoff must be a positive number of Å");
    if (two_body < 1) throw InputError("eddp features: two_body must be at least 1");
    if (three_body < 0) throw InputError("eddp features: three_body must be 0 or more");
    if (!(p_min >= 1.0) || !(p_max >= p_min) || !std::isfinite(p_max))
      throw InputError("eddp features: the powers need 1 <= p_min <= p_max (finite)");
  }
};

/// The n powers p_min … p_max spaced geometrically (one power p_min when n = 1).
inline std::vector<double> eddp_powers(int n, double p_min, double p_max) {
  std::vector<double> p(static_cast<std::size_t>(std::max(n, 0)));
  for (int m = 0; m < n; ++m)
    p[static_cast<std::size_t>(m)] = n == 1 ? p_min : p_min * std::pow(p_max / p_min, double(m) / double(n - 1));
  return p;
}

class EddpFeatures {
 public:
  /// Per-neighbour quantities of the current centre, kept between the passes of one atom.
  struct Workspace {
    std::vector<double> q, g;          ///< features and dE/dq (adjoint evaluation)
    std::vector<int> kind;             ///< species index of each neighbour (−1: not covered)
    std::vector<double> f;             ///< f(r_ij)
    std::vector<double> pow2, pow3;    ///< f^p for the two- and three-body powers, [neighbour][m]
    std::vector<Vec3> grad;            ///< ∂E_i/∂r_ij accumulated per neighbour
    std::vector<double> radial;        ///< the part of grad along r̂_ij, before it becomes a vector
    /// The triplets of the current centre as compute() found them, for the adjoint pass: neighbours
    /// a < b, their species-pair block, f(r_jk), r_jk = r_ik − r_ij, and f(r_jk)^p_o in bond_pow.
    struct Triplet {
      std::uint32_t a, b, block;
      double fjk;
      Vec3 d;
    };
    std::vector<Triplet> triplets;
    std::vector<double> bond_pow;      ///< [triplet][o]
  };

  explicit EddpFeatures(EddpFeatureParams p) : p_(std::move(p)) {
    p_.validate();
    powers2_ = eddp_powers(p_.two_body, p_.p_min, p_.p_max);
    powers3_ = eddp_powers(p_.three_body, p_.p_min, p_.p_max);
  }

  const EddpFeatureParams& params() const noexcept { return p_; }
  std::size_t species_count() const noexcept { return p_.species.size(); }
  std::size_t pair_blocks() const noexcept { return species_count() * (species_count() + 1) / 2; }
  std::size_t two_body_size() const noexcept { return species_count() * powers2_.size(); }
  std::size_t size() const noexcept { return two_body_size() + pair_blocks() * powers3_.size() * powers3_.size(); }
  NeighbourOptions neighbour_options() const {
    NeighbourOptions o;
    o.cutoff = p_.cutoff;
    return o;
  }
  Workspace make_workspace() const {
    Workspace ws;
    ws.q.assign(size(), 0.0);
    ws.g.assign(size(), 0.0);
    return ws;
  }
  /// Index of atomic number z in params().species, −1 if absent.
  int species_index(int z) const noexcept {
    for (std::size_t a = 0; a < p_.species.size(); ++a)
      if (p_.species[a] == z) return static_cast<int>(a);
    return -1;
  }

  void compute(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws, std::span<double> q) const {
    prepare(s, nl, i, ws);
    std::fill(q.begin(), q.end(), 0.0);
    const std::size_t count = nl.count(i), n2 = powers2_.size(), n3 = powers3_.size();
    for (std::size_t a = 0; a < count; ++a) {
      if (ws.kind[a] < 0) continue;
      for (std::size_t m = 0; m < n2; ++m) q[static_cast<std::size_t>(ws.kind[a]) * n2 + m] += ws.pow2[a * n2 + m];
    }
    ws.triplets.clear();
    ws.bond_pow.clear();
    for_each_triplet(nl, i, ws, [&](std::size_t a, std::size_t b, std::size_t block, double fjk, const Vec3& d) {
      ws.triplets.push_back({std::uint32_t(a), std::uint32_t(b), std::uint32_t(block), fjk, d});
      const double log_f = std::log(fjk);
      for (std::size_t o = 0; o < n3; ++o) ws.bond_pow.push_back(std::exp(powers3_[o] * log_f));
      const double* pa = &ws.pow3[a * n3];
      const double* pb = &ws.pow3[b * n3];
      const double* c = &ws.bond_pow[ws.bond_pow.size() - n3];
      double* out = &q[three_body_offset(block)];
      for (std::size_t m = 0; m < n3; ++m) {
        const double legs = pa[m] * pb[m];
        for (std::size_t o = 0; o < n3; ++o) out[m * n3 + o] += legs * c[o];
      }
    });
  }

  void compute_with_derivatives(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws,
                                std::span<double> q, std::span<double> dq) const {
    compute(s, nl, i, ws, q);
    const std::size_t n = size();
    std::fill(dq.begin(), dq.begin() + static_cast<std::ptrdiff_t>(nl.count(i) * 3 * n), 0.0);
    // Every feature c is linear in its terms, so its gradient is the adjoint pass with g = e_c.
    std::vector<double> unit(n, 0.0);
    for (std::size_t c = 0; c < n; ++c) {
      unit[c] = 1.0;
      accumulate_gradient(nl, i, ws, unit);
      for (std::size_t a = 0; a < nl.count(i); ++a)
        for (int d = 0; d < 3; ++d) dq[(a * 3 + static_cast<std::size_t>(d)) * n + c] = ws.grad[a][d];
      unit[c] = 0.0;
    }
  }

  /// Adjoint evaluation (contract of descriptor.hpp).
  template <class EnergyOf>
  double evaluate(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws, EnergyOf&& energy_of,
                  std::span<Vec3> forces, Mat3& virial) const {
    compute(s, nl, i, ws, ws.q);
    std::fill(ws.g.begin(), ws.g.end(), 0.0);
    double e = 0.0;
    if constexpr (std::is_invocable_v<EnergyOf&, std::size_t, std::span<const double>, std::span<double>>)
      e = energy_of(i, std::span<const double>(ws.q), std::span<double>(ws.g));
    else
      e = energy_of(std::span<const double>(ws.q), std::span<double>(ws.g));
    accumulate_gradient(nl, i, ws, ws.g);
    for (std::size_t a = 0; a < nl.count(i); ++a) {
      const std::size_t e_ij = nl.begin(i) + a;
      const Vec3& g = ws.grad[a];
      forces[i] += g;
      forces[static_cast<std::size_t>(nl.index[e_ij])] -= g;
      virial -= nl.displacement[e_ij] * g.transpose();
    }
    return e;
  }

 private:
  std::size_t three_body_offset(std::size_t block) const noexcept {
    return two_body_size() + block * powers3_.size() * powers3_.size();
  }
  /// Block of the unordered species pair (a, b) of two neighbours: row-major upper triangle.
  std::size_t pair_block(int a, int b) const noexcept {
    const std::size_t lo = static_cast<std::size_t>(std::min(a, b)), hi = static_cast<std::size_t>(std::max(a, b));
    const std::size_t ns = species_count();
    return lo * ns - lo * (lo - 1) / 2 - lo + hi;  // Σ_{x<lo}(ns − x) + (hi − lo)
  }

  /// f and its powers for every neighbour of atom i.
  void prepare(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws) const {
    const std::size_t count = nl.count(i), n2 = powers2_.size(), n3 = powers3_.size();
    ws.kind.resize(count);
    ws.f.resize(count);
    ws.pow2.resize(count * n2);
    ws.pow3.resize(count * n3);
    for (std::size_t a = 0; a < count; ++a) {
      const std::size_t e = nl.begin(i) + a;
      const int kind = species_index(s.numbers[static_cast<std::size_t>(nl.index[e])]);
      const double r = nl.distance[e];
      ws.kind[a] = r < p_.cutoff ? kind : -1;
      ws.f[a] = r < p_.cutoff ? 2.0 * (1.0 - r / p_.cutoff) : 0.0;
      const double log_f = ws.f[a] > 0.0 ? std::log(ws.f[a]) : 0.0;
      for (std::size_t m = 0; m < n2; ++m) ws.pow2[a * n2 + m] = ws.kind[a] < 0 ? 0.0 : std::exp(powers2_[m] * log_f);
      for (std::size_t m = 0; m < n3; ++m) ws.pow3[a * n3 + m] = ws.kind[a] < 0 ? 0.0 : std::exp(powers3_[m] * log_f);
    }
  }

  /// Calls visit(a, b, block, f(r_jk), r_jk vector from j to k) for every unordered pair of
  /// covered neighbours a < b of atom i that are themselves within the cutoff of each other.
  template <class Visit>
  void for_each_triplet(const NeighbourList& nl, std::size_t i, const Workspace& ws, Visit&& visit) const {
    if (powers3_.empty()) return;
    const std::size_t count = nl.count(i), first = nl.begin(i);
    for (std::size_t a = 0; a < count; ++a) {
      if (ws.kind[a] < 0) continue;
      for (std::size_t b = a + 1; b < count; ++b) {
        if (ws.kind[b] < 0) continue;
        const Vec3 d = nl.displacement[first + b] - nl.displacement[first + a];
        const double r = d.norm();
        if (!(r < p_.cutoff)) continue;
        visit(a, b, pair_block(ws.kind[a], ws.kind[b]), 2.0 * (1.0 - r / p_.cutoff), d);
      }
    }
  }

  /// ws.grad[a] = Σ_c g_c ∂q_c/∂r_ij(a) for the current centre (compute() must have run for it).
  void accumulate_gradient(const NeighbourList& nl, std::size_t i, Workspace& ws, std::span<const double> g) const {
    const std::size_t count = nl.count(i), first = nl.begin(i), n2 = powers2_.size(), n3 = powers3_.size();
    const double df = -2.0 / p_.cutoff;  // f'(r)
    ws.grad.assign(count, Vec3::Zero());
    // Radial weight per neighbour: Σ g · ∂(term)/∂r_ij, turned into a vector along r̂_ij at the end.
    std::vector<double>& radial = ws.radial;
    radial.assign(count, 0.0);
    for (std::size_t a = 0; a < count; ++a) {
      if (ws.kind[a] < 0) continue;
      const double* gb = &g[static_cast<std::size_t>(ws.kind[a]) * n2];
      double sum = 0.0;
      for (std::size_t m = 0; m < n2; ++m) sum += gb[m] * powers2_[m] * ws.pow2[a * n2 + m];
      radial[a] += sum * df / ws.f[a];
    }
    for (std::size_t t_index = 0; t_index < ws.triplets.size(); ++t_index) {
      const auto& [a, b, block, fjk, d] = ws.triplets[t_index];
      const double* gb = &g[three_body_offset(block)];
      const double* pa = &ws.pow3[a * n3];
      const double* pb = &ws.pow3[b * n3];
      const double* c = &ws.bond_pow[t_index * n3];
      double legs = 0.0, bond = 0.0;  // Σ g T p_m (both legs share p_m) and Σ g T p_o
      for (std::size_t m = 0; m < n3; ++m) {
        const double leg = pa[m] * pb[m];
        double row = 0.0, row_bond = 0.0;
        for (std::size_t o = 0; o < n3; ++o) {
          const double t = gb[m * n3 + o] * c[o];
          row += t;
          row_bond += t * powers3_[o];
        }
        legs += leg * row * powers3_[m];
        bond += leg * row_bond;
      }
      radial[a] += legs * df / ws.f[a];
      radial[b] += legs * df / ws.f[b];
      // r_jk = |r_ik − r_ij|: ∂r_jk/∂r_ik = d̂, ∂r_jk/∂r_ij = −d̂.
      const Vec3 along = (bond * df / fjk / d.norm()) * d;
      ws.grad[b] += along;
      ws.grad[a] -= along;
    }
    for (std::size_t a = 0; a < count; ++a)
      if (radial[a] != 0.0) ws.grad[a] += (radial[a] / nl.distance[first + a]) * nl.displacement[first + a];
  }

  EddpFeatureParams p_;
  std::vector<double> powers2_, powers3_;
};

}  // namespace pestle
