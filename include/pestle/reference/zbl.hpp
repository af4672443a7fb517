#pragma once
// The Ziegler–Biersack–Littmark universal screened nuclear repulsion, with LAMMPS `pair_style zbl`
// semantics (docs/reference-potentials.md, "ZBL"): for a pair of nuclear charges Z_a, Z_b at distance r
//   E_ZBL(r) = k_e Z_a Z_b / r · φ(r/a),  φ(x) = Σ_k c_k exp(−d_k x),  a = a_0 / (Z_a^0.23 + Z_b^0.23),
// smoothly switched off between an inner and an outer cutoff by the polynomial S(r):
//   E(r) = E_ZBL(r) + S(r) for r < r_outer, 0 beyond, with S(r) = C for r ≤ r_inner and
//   S(r) = A/3 (r − r_inner)³ + B/4 (r − r_inner)⁴ + C between, A, B, C chosen so that E, E' and E''
//   vanish at r_outer. Per-atom energies: half of each pair to each atom.
// It is the short-range reference term SNAP potentials are overlaid on (`pair_style hybrid/overlay
// zbl INNER OUTER snap`) and the term a fit subtracts from its labels first.
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "pestle/reference/calculator.hpp"

namespace pestle {

/// The nuclear charges ZBL uses for one pair of species (LAMMPS `pair_coeff I J zbl Z_I Z_J`).
struct ZblPair {
  int species_a = 0, species_b = 0;  ///< atomic numbers of the two species
  double charge_a = 0.0, charge_b = 0.0;
};

class Zbl {
 public:
  /// Constants of LAMMPS pair zbl (metal units): e²/(4πε₀) in eV·Å, the screening length a_0 in Å,
  /// the exponent of Z in the screening length, and the four terms of the universal function φ.
  static constexpr double coulomb = 14.399645;
  static constexpr double screening_length = 0.46850;
  static constexpr double charge_exponent = 0.23;
  static constexpr std::array<double, 4> amplitudes{0.18175, 0.50986, 0.28022, 0.02817};
  static constexpr std::array<double, 4> decays{3.19980, 0.94229, 0.40290, 0.20162};

  Zbl() = default;
  /// Switching between inner and outer (Å); InputError unless 0 < inner < outer, both finite.
  Zbl(double inner, double outer) : inner_(inner), outer_(outer) {
    if (!(inner > 0.0) || !(outer > inner) || !std::isfinite(outer))
      throw InputError("ZBL: need 0 < inner < outer cutoff, got inner " + std::to_string(inner) + " Å and outer " +
                       std::to_string(outer) + " Å");
  }

  /// Charges of the pair (za, zb) (species by atomic number); both orders are set.
  Zbl& set_pair(const ZblPair& p) {
    if (!is_atomic_number(p.species_a) || !is_atomic_number(p.species_b))
      throw InputError("ZBL: unknown atomic number in the pair " + std::to_string(p.species_a) + "-" +
                       std::to_string(p.species_b));
    if (!(p.charge_a > 0.0) || !(p.charge_b > 0.0) || !std::isfinite(p.charge_a) || !std::isfinite(p.charge_b))
      throw InputError("ZBL: nuclear charges must be positive and finite");
    species_.add(p.species_a);
    species_.add(p.species_b);
    for (auto& q : pairs_)
      if ((q.species_a == p.species_a && q.species_b == p.species_b) ||
          (q.species_a == p.species_b && q.species_b == p.species_a)) {
        q = p;
        rebuild();
        return *this;
      }
    pairs_.push_back(p);
    rebuild();
    return *this;
  }

  /// Every pair of `species` with nuclear charges equal to the atomic numbers (the usual choice).
  static Zbl for_elements(double inner, double outer, const std::vector<int>& species) {
    Zbl z(inner, outer);
    for (std::size_t a = 0; a < species.size(); ++a)
      for (std::size_t b = a; b < species.size(); ++b)
        z.set_pair({species[a], species[b], double(species[a]), double(species[b])});
    return z;
  }

  double inner() const noexcept { return inner_; }
  double outer() const noexcept { return outer_; }
  double cutoff() const noexcept { return outer_; }
  const std::vector<ZblPair>& pairs() const noexcept { return pairs_; }
  /// Atomic numbers with charges, in the order they were first given.
  const std::vector<int>& elements() const noexcept { return species_.numbers(); }

  /// E(r) of the pair (za, zb), switching included; 0 at and beyond the outer cutoff.
  double pair_energy(int za, int zb, double r) const { return entry(za, zb).energy(r, inner_, outer_); }
  /// dE/dr of the pair (za, zb).
  double pair_derivative(int za, int zb, double r) const { return entry(za, zb).derivative(r, inner_, outer_); }

  PotentialResult compute(const Structure& s) const { return compute(s, s.size()); }

