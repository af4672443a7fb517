#pragma once
// Stillinger-Weber potential with LAMMPS `pair_style sw` semantics and parameter files
// (e.g. /usr/share/lammps/potentials/Si.sw). Formulas and conventions: docs/reference-potentials.md.
//
//   E = Σ_i Σ_{j≠i} ½ φ2(r_ij) + Σ_i Σ_{j<k} φ3(r_ij, r_ik, θ_jik)
//   φ2(r) = A ε (B (σ/r)^p − (σ/r)^q) exp(σ / (r − aσ))                      (params of i-j-j)
//   φ3    = λ ε (cos θ_jik − cos θ0)² exp(γ_ij σ_ij / (r_ij − a_ij σ_ij)) exp(γ_ik σ_ik / (r_ik − a_ik σ_ik))
//           with λ, ε, cos θ0 from entry i-j-k and the radial parameters from i-j-j and i-k-k.
// Per-atom energies follow LAMMPS (compute pe/atom): a pair term is split half and half, a
// three-body term in thirds between i, j and k.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "pestle/reference/calculator.hpp"
#include "pestle/reference/param_file.hpp"

namespace pestle {

struct StillingerWeberParams {
  double epsilon = 0, sigma = 0, a = 0, lambda = 0, gamma = 0, cos_theta0 = 0;
  double A = 0, B = 0, p = 0, q = 0, tol = 0;
  double cut() const noexcept { return a * sigma; }
};

class StillingerWeber {
 public:
  using Params = StillingerWeberParams;

  /// Reads a LAMMPS sw file. `elements` (atomic numbers) picks the elements to use, like the
  /// element list of pair_coeff; empty means every element of the file.
  static StillingerWeber from_file(const std::string& path, std::vector<int> elements = {}) {
    const auto entries = detail::reference::read_triplet_entries(path, 14, "Stillinger-Weber");
    return StillingerWeber(detail::reference::TripletTable<Params>(entries, std::move(elements), path,
                                                                   [&](const auto& e) { return to_params(e, path); }),
                           path);
  }

  /// Stillinger and Weber's silicon parameters (the values of LAMMPS's Si.sw).
  static StillingerWeber silicon() {
    detail::reference::TripletEntry e{{14, 14, 14},
                                      {2.1683, 2.0951, 1.80, 21.0, 1.20, -0.333333333333, 7.049556277,
                                       0.6022245584, 4.0, 0.0, 0.0},
                                      0};
    return StillingerWeber(detail::reference::TripletTable<Params>({e}, {}, "<built-in Si>",
                                                                   [](const auto& x) { return to_params(x, ""); }),
                           "Stillinger-Weber Si");
  }

  /// Largest interaction range, Å.
  double cutoff() const noexcept { return cutoff_; }
  /// Atomic numbers the parameter file covers.
  const std::vector<int>& elements() const noexcept { return table_.species().numbers(); }
  const detail::reference::TripletTable<Params>& parameters() const noexcept { return table_; }

  PotentialResult compute(const Structure& s) const {
    const std::vector<int> species = table_.species().of(s, "the Stillinger-Weber parameters (" + source_ + ")");
    const NeighbourList nl = build_neighbour_list(s, neighbour_options());
    detail::reference::EntryTerms t(s.size(), nl.pairs(), true);
    detail::reference::for_each_atom(s.size(), [&](std::size_t i) { atom_terms(i, species, nl, t); });
    return detail::reference::assemble(s, nl, t);
  }

 private:
  StillingerWeber(detail::reference::TripletTable<Params> table, std::string source)
      : table_(std::move(table)), source_(std::move(source)) {
    for (const auto& p : table_.all()) cutoff_ = std::max(cutoff_, p.cut());
  }

