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
#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <tuple>
#include <vector>

#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"

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
inline double plane_spacing(const Mat3& cell, int a) {
  const Vec3 u = cell.row((a + 1) % 3), v = cell.row((a + 2) % 3);
  const Vec3 n = u.cross(v);
  return std::abs(cell.row(a).dot(n)) / n.norm();
}

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

}  // namespace detail

/// O(N² · images) reference search; the yardstick for the fast search in tests.
inline NeighbourList build_neighbour_list_brute_force(const Structure& s, const NeighbourOptions& opt) {
  s.validate();
  opt.validate();
  const std::size_t n = s.size();
  // Wrap positions into the cell along periodic axes; remember the integer shift so the
  // reported image refers to the original (unwrapped) positions.
  std::vector<Vec3> wrapped(s.positions);
  std::vector<std::array<int, 3>> shift(n, {0, 0, 0});
  std::array<int, 3> reach{0, 0, 0};
  if (s.any_periodic()) {
    Mat3 cell = s.cell;
    // open axes may have a zero vector: give them any orthogonal stand-in for fractional maths
    for (int a = 0; a < 3; ++a)
      if (!s.pbc[a] && cell.row(a).norm() == 0.0) {
        Vec3 u = cell.row((a + 1) % 3), v = cell.row((a + 2) % 3);
        Vec3 w = u.cross(v);
        if (w.norm() == 0.0) w = Vec3::Unit(a);
        cell.row(a) = w.normalized();
      }
    const Mat3 inv_t = cell.transpose().inverse();
    for (std::size_t i = 0; i < n; ++i) {
      const Vec3 f = inv_t * s.positions[i];
      for (int a = 0; a < 3; ++a)
        if (s.pbc[a]) {
          shift[i][a] = static_cast<int>(std::floor(f[a]));
          wrapped[i] -= shift[i][a] * Vec3(cell.row(a));
        }
    }
    for (int a = 0; a < 3; ++a)
      if (s.pbc[a]) reach[a] = static_cast<int>(std::ceil(opt.cutoff / detail::plane_spacing(cell, a)));
  }
  NeighbourList nl;
  nl.half = opt.half;
  nl.offsets.assign(1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const double rc = opt.cutoff_for(s.numbers[i], s.numbers[j]);
      for (int g0 = -reach[0]; g0 <= reach[0]; ++g0)
        for (int g1 = -reach[1]; g1 <= reach[1]; ++g1)
          for (int g2 = -reach[2]; g2 <= reach[2]; ++g2) {
            const Vec3 d = wrapped[j] + g0 * Vec3(s.cell.row(0)) + g1 * Vec3(s.cell.row(1)) +
                           g2 * Vec3(s.cell.row(2)) - wrapped[i];
            const double r = d.norm();
            if (r >= rc) continue;
            const std::array<int, 3> img{g0 - shift[j][0] + shift[i][0], g1 - shift[j][1] + shift[i][1],
                                         g2 - shift[j][2] + shift[i][2]};
            if (i == j && img == std::array<int, 3>{0, 0, 0}) continue;
            detail::check_overlap(r, i, static_cast<int>(j), opt);
            if (opt.half && (j < i || (j == i && !detail::positive_image(img)))) continue;
            nl.index.push_back(static_cast<int>(j));
            // recompute from the original positions so displacement is exact for them
            const Vec3 dd = s.positions[j] - s.positions[i] + img[0] * Vec3(s.cell.row(0)) +
                            img[1] * Vec3(s.cell.row(1)) + img[2] * Vec3(s.cell.row(2));
            nl.displacement.push_back(dd);
            nl.distance.push_back(dd.norm());
            nl.image.push_back(img);
          }
    }
    nl.offsets.push_back(nl.index.size());
  }
  return nl;
}

/// The neighbour list of a structure. (Currently the reference search; a cell-list
/// search with the same results replaces it.)
inline NeighbourList build_neighbour_list(const Structure& s, const NeighbourOptions& opt) {
  return build_neighbour_list_brute_force(s, opt);
}

}  // namespace pestle
