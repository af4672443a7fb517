#pragma once
// Neighbour lists: for every atom i, the atoms j (and their periodic images) closer than
// a cutoff. Stored in compressed rows: the neighbours of atom i are the entries
// [offsets[i], offsets[i+1]) of index/displacement/distance/image.
//
// Conventions
//   displacement = r_j + image·cell - r_i  (points from i to the neighbour image)
//   a pair is listed when 0 < |displacement| < cutoff(Z_i, Z_j)
//   an atom is its own neighbour through its periodic images (j == i, image != 0)
//   full list: each pair appears from both sides; half list: once, for i < j, or for
//   j == i with the first non-zero image component positive.
//   order: the neighbours of each atom are sorted by (j, image) lexicographically, so the
//   list does not depend on the search method or the number of threads.
//   open axes: image components are 0 and the cell vector is ignored (zero or anything);
//   periodic axes: positions need not lie inside the cell (images refer to them as given).
// Algorithm (cell lists on a reduced lattice, parallel over atoms): docs/neighbours.md.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <tuple>
#include <vector>


#include "pestle/core/compiled.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/neighbours/cell_list.hpp"

namespace pestle {

struct NeighbourOptions {
  double cutoff = 5.0;  ///< Å; the largest cutoff of any species pair
  bool half = false;
  /// Optional per species-pair cutoffs (Z_a, Z_b, r_cut), symmetric, each ≤ cutoff.
  std::vector<std::tuple<int, int, double>> pair_cutoffs;
  /// Distances below this (Å) mean two atoms sit on top of each other: InputError.
  double overlap_distance = 1e-6;

  /// Cutoff for the species pair (za, zb).
  double cutoff_for(int za, int zb) const {
    for (const auto& [a, b, rc] : pair_cutoffs)
      if ((a == za && b == zb) || (a == zb && b == za)) return rc;
    return cutoff;
  }
  void validate() const {
    if (!(cutoff > 0.0) || !std::isfinite(cutoff))
      throw InputError("neighbour cutoff must be a positive finite number");
    for (const auto& [a, b, rc] : pair_cutoffs)
      if (!(rc > 0.0) || rc > cutoff)
        throw InputError("pair cutoff for " + std::to_string(a) + "-" + std::to_string(b) +
                         " must lie in (0, cutoff]");
    if (!(overlap_distance >= 0.0) || !std::isfinite(overlap_distance))
      throw InputError("overlap distance must be a non-negative finite number");
  }
};

struct NeighbourList {
  std::vector<std::size_t> offsets{0};   ///< size atoms()+1
  std::vector<int> index;                ///< neighbour atom j
  std::vector<Vec3> displacement;        ///< r_j + image·cell - r_i, Å
  std::vector<double> distance;          ///< |displacement|, Å
  std::vector<std::array<int, 3>> image; ///< lattice translation of the neighbour
  bool half = false;

