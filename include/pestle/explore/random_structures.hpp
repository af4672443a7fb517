#pragma once
// Random periodic structures for random structure search (AIRSS's buildcell does the same job):
// a composition, an atom-count range, a volume per atom with a random spread, minimum separations
// per species pair, random cell shapes within angle and aspect-ratio limits and, optionally,
// inversion symmetry. Several parameter sets can be mixed with weights (as autoplex mixes
// buildcell settings). Structure k of a generator depends only on (seed, k), so a search is
// reproducible and any structure can be regenerated on its own (parallel generation, resume).
//
// Also here: HookeanWall, a Calculator wrapper adding k (d_min - r)^2 for every pair closer than
// d_min, which keeps atoms apart while an early, poorly trained potential relaxes them.
// Formulas and config keys: docs/exploration.md.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numbers>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "pestle/core/elements.hpp"
#include "pestle/core/dataset.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/neighbours/cell_list.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
#include "pestle/reference/calculator.hpp"
#include "pestle/fit/compiled.hpp"

namespace pestle::explore {

/// Atoms of each element in one cell, e.g. {14: 2, 6: 2} for Si2C2.
using CellComposition = std::map<int, int>;

/// The formula of a cell composition, elements in atomic-number order: "Si2C2" is written "C2Si2".
inline std::string formula(const CellComposition& c) {
  std::string f;
  for (const auto& [z, n] : c)
    if (n > 0) f += std::string(element_symbol(z)) + (n > 1 ? std::to_string(n) : "");
  return f;
}

/// One buildcell-like parameter set. The composition is either a fixed formula unit
/// (`composition`, the cell holds a multiple of it) or a variable one (`composition_range`, an
/// atom-count range per element); exactly one of the two is given.
struct RandomStructureParams {
  std::map<int, int> composition;         ///< atoms of each element per formula unit, e.g. {14: 1}
  std::map<int, std::pair<int, int>> composition_range;  ///< variable: [min, max] atoms per cell of each element
  int min_atoms = 2, max_atoms = 8;       ///< the total atom count lies in this range
  double volume_per_atom = 20.0;          ///< Å^3, centre of the target volume
  std::map<int, double> element_volume;   ///< Å^3 per atom of each element; when given, V = Σ n_Z v_Z
  double volume_spread = 0.2;             ///< relative: V/atom is uniform in [v(1-s), v(1+s)]
  double min_separation = 2.0;            ///< Å, default for every species pair
  std::map<std::pair<int, int>, double> pair_min_separation;  ///< Å, overrides per pair (Z_a <= Z_b)
  double min_angle = 60.0, max_angle = 120.0;  ///< degrees, range of the cell angles α, β, γ
  double max_aspect = 2.0;                ///< largest ratio of two lattice-vector lengths
  double symmetry_probability = 0.0;      ///< chance that a structure is built inversion symmetric
  double weight = 1.0;                    ///< relative frequency of this set in a mixed search
  std::size_t max_attempts = 200;         ///< cells tried per structure before giving up

  bool variable_composition() const { return !composition_range.empty(); }

  /// The elements this set can put in a cell, ascending.
  std::vector<int> species() const {
    std::vector<int> z;
    for (const auto& [e, c] : composition) z.push_back(e);
    for (const auto& [e, r] : composition_range) z.push_back(e);
    return z;
  }

  /// Minimum separation of a species pair, Å.
  double separation(int za, int zb) const {
    auto it = pair_min_separation.find({std::min(za, zb), std::max(za, zb)});
    return it == pair_min_separation.end() ? min_separation : it->second;
  }
  int formula_unit_size() const {
    int n = 0;
    for (const auto& [z, c] : composition) n += c;
    return n;
  }
  double largest_separation() const {
    double d = min_separation;
    for (const auto& [p, v] : pair_min_separation) d = std::max(d, v);
    return d;
  }

