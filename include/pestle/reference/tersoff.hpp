#pragma once
// Tersoff potential with LAMMPS `pair_style tersoff` semantics and parameter files
// (Si.tersoff, SiC.tersoff, ...). Formulas and conventions: docs/reference-potentials.md.
//
//   E = Σ_i Σ_{j≠i} ½ [ f_C(r_ij) A e^{−λ1 r_ij} + b_ij f_A(r_ij) ]          (i-j-j entry)
//   f_A(r) = −B e^{−λ2 r} f_C(r),   b_ij = (1 + (β ζ_ij)^n)^{−1/(2n)}
//   ζ_ij = Σ_{k≠i,j} f_C(r_ik) g(θ_ijk) exp[(λ3 (r_ij − r_ik))^m]             (i-j-k entry)
//   g(θ) = γ (1 + c²/d² − c²/(d² + (h − cos θ)²))
//   f_C(r) = 1 (r < R−D), ½ − ½ sin(π/2 (r−R)/D) (|r−R| ≤ D), 0 (r > R+D)
// As in LAMMPS: m = 3 uses the cube, any other m the linear argument; the exponential is
// clamped at |arg| = 69.0776; b_ij switches to the same asymptotic expansions for very
// large or small βζ. Per-atom energies follow LAMMPS's split: the repulsive term of a pair
// half and half, the attractive term ½ b_ij f_A also half to i and half to j.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "pestle/reference/calculator.hpp"
#include "pestle/reference/param_file.hpp"

namespace pestle {

struct TersoffParams {
  double m = 0, gamma = 0, lam3 = 0, c = 0, d = 0, h = 0, n = 0, beta = 0, lam2 = 0, B = 0, R = 0, D = 0, lam1 = 0,
         A = 0;
  // derived: LAMMPS's thresholds of the asymptotic b_ij branches
  double c1 = 0, c2 = 0, c3 = 0, c4 = 0;
  double cut() const noexcept { return R + D; }
};

class Tersoff {
 public:
  using Params = TersoffParams;

  /// Reads a LAMMPS tersoff file; `elements` (atomic numbers) as in pair_coeff, empty = all.
  /// `labels` maps element labels that are not chemical symbols to atomic numbers, e.g.
  /// {{"Si(D)", 14}} for SiCGe.tersoff (see detail::reference::label_at).
  static Tersoff from_file(const std::string& path, std::vector<int> elements = {},
                           const detail::reference::ElementLabels& labels = {}) {
    const auto entries = detail::reference::read_triplet_entries(path, 17, "Tersoff", labels);
    return Tersoff(detail::reference::TripletTable<Params>(entries, std::move(elements), path,
                                                           [&](const auto& e) { return to_params(e, path); }),
                   path);
  }

  double cutoff() const noexcept { return cutoff_; }
  /// Atomic numbers the parameter file covers.
  const std::vector<int>& elements() const noexcept { return table_.species().numbers(); }
  const detail::reference::TripletTable<Params>& parameters() const noexcept { return table_; }

  PotentialResult compute(const Structure& s) const {
    const std::vector<int> species = table_.species().of(s, "the Tersoff parameters (" + source_ + ")");
    const NeighbourList nl = build_neighbour_list(s, neighbour_options());
    detail::reference::EntryTerms t(s.size(), nl.pairs(), true);
    detail::reference::for_each_atom(s.size(), [&](std::size_t i) { atom_terms(i, species, nl, t); });
    return detail::reference::assemble(s, nl, t);
  }

 private:
  Tersoff(detail::reference::TripletTable<Params> table, std::string source)
      : table_(std::move(table)), source_(std::move(source)) {
    for (const auto& p : table_.all()) cutoff_ = std::max(cutoff_, p.cut());
  }