  static Params to_params(const detail::reference::TripletEntry& e, const std::string& file) {
    const auto& v = e.values;
    Params p{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]};
    if (p.epsilon < 0 || p.sigma < 0 || p.a < 0 || p.lambda < 0 || p.gamma < 0 || p.A < 0 || p.B < 0 || p.p < 0 ||
        p.q < 0 || p.tol < 0)
      throw ParseError(file, e.line, "illegal Stillinger-Weber parameter (all but cos(theta0) must be >= 0)");
    return p;
  }

  NeighbourOptions neighbour_options() const {
    NeighbourOptions o;
    o.cutoff = cutoff_;
    const auto& sp = table_.species();
    for (std::size_t a = 0; a < sp.size(); ++a)
      for (std::size_t b = 0; b < sp.size(); ++b)
        o.pair_cutoffs.emplace_back(sp.number(a), sp.number(b), std::max(table_(a, b, b).cut(), table_(b, a, a).cut()));
    return o;
  }

  /// One neighbour inside the i-j-j cutoff, with its radial factor of the three-body term.
  struct Leg {
    std::size_t entry;
    std::size_t species;
    Vec3 unit;
    double r;
    double e, de;  ///< exp(γσ/(r − aσ)) and its r-derivative
  };

  void atom_terms(std::size_t i, const std::vector<int>& species, const NeighbourList& nl,
                  detail::reference::EntryTerms& t) const {
    const auto si = std::size_t(species[i]);
    thread_local std::vector<Leg> legs;
    legs.clear();
    for (std::size_t n = nl.begin(i); n != nl.end(i); ++n) {
      const auto sj = std::size_t(species[std::size_t(nl.index[n])]);
      const Params& p = table_(si, sj, sj);
      const double r = nl.distance[n];
      if (r >= p.cut()) continue;
      const Vec3 unit = nl.displacement[n] / r;
      // two-body term, half of it from each side of the pair
      const double x = 1.0 / (r - p.cut());
      const double ex = std::exp(p.sigma * x);
      const double sp = std::pow(p.sigma / r, p.p), sq = std::pow(p.sigma / r, p.q);
      const double radial = p.A * p.epsilon * (p.B * sp - sq);
      const double dradial = p.A * p.epsilon * (-p.p * p.B * sp + p.q * sq) / r;
      t.own_energy[i] += 0.5 * radial * ex;
      t.gradient[n] += 0.5 * (dradial - radial * p.sigma * x * x) * ex * unit;
      const double e3 = std::exp(p.gamma * p.sigma * x);
      legs.push_back({n, sj, unit, r, e3, -e3 * p.gamma * p.sigma * x * x});
    }
    for (std::size_t a = 0; a < legs.size(); ++a)
      for (std::size_t b = a + 1; b < legs.size(); ++b) three_body(i, si, legs[a], legs[b], t);
  }

  void three_body(std::size_t i, std::size_t si, const Leg& j, const Leg& k, detail::reference::EntryTerms& t) const {
    const Params& p = table_(si, j.species, k.species);
    const double c = j.unit.dot(k.unit);
    const double dc = c - p.cos_theta0;
    const double le = p.lambda * p.epsilon;
    const double energy = le * dc * dc * j.e * k.e;
    // d cosθ / d d_j = (û_k − cosθ û_j) / r_j, and likewise for k
    const Vec3 dcos_j = (k.unit - c * j.unit) / j.r;
    const Vec3 dcos_k = (j.unit - c * k.unit) / k.r;
    t.gradient[j.entry] += le * (2.0 * dc * j.e * k.e * dcos_j + dc * dc * j.de * k.e * j.unit);
    t.gradient[k.entry] += le * (2.0 * dc * j.e * k.e * dcos_k + dc * dc * j.e * k.de * k.unit);
    t.own_energy[i] += energy / 3.0;
    t.share[j.entry] += energy / 3.0;
    t.share[k.entry] += energy / 3.0;
  }

  detail::reference::TripletTable<Params> table_;
  std::string source_;
  double cutoff_ = 0.0;
};

}  // namespace pestle