  /// Target cell volume (before the random spread) of a cell with these atoms.
  double cell_volume(const CellComposition& atoms) const {
    double v = 0.0;
    for (const auto& [z, n] : atoms) {
      const auto it = element_volume.find(z);
      v += n * (it == element_volume.end() ? volume_per_atom : it->second);
    }
    return v;
  }

  /// Every cell composition this set can draw, in a fixed order: the multiples of the formula
  /// unit (fewest first), or every per-element count inside its range whose total lies in
  /// [min_atoms, max_atoms] (odometer order, first element slowest). A structure picks one of them.
  PESTLE_FIT_INLINE std::vector<CellComposition> allowed_compositions() const;

  /// InputError on nonsense and on requests that cannot be met (see check_packing).
  void validate() const {
    auto bad = [](const std::string& what) { throw InputError("random structures: " + what); };
    if (composition.empty() && composition_range.empty()) bad("the composition is empty");
    if (!composition.empty() && !composition_range.empty())
      bad("give either a fixed composition (atoms per formula unit) or ranges of atoms per cell, not both");
    for (const auto& [z, c] : composition) {
      if (!is_atomic_number(z)) bad("the composition has an unknown atomic number " + std::to_string(z));
      if (c < 1) bad("every element of the composition needs at least one atom per formula unit");
    }
    std::size_t combinations = 1;
    for (const auto& [z, r] : composition_range) {
      if (!is_atomic_number(z)) bad("the composition has an unknown atomic number " + std::to_string(z));
      const std::string el(element_symbol(z));
      if (r.first < 0 || r.second < r.first || r.second < 1)
        bad("the composition range of " + el + " must be [min, max] atoms per cell with 0 <= min <= max and max >= 1 (got [" +
            std::to_string(r.first) + ", " + std::to_string(r.second) + "])");
      combinations *= static_cast<std::size_t>(r.second - r.first + 1);
      if (combinations > 1000000) bad("the composition ranges allow more than 10^6 cell compositions");
    }
    for (const auto& [z, v] : element_volume) {
      if (!is_atomic_number(z)) bad("volume_per_atom names an unknown atomic number " + std::to_string(z));
      if (!(v > 0.0) || !std::isfinite(v)) bad("volume_per_atom of " + std::string(element_symbol(z)) + " must be positive");
    }
    if (!element_volume.empty())
      for (int z : species())
        if (!element_volume.count(z))
          bad("volume_per_atom gives volumes per element but none for " + std::string(element_symbol(z)));
    if (min_atoms < 1 || max_atoms < min_atoms) bad("the atom-count range must satisfy 1 <= min_atoms <= max_atoms");
    if (allowed_compositions().empty()) {
      if (variable_composition()) bad("no per-element atom counts inside the composition ranges add up to a total in [" +
                                      std::to_string(min_atoms) + ", " + std::to_string(max_atoms) + "]");
      bad("no multiple of the formula unit (" + std::to_string(formula_unit_size()) + " atoms) lies in [" +
          std::to_string(min_atoms) + ", " + std::to_string(max_atoms) + "]");
    }
    if (!(volume_per_atom > 0.0) || !std::isfinite(volume_per_atom)) bad("volume_per_atom must be positive");
    if (!(volume_spread >= 0.0) || !(volume_spread < 1.0)) bad("volume_spread must lie in [0, 1)");
    if (!(min_separation >= 0.0) || !std::isfinite(min_separation)) bad("min_separation must be >= 0");
    for (const auto& [p, v] : pair_min_separation)
      if (!(v >= 0.0) || !std::isfinite(v)) bad("pair minimum separations must be >= 0");
    if (!(min_angle >= 30.0) || !(max_angle <= 150.0) || !(min_angle <= max_angle) || !(min_angle < 90.0 + 1e-12) ||
        !(max_angle > 90.0 - 1e-12))
      bad("cell angles need 30 <= min_angle <= 90 <= max_angle <= 150 degrees");
    if (!(max_aspect >= 1.0) || !std::isfinite(max_aspect)) bad("max_aspect must be >= 1");
    if (!(symmetry_probability >= 0.0 && symmetry_probability <= 1.0)) bad("symmetry_probability must lie in [0, 1]");
    if (!(weight >= 0.0) || !std::isfinite(weight)) bad("weight must be >= 0");
    if (max_attempts < 1) bad("max_attempts must be >= 1");
    for (const CellComposition& c : allowed_compositions()) check_packing(c);
  }