  std::size_t atoms() const noexcept { return offsets.size() - 1; }
  std::size_t pairs() const noexcept { return index.size(); }
  std::size_t begin(std::size_t i) const noexcept { return offsets[i]; }
  std::size_t end(std::size_t i) const noexcept { return offsets[i + 1]; }
  std::size_t count(std::size_t i) const noexcept { return offsets[i + 1] - offsets[i]; }
  std::span<const int> neighbours(std::size_t i) const {
    return {index.data() + offsets[i], count(i)};
  }
};

namespace detail {

/// Distance between the two lattice planes spanned by the other two vectors of axis a.
inline double plane_spacing(const Mat3& cell, int a) { return lattice_plane_spacing(cell, a); }

/// True if image g counts for a half list as the "positive" copy of a self pair.
inline bool positive_image(const std::array<int, 3>& g) {
  for (int a = 0; a < 3; ++a)
    if (g[a] != 0) return g[a] > 0;
  return false;
}

inline void check_overlap(double r, std::size_t i, int j, const NeighbourOptions& opt) {
  if (r < opt.overlap_distance)
    throw InputError("atoms " + std::to_string(i) + " and " + std::to_string(j) +
                     " overlap (distance " + std::to_string(r) + " Å)");
}

/// The reported displacement of a pair, always from the positions as given, so both
/// searches produce the same numbers and the cutoff test applies to what is reported.
inline Vec3 displacement_between(const Vec3& ri, const Vec3& rj, const std::array<int, 3>& g, const Mat3& cell) {
  return rj - ri + g[0] * Vec3(cell.row(0)) + g[1] * Vec3(cell.row(1)) + g[2] * Vec3(cell.row(2));
}
inline Vec3 pair_displacement(const Structure& s, std::size_t i, std::size_t j, const std::array<int, 3>& g) {
  return displacement_between(s.positions[i], s.positions[j], g, s.cell);
}

/// One neighbour of some atom while a list is being built.
struct PairEntry {
  int j;
  std::array<int, 3> image;
  Vec3 displacement;
  double distance;
};

/// The documented neighbour order: by j, then by image (lexicographic).
template <class Entry>
inline bool entry_before(const Entry& a, const Entry& b) {
  return std::tie(a.j, a.image) < std::tie(b.j, b.image);
}

/// A neighbour found by the cell-list search, kept small (24 bytes) between the search and
/// the copy into the list; the displacement is recomputed there by the same expression.
struct FoundPair {
  int j;
  std::array<int, 3> image;
  double distance;
};

/// Pair cutoffs looked up by species index rather than by scanning the option list.
class CutoffTable {
 public:
  CutoffTable(const Structure& s, const NeighbourOptions& opt) : species_(s.size()) {
    std::array<int, max_atomic_number + 1> slot{};
    slot.fill(-1);
    std::vector<int> z_of;
    for (std::size_t i = 0; i < s.size(); ++i) {
      int& k = slot[static_cast<std::size_t>(s.numbers[i])];
      if (k < 0) {
        k = static_cast<int>(z_of.size());
        z_of.push_back(s.numbers[i]);
      }
      species_[i] = k;
    }
    kinds_ = z_of.size();
    table_.resize(kinds_ * kinds_);
    for (std::size_t a = 0; a < kinds_; ++a)
      for (std::size_t b = 0; b < kinds_; ++b) table_[a * kinds_ + b] = opt.cutoff_for(z_of[a], z_of[b]);
  }
  double operator()(std::size_t i, std::size_t j) const {
    return table_[std::size_t(species_[i]) * kinds_ + std::size_t(species_[j])];
  }

 private:
  std::vector<int> species_;
  std::size_t kinds_ = 0;
  std::vector<double> table_;
};

/// The first overlapping pair a search met, in (i, j) order.
struct Overlap {
  bool found = false;
  std::size_t i = 0;
  int j = 0;
  double r = 0.0;
  void note(std::size_t ii, int jj, double rr) {
    if (!found || std::tie(ii, jj) < std::tie(i, j)) *this = Overlap{true, ii, jj, rr};
  }
};

/// Copies `count` entries into the CSR arrays of `nl` from position `first` on.
inline void write_entries(NeighbourList& nl, std::size_t first, const PairEntry* entries, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    const auto& e = entries[k];
    nl.index[first + k] = e.j;
    nl.displacement[first + k] = e.displacement;
    nl.distance[first + k] = e.distance;
    nl.image[first + k] = e.image;
  }
}

/// Writes the neighbours of atom i into its row of `nl` (from position `first` on).
inline void write_found(NeighbourList& nl, const Structure& s, std::size_t i, std::size_t first,
                        const FoundPair* found, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    const auto& f = found[k];
    nl.index[first + k] = f.j;
    nl.displacement[first + k] = pair_displacement(s, i, std::size_t(f.j), f.image);
    nl.distance[first + k] = f.distance;
    nl.image[first + k] = f.image;
  }
}

inline void resize_pairs(NeighbourList& nl, std::size_t pairs) {
  nl.index.resize(pairs);
  nl.displacement.resize(pairs);
  nl.distance.resize(pairs);
  nl.image.resize(pairs);
}

}  // namespace detail

/// O(N² · images) reference search; the yardstick for the fast search in tests.
PESTLE_RUNTIME_INLINE NeighbourList build_neighbour_list_brute_force(const Structure& s, const NeighbourOptions& opt);

/// The neighbour list of a structure by a cell-list search: linear in the number of
/// atoms, parallel over atoms with oneTBB, identical to build_neighbour_list_brute_force
/// entry by entry and independent of the number of threads.
PESTLE_RUNTIME_INLINE NeighbourList build_neighbour_list(const Structure& s, const NeighbourOptions& opt);

}  // namespace pestle

// The definitions: inline by default, compiled once into pestle::runtime with PESTLE_COMPILED_RUNTIME
// (src/runtime/compile_neighbours.cpp), since nearly every unit builds neighbour lists.
#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/neighbours/impl/neighbour_list.hpp"
#endif