  static Params to_params(const detail::reference::TripletEntry& e, const std::string& file) {
    const auto& v = e.values;
    Params p{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]};
    if (p.lam3 < 0 || p.c < 0 || p.d < 0 || p.n < 0 || p.beta < 0 || p.lam2 < 0 || p.B < 0 || p.R < 0 || p.D < 0 ||
        p.D > p.R || p.A < 0 || p.m < 0 || p.m != std::floor(p.m) || p.gamma < 0)
      throw ParseError(file, e.line, "illegal Tersoff parameter (negative value, non-integer m, or D > R)");
    p.c1 = std::pow(2.0 * p.n * 1.0e-16, -1.0 / p.n);
    p.c2 = std::pow(2.0 * p.n * 1.0e-8, -1.0 / p.n);
    p.c3 = 1.0 / p.c2;
    p.c4 = 1.0 / p.c1;
    return p;
  }

  NeighbourOptions neighbour_options() const {
    NeighbourOptions o;
    o.cutoff = cutoff_;
    const auto& sp = table_.species();
    for (std::size_t a = 0; a < sp.size(); ++a)
      for (std::size_t b = 0; b < sp.size(); ++b) {
        double rc = 0.0;  // any entry a-b-x or a-x-b may need the pair
        for (std::size_t x = 0; x < sp.size(); ++x)
          rc = std::max({rc, table_(a, b, x).cut(), table_(a, x, b).cut(), table_(b, a, x).cut(), table_(b, x, a).cut()});
        o.pair_cutoffs.emplace_back(sp.number(a), sp.number(b), rc);
      }
    return o;
  }

  // ---- the functions of the potential and their derivatives ----
  static double fc(double r, const Params& p) {
    if (r < p.R - p.D) return 1.0;
    if (r > p.R + p.D) return 0.0;
    return 0.5 * (1.0 - std::sin(0.5 * std::numbers::pi * (r - p.R) / p.D));
  }
  static double fc_d(double r, const Params& p) {
    if (r < p.R - p.D || r > p.R + p.D) return 0.0;
    return -0.25 * std::numbers::pi / p.D * std::cos(0.5 * std::numbers::pi * (r - p.R) / p.D);
  }
  static double g(double cos_theta, const Params& p) {
    const double c2 = p.c * p.c, d2 = p.d * p.d, hc = p.h - cos_theta;
    return p.gamma * (1.0 + c2 / d2 - c2 / (d2 + hc * hc));
  }
  static double g_d(double cos_theta, const Params& p) {
    const double c2 = p.c * p.c, d2 = p.d * p.d, hc = p.h - cos_theta;
    const double den = d2 + hc * hc;
    return -2.0 * p.gamma * c2 * hc / (den * den);
  }
  /// exp[(λ3 Δr)^m] (m = 3) or exp[λ3 Δr], clamped as LAMMPS does; and its Δr-derivative.
  static void bond_exp(double dr, const Params& p, double& ex, double& dex) {
    const bool cubic = p.m == 3.0;
    const double arg = cubic ? std::pow(p.lam3 * dr, 3) : p.lam3 * dr;
    ex = arg > 69.0776 ? 1.0e30 : (arg < -69.0776 ? 0.0 : std::exp(arg));
    dex = cubic ? 3.0 * std::pow(p.lam3, 3) * dr * dr * ex : p.lam3 * ex;
  }
  static double bij(double zeta, const Params& p) {
    const double x = p.beta * zeta;
    if (x > p.c1) return 1.0 / std::sqrt(x);
    if (x > p.c2) return (1.0 - std::pow(x, -p.n) / (2.0 * p.n)) / std::sqrt(x);
    if (x < p.c4) return 1.0;
    if (x < p.c3) return 1.0 - std::pow(x, p.n) / (2.0 * p.n);
    return std::pow(1.0 + std::pow(x, p.n), -1.0 / (2.0 * p.n));
  }
  static double bij_d(double zeta, const Params& p) {
    const double x = p.beta * zeta;
    if (x > p.c1) return p.beta * -0.5 * std::pow(x, -1.5);
    if (x > p.c2) return p.beta * -0.5 * std::pow(x, -1.5) * (1.0 - (1.0 + 1.0 / (2.0 * p.n)) * std::pow(x, -p.n));
    if (x < p.c4) return 0.0;
    if (x < p.c3) return -0.5 * p.beta * std::pow(x, p.n - 1.0);
    const double xn = std::pow(x, p.n);
    return -0.5 * p.beta * std::pow(1.0 + xn, -1.0 - 1.0 / (2.0 * p.n)) * std::pow(x, p.n - 1.0);
  }