  /// Packing bound of one cell composition: spheres of diameter d fill at most π/√18 ≈ 0.7405 of
  /// space (Kepler; proved by Hales), so the n atoms of any group of species whose pairs are all at
  /// least d apart need n π d^3 / 6 <= 0.7405 V_min. Checked for each species alone, each pair of
  /// species and all of them together (periodic images count, so one atom is bound by itself).
  PESTLE_FIT_INLINE void check_packing(const CellComposition& atoms) const;
};

namespace detail::random {

/// Uniform [0, 1) from the top 53 bits: the same numbers on every standard library.
inline double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
inline double uniform(std::mt19937_64& rng, double lo, double hi) { return lo + (hi - lo) * uniform(rng); }

/// splitmix64: decorrelates the seeds of structures k and k+1.
inline std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Lattice vectors (rows) from lengths and angles (degrees), a along x, b in the xy plane.
inline Mat3 cell_from_parameters(double a, double b, double c, double alpha, double beta, double gamma) {
  const double deg = std::numbers::pi / 180.0;
  const double ca = std::cos(alpha * deg), cb = std::cos(beta * deg), cg = std::cos(gamma * deg);
  const double sg = std::sin(gamma * deg);
  Mat3 m = Mat3::Zero();
  m.row(0) = Vec3(a, 0, 0);
  m.row(1) = Vec3(b * cg, b * sg, 0);
  const double cx = c * cb, cy = c * (ca - cb * cg) / sg;
  const double cz2 = c * c - cx * cx - cy * cy;
  if (!(cz2 > 0.0)) return Mat3::Zero();  // the three angles do not close a cell
  m.row(2) = Vec3(cx, cy, std::sqrt(cz2));
  return m;
}

/// A random cell of volume v: angles uniform in range, lengths within max_aspect of each other.
inline Mat3 random_cell(const RandomStructureParams& p, double v, std::mt19937_64& rng) {
  for (int tries = 0; tries < 1000; ++tries) {
    const double lengths[3] = {1.0, uniform(rng, 1.0, p.max_aspect), uniform(rng, 1.0, p.max_aspect)};
    Mat3 m = cell_from_parameters(lengths[0], lengths[1], lengths[2], uniform(rng, p.min_angle, p.max_angle),
                                  uniform(rng, p.min_angle, p.max_angle), uniform(rng, p.min_angle, p.max_angle));
    const double v0 = std::abs(m.determinant());
    // Reject near-flat cells: they pass the angle test but make needle-like structures.
    if (!(v0 > 0.35)) continue;
    return m * std::cbrt(v / v0);
  }
  throw InputError("random structures: no cell closes with angles in [" + std::to_string(p.min_angle) + ", " +
                   std::to_string(p.max_angle) + "] degrees");
}

/// Shortest distance between r and any periodic image of q other than q itself when `self`.
inline double periodic_distance(const Mat3& cell, const Vec3& ds_raw, const std::array<int, 3>& reach, bool self) {
  Vec3 ds = ds_raw;
  for (int a = 0; a < 3; ++a) ds[a] -= std::round(ds[a]);
  double best = 1e300;
  for (int i = -reach[0]; i <= reach[0]; ++i)
    for (int j = -reach[1]; j <= reach[1]; ++j)
      for (int k = -reach[2]; k <= reach[2]; ++k) {
        if (self && i == 0 && j == 0 && k == 0) continue;
        const Vec3 s = ds + Vec3(i, j, k);
        best = std::min(best, Vec3(cell.transpose() * s).norm());
      }
  return best;
}

/// Tries to place the atoms at random fractional positions (each pair at least its minimum
/// separation apart, periodic images included); false when an atom finds no room.
inline bool place_atoms(const RandomStructureParams& p, const std::vector<int>& numbers, bool inversion, Mat3 cell,
                        std::mt19937_64& rng, std::vector<Vec3>& fractional, std::vector<int>& placed) {
  const double d_max = p.largest_separation();
  std::array<int, 3> reach{};
  for (int a = 0; a < 3; ++a) reach[a] = 1 + static_cast<int>(std::ceil(d_max / pestle::detail::lattice_plane_spacing(cell, a)));
  fractional.clear();
  placed.clear();
  auto fits = [&](int z, const Vec3& s) {
    if (periodic_distance(cell, Vec3::Zero(), reach, true) < p.separation(z, z)) return false;
    for (std::size_t k = 0; k < fractional.size(); ++k)
      if (periodic_distance(cell, s - fractional[k], reach, false) < p.separation(z, placed[k])) return false;
    return true;
  };
  // Inversion symmetry: atoms come in pairs (s, -s); an odd count of an element puts one atom on
  // one of the eight inversion centres (0 or 1/2 along each axis).
  std::map<int, int> count;
  for (int z : numbers) ++count[z];
  const int tries_per_atom = 200;
  for (const auto& [z, n] : count) {
    int left = n;
    if (inversion && n % 2 == 1) {
      bool ok = false;
      for (int t = 0; t < 16 && !ok; ++t) {
        const Vec3 s(0.5 * static_cast<double>(rng() % 2), 0.5 * static_cast<double>(rng() % 2),
                     0.5 * static_cast<double>(rng() % 2));
        if (fits(z, s)) {
          fractional.push_back(s);
          placed.push_back(z);
          ok = true;
        }
      }
      if (!ok) return false;
      --left;
    }
    while (left > 0) {
      bool ok = false;
      for (int t = 0; t < tries_per_atom && !ok; ++t) {
        const Vec3 s(uniform(rng), uniform(rng), uniform(rng));
        if (!fits(z, s)) continue;
        if (inversion) {
          const Vec3 partner = -s;
          // the partner must clear both s and everything placed before
          if (periodic_distance(cell, partner - s, reach, false) < p.separation(z, z)) continue;
          fractional.push_back(s);
          placed.push_back(z);
          if (!fits(z, partner)) {
            fractional.pop_back();
            placed.pop_back();
            continue;
          }
          fractional.push_back(partner);
          placed.push_back(z);
          left -= 2;
        } else {
          fractional.push_back(s);
          placed.push_back(z);
          --left;
        }
        ok = true;
      }
      if (!ok) return false;
    }
  }
  return true;
}

}  // namespace detail::random

/// Generates structure k of a (possibly mixed) search; structure k depends only on (seed, k).
class RandomStructureGenerator {
 public:
  RandomStructureGenerator(std::vector<RandomStructureParams> sets, std::uint64_t seed)
      : sets_(std::move(sets)), seed_(seed) {
    if (sets_.empty()) throw InputError("random structures: no parameter set given");
    double total = 0.0;
    for (const auto& s : sets_) {
      s.validate();
      total += s.weight;
      allowed_.push_back(s.allowed_compositions());
    }
    if (!(total > 0.0)) throw InputError("random structures: the weights of the parameter sets sum to zero");
  }