  /// Only the first n_centres atoms as centres (owned atoms, then a host's ghosts): each centre
  /// takes half of each of its pairs, forces go to both atoms of a pair.
  PotentialResult compute(const Structure& s, std::size_t n_centres) const {
    NeighbourOptions o;
    o.cutoff = outer_;
    return compute(s, build_neighbour_list(s, o), n_centres);
  }

  /// The same on a full neighbour list whose rows of the first n_centres atoms hold every neighbour
  /// closer than cutoff() (more distant ones, a host's skin, are skipped).
  PotentialResult compute(const Structure& s, const NeighbourList& nl, std::size_t n_centres) const {
    if (pairs_.empty()) throw InputError("ZBL: no pair of species has charges");
    if (n_centres > s.size()) throw InputError("ZBL: more centres than atoms");
    const std::vector<int> species = species_.of(s, "the ZBL term");
    const std::size_t ns = species_.size();
    detail::reference::EntryTerms t(s.size(), nl.pairs(), false);
    detail::reference::for_each_atom(n_centres, [&](std::size_t i) {
      for (std::size_t n = nl.begin(i); n != nl.end(i); ++n) {
        const double r = nl.distance[n];
        if (r >= outer_) continue;
        const Entry& e = table_[std::size_t(species[i]) * ns + std::size_t(species[std::size_t(nl.index[n])])];
        if (!e.set) throw InputError("ZBL: no charges for the pair " + pair_name(s.numbers[i], s.numbers[std::size_t(nl.index[n])]));
        t.own_energy[i] += 0.5 * e.energy(r, inner_, outer_);
        t.gradient[n] += 0.5 * e.derivative(r, inner_, outer_) / r * nl.displacement[n];
      }
    });
    return detail::reference::assemble(s, nl, t);
  }

 private:
  /// One pair's constants: the prefactor k_e Z_a Z_b, 1/a, and the switching polynomial's A, B, C.
  struct Entry {
    bool set = false;
    double prefactor = 0.0, inverse_length = 0.0;
    double a = 0.0, b = 0.0, c = 0.0;

    /// E_ZBL and its first two derivatives at r, unswitched.
    std::array<double, 3> bare(double r) const {
      double phi = 0.0, dphi = 0.0, d2phi = 0.0;
      for (std::size_t k = 0; k < 4; ++k) {
        const double d = decays[k] * inverse_length, term = amplitudes[k] * std::exp(-d * r);
        phi += term, dphi -= d * term, d2phi += d * d * term;
      }
      const double e = prefactor * phi / r;
      const double de = prefactor * (dphi / r - phi / (r * r));
      const double d2e = prefactor * (d2phi / r - 2.0 * dphi / (r * r) + 2.0 * phi / (r * r * r));
      return {e, de, d2e};
    }
    double energy(double r, double inner, double outer) const {
      if (r >= outer) return 0.0;
      double e = bare(r)[0] + c;
      if (r > inner) {
        const double x = r - inner;
        e += a / 3.0 * x * x * x + b / 4.0 * x * x * x * x;
      }
      return e;
    }
    double derivative(double r, double inner, double outer) const {
      if (r >= outer) return 0.0;
      double de = bare(r)[1];
      if (r > inner) {
        const double x = r - inner;
        de += a * x * x + b * x * x * x;
      }
      return de;
    }
  };

  static std::string pair_name(int za, int zb) {
    return std::string(element_symbol(za)) + "-" + std::string(element_symbol(zb));
  }

  const Entry& entry(int za, int zb) const {
    const int a = species_.find(za), b = species_.find(zb);
    const Entry* e = (a < 0 || b < 0) ? nullptr : &table_[std::size_t(a) * species_.size() + std::size_t(b)];
    if (!e || !e->set) throw InputError("ZBL: no charges for the pair " + pair_name(za, zb));
    return *e;
  }

  void rebuild() {
    const std::size_t n = species_.size();
    table_.assign(n * n, Entry{});
    const double width = outer_ - inner_;
    for (const ZblPair& p : pairs_) {
      Entry e;
      e.set = true;
      e.prefactor = coulomb * p.charge_a * p.charge_b;
      e.inverse_length = (std::pow(p.charge_a, charge_exponent) + std::pow(p.charge_b, charge_exponent)) / screening_length;
      const auto [f, df, d2f] = e.bare(outer_);
      e.a = (-3.0 * df + width * d2f) / (width * width);
      e.b = (2.0 * df - width * d2f) / (width * width * width);
      e.c = -f + width / 2.0 * df - width * width / 12.0 * d2f;
      const auto a = std::size_t(species_.find(p.species_a)), b = std::size_t(species_.find(p.species_b));
      table_[a * n + b] = table_[b * n + a] = e;
    }
  }

  double inner_ = 1.0, outer_ = 2.0;
  detail::reference::SpeciesMap species_;
  std::vector<ZblPair> pairs_;
  std::vector<Entry> table_;
};

}  // namespace pestle
