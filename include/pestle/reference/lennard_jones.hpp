#pragma once
// Lennard-Jones pair potential with LAMMPS `pair_style lj/cut` semantics:
//   φ(r) = 4ε[(σ/r)^12 − (σ/r)^6] for r < r_c, 0 beyond; optionally shifted by −φ(r_c)
//   (LAMMPS `pair_modify shift yes`). Cross-species parameters not given explicitly are mixed
//   geometrically (LAMMPS's default `pair_modify mix geometric`): ε_ab = √(ε_a ε_b),
//   σ_ab = √(σ_a σ_b), r_c,ab = √(r_c,a r_c,b). Per-atom energies: half of each pair to each atom.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "pestle/reference/calculator.hpp"

namespace pestle {

struct LennardJonesParams {
  double epsilon = 0.0;  ///< eV
  double sigma = 1.0;    ///< Å
  double cutoff = 2.5;   ///< Å
};

class LennardJones {
 public:
  LennardJones() = default;
  /// One species z (every atom must be z).
  LennardJones(int z, LennardJonesParams p, bool shift = false) : shift_(shift) { set(z, p); }

  /// Parameters of species z with itself (and, by mixing, with species that have no explicit pair).
  LennardJones& set(int z, LennardJonesParams p) {
    check(p);
    if (!is_atomic_number(z)) throw InputError("Lennard-Jones: unknown atomic number " + std::to_string(z));
    species_.add(z);
    self_.resize(species_.size());
    self_[std::size_t(species_.find(z))] = p;
    rebuild();
    return *this;
  }
  /// Explicit parameters of the pair (za, zb); both species must have been set.
  LennardJones& set_pair(int za, int zb, LennardJonesParams p) {
    check(p);
    const int a = species_.find(za), b = species_.find(zb);
    if (a < 0 || b < 0) throw InputError("Lennard-Jones: set both species before their pair");
    explicit_.push_back({std::size_t(a), std::size_t(b), p});
    rebuild();
    return *this;
  }
  LennardJones& shifted(bool on) {
    shift_ = on;
    rebuild();
    return *this;
  }

  double cutoff() const noexcept { return cutoff_; }
  /// Atomic numbers with parameters.
  const std::vector<int>& elements() const noexcept { return species_.numbers(); }
  const LennardJonesParams& pair(int za, int zb) const {
    const int a = species_.find(za), b = species_.find(zb);
    if (a < 0 || b < 0) throw InputError("Lennard-Jones: species without parameters");
    return table_[std::size_t(a) * species_.size() + std::size_t(b)].p;
  }

  PotentialResult compute(const Structure& s) const {
    const std::vector<int> species = species_.of(s, "the Lennard-Jones parameters");
    NeighbourOptions o;
    o.cutoff = cutoff_;
    const NeighbourList nl = build_neighbour_list(s, o);
    detail::reference::EntryTerms t(s.size(), nl.pairs(), false);
    const std::size_t ns = species_.size();
    detail::reference::for_each_atom(s.size(), [&](std::size_t i) {
      for (std::size_t n = nl.begin(i); n != nl.end(i); ++n) {
        const Entry& e = table_[std::size_t(species[i]) * ns + std::size_t(species[std::size_t(nl.index[n])])];
        const double r = nl.distance[n];
        if (r >= e.p.cutoff) continue;
        const double s6 = std::pow(e.p.sigma / r, 6);
        const double energy = 4.0 * e.p.epsilon * (s6 * s6 - s6) - e.offset;
        const double de_dr = 4.0 * e.p.epsilon * (-12.0 * s6 * s6 + 6.0 * s6) / r;
        t.own_energy[i] += 0.5 * energy;
        t.gradient[n] += 0.5 * de_dr / r * nl.displacement[n];
      }
    });
    return detail::reference::assemble(s, nl, t);
  }

 private:
  struct Entry {
    LennardJonesParams p;
    double offset = 0.0;
  };
  struct Explicit {
    std::size_t a, b;
    LennardJonesParams p;
  };

  static void check(const LennardJonesParams& p) {
    if (!(p.epsilon >= 0.0) || !(p.sigma > 0.0) || !(p.cutoff > 0.0) || !std::isfinite(p.epsilon) ||
        !std::isfinite(p.sigma) || !std::isfinite(p.cutoff))
      throw InputError("Lennard-Jones: need epsilon >= 0 and positive finite sigma and cutoff");
  }

  void rebuild() {
    const std::size_t n = species_.size();
    table_.assign(n * n, Entry{});
    cutoff_ = 0.0;
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b) {
        const auto &pa = self_[a], &pb = self_[b];
        table_[a * n + b].p = {std::sqrt(pa.epsilon * pb.epsilon), std::sqrt(pa.sigma * pb.sigma),
                               std::sqrt(pa.cutoff * pb.cutoff)};
        if (a == b) table_[a * n + b].p = pa;  // exact, not √(x·x)
      }
    for (const auto& x : explicit_) table_[x.a * n + x.b].p = table_[x.b * n + x.a].p = x.p;
    for (auto& e : table_) {
      const double s6 = std::pow(e.p.sigma / e.p.cutoff, 6);
      e.offset = shift_ ? 4.0 * e.p.epsilon * (s6 * s6 - s6) : 0.0;
      cutoff_ = std::max(cutoff_, e.p.cutoff);
    }
  }

  detail::reference::SpeciesMap species_;
  std::vector<LennardJonesParams> self_;
  std::vector<Explicit> explicit_;
  std::vector<Entry> table_;
  bool shift_ = false;
  double cutoff_ = 0.0;
};

}  // namespace pestle