  const std::vector<RandomStructureParams>& sets() const noexcept { return sets_; }

  /// Structure number k; InputError when no placement is found after max_attempts cells.
  PESTLE_FIT_INLINE Structure generate(std::uint64_t k) const;

  /// Structures first, first+1, ..., first+count-1.
  std::vector<Structure> generate(std::uint64_t first, std::size_t count) const {
    std::vector<Structure> out;
    out.reserve(count);
    for (std::size_t k = 0; k < count; ++k) out.push_back(generate(first + k));
    return out;
  }

 private:
  const RandomStructureParams& pick_set(std::mt19937_64& rng) const {
    double total = 0.0;
    for (const auto& s : sets_) total += s.weight;
    double u = detail::random::uniform(rng) * total;
    for (const auto& s : sets_) {
      if (u < s.weight) return s;
      u -= s.weight;
    }
    return sets_.back();
  }
  std::vector<RandomStructureParams> sets_;
  std::vector<std::vector<CellComposition>> allowed_;  ///< per set, computed once
  std::uint64_t seed_;
};

/// MINSEP AUTO (the AIRSS option of that name measures separations from a known structure): the
/// shortest distance of each species pair over every frame of `known` (periodic images included,
/// pairs searched up to `reach` Å), times `factor`. Pairs that never come within `reach` are absent
/// from the result, so they keep the parameter set's default separation.
inline std::map<std::pair<int, int>, double> measured_min_separations(const Dataset& known, double factor,
                                                                      double reach = 6.0) {
  if (!(factor > 0.0) || !std::isfinite(factor)) throw InputError("minsep_factor must be positive");
  std::map<std::pair<int, int>, double> shortest;
  for (const Frame& f : known) {
    NeighbourOptions o;
    o.cutoff = reach;
    const NeighbourList nl = build_neighbour_list(f.structure, o);
    for (std::size_t i = 0; i < f.size(); ++i)
      for (std::size_t n = nl.begin(i); n != nl.end(i); ++n) {
        const int za = f.structure.numbers[i], zb = f.structure.numbers[static_cast<std::size_t>(nl.index[n])];
        const std::pair<int, int> key{std::min(za, zb), std::max(za, zb)};
        const auto it = shortest.find(key);
        if (nl.distance[n] > 0.0 && (it == shortest.end() || nl.distance[n] < it->second)) shortest[key] = nl.distance[n];
      }
  }
  for (auto& [pair, d] : shortest) d *= factor;
  return shortest;
}

/// A Calculator plus a Hookean wall: E_wall = Σ_{pairs r < d_min} k (d_min - r)^2. Only relaxations
/// use it, to keep atoms from collapsing onto each other where an early potential has no data.
template <Calculator C>
class HookeanWall {
 public:
  HookeanWall(const C& inner, double k, double d_min) : inner_(&inner), k_(k), d_min_(d_min) {
    if (!(k >= 0.0) || !(d_min > 0.0) || !std::isfinite(k) || !std::isfinite(d_min))
      throw InputError("Hookean wall: k must be >= 0 and d_min positive");
  }