  struct Leg {
    std::size_t entry;
    std::size_t species;
    Vec3 unit;
    double r;
  };

  void atom_terms(std::size_t i, const std::vector<int>& species, const NeighbourList& nl,
                  detail::reference::EntryTerms& t) const {
    const auto si = std::size_t(species[i]);
    std::vector<Leg>& legs = legs_of_thread();
    legs.clear();
    for (std::size_t n = nl.begin(i); n != nl.end(i); ++n) {
      const double r = nl.distance[n];
      legs.push_back({n, std::size_t(species[std::size_t(nl.index[n])]), nl.displacement[n] / r, r});
    }
    for (std::size_t a = 0; a < legs.size(); ++a) {
      const Leg& j = legs[a];
      const Params& pij = table_(si, j.species, j.species);
      if (j.r > pij.cut()) continue;
      // repulsive pair term, half from each side
      const double fcr = fc(j.r, pij), fcr_d = fc_d(j.r, pij);
      const double rep = pij.A * std::exp(-pij.lam1 * j.r);
      t.own_energy[i] += 0.5 * fcr * rep;
      t.gradient[j.entry] += 0.5 * rep * (fcr_d - pij.lam1 * fcr) * j.unit;
      bond_order_term(i, si, legs, a, pij, fcr, fcr_d, t);
    }
  }

  /// ½ b_ij f_A(r_ij) and its derivatives with respect to d_ij and every d_ik.
  void bond_order_term(std::size_t i, std::size_t si, const std::vector<Leg>& legs, std::size_t a, const Params& pij,
                       double fcr, double fcr_d, detail::reference::EntryTerms& t) const {
    const Leg& j = legs[a];
    double zeta = 0.0;
    for (std::size_t b = 0; b < legs.size(); ++b) {
      if (b == a) continue;
      const Leg& k = legs[b];
      const Params& p = table_(si, j.species, k.species);
      if (k.r > p.cut()) continue;
      double ex, dex;
      bond_exp(j.r - k.r, p, ex, dex);
      zeta += fc(k.r, p) * g(j.unit.dot(k.unit), p) * ex;
    }
    const double fa = -pij.B * std::exp(-pij.lam2 * j.r) * fcr;
    const double fa_d = -pij.B * std::exp(-pij.lam2 * j.r) * (fcr_d - pij.lam2 * fcr);
    const double b_ij = bij(zeta, pij);
    const double energy = 0.5 * b_ij * fa;
    t.own_energy[i] += 0.5 * energy;
    t.share[j.entry] += 0.5 * energy;
    t.gradient[j.entry] += 0.5 * b_ij * fa_d * j.unit;
    const double pre = 0.5 * fa * bij_d(zeta, pij);  // dE/dζ
    if (pre == 0.0) return;
    for (std::size_t b = 0; b < legs.size(); ++b) {
      if (b == a) continue;
      const Leg& k = legs[b];
      const Params& p = table_(si, j.species, k.species);
      if (k.r > p.cut()) continue;
      const double c = j.unit.dot(k.unit);
      double ex, dex;
      bond_exp(j.r - k.r, p, ex, dex);
      const double f = fc(k.r, p), fd = fc_d(k.r, p), gv = g(c, p), gd = g_d(c, p);
      const Vec3 dcos_j = (k.unit - c * j.unit) / j.r;
      const Vec3 dcos_k = (j.unit - c * k.unit) / k.r;
      t.gradient[j.entry] += pre * (f * gd * ex * dcos_j + f * gv * dex * j.unit);
      t.gradient[k.entry] += pre * (fd * gv * ex * k.unit + f * gd * ex * dcos_k - f * gv * dex * k.unit);
    }
  }

  /// Scratch list of the neighbours of the atom being evaluated, one per thread.
  static std::vector<Leg>& legs_of_thread() {
    thread_local std::vector<Leg> legs;
    return legs;
  }

  detail::reference::TripletTable<Params> table_;
  std::string source_;
  double cutoff_ = 0.0;
};

}  // namespace pestle