  double cutoff() const { return std::max(inner_->cutoff(), d_min_); }

  PotentialResult compute(const Structure& s) const {
    PotentialResult r = inner_->compute(s);
    NeighbourOptions opt;
    opt.cutoff = d_min_;
    const NeighbourList nl = build_neighbour_list(s, opt);
    if (r.atom_energies.size() != s.size()) r.atom_energies.assign(s.size(), 0.0);
    Mat3 virial = Mat3::Zero();
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t n = nl.begin(i); n != nl.end(i); ++n) {
        const double d = nl.distance[n];
        if (d >= d_min_ || d <= 0.0) continue;
        // The full list holds each pair twice: half the energy and gradient per entry.
        const double e = 0.5 * k_ * (d_min_ - d) * (d_min_ - d);
        const Vec3 g = (-k_ * (d_min_ - d) / d) * nl.displacement[n];  // dE/dd_n
        r.energy += e;
        r.atom_energies[i] += e;
        r.forces[i] += g;
        r.forces[static_cast<std::size_t>(nl.index[n])] -= g;
        virial -= nl.displacement[n] * g.transpose();
      }
    r.virial += virial;
    if (r.stress && s.volume() > 0.0) r.stress = Mat3(*r.stress - virial / s.volume());
    return r;
  }

 private:
  const C* inner_;
  double k_, d_min_;
};

}  // namespace pestle::explore

#if !defined(PESTLE_COMPILED_FIT)
#include "pestle/explore/impl/random_structures.hpp"
#endif
