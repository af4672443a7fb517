#pragma once
// Neighbour lists that a host code already has (LAMMPS's full list, an MD code's Verlet list), read
// through a small duck-typed adaptor instead of searched again; the role of nanoflann's dataset
// adaptor or ML-PACE's compute_atom(i, x, type, jnum, jlist).
//
// A NeighbourSource names, for every centre atom i < centres(), count(i) neighbour atoms
// neighbour(i, k), indices into the same Structure (a domain-decomposed host lists its ghost atoms as
// separate atoms, so no periodic image is involved). The list may hold atoms beyond the cutoff (a
// Verlet skin): neighbour_list_from keeps those with 0 < |r_j − r_i| < cutoff and sorts each row by j,
// which is the order build_neighbour_list gives the same non-periodic structure, so a potential
// evaluated on either list gives the same numbers.
#include <algorithm>
#include <concepts>
#include <cstddef>
#include <string>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

template <class N>
concept NeighbourSource = requires(const N& n, std::size_t i, std::size_t k) {
  { n.centres() } -> std::convertible_to<std::size_t>;
  { n.count(i) } -> std::convertible_to<std::size_t>;
  { n.neighbour(i, k) } -> std::convertible_to<std::size_t>;
};

/// pestle's full neighbour list of the first host.centres() atoms of a non-periodic structure s,
/// from the host's list (rows of the other atoms are empty). InputError for an index outside s, an
/// open-boundary requirement broken (periodic s) or two atoms closer than opt.overlap_distance.
template <NeighbourSource N>
NeighbourList neighbour_list_from(const Structure& s, const N& host, const NeighbourOptions& opt) {
  opt.validate();
  if (s.pbc[0] || s.pbc[1] || s.pbc[2])
    throw InputError("a host neighbour list needs a non-periodic structure (periodic images as separate atoms)");
  const std::size_t centres = host.centres();
  if (centres > s.size())
    throw InputError("the host neighbour list has " + std::to_string(centres) + " centres but the structure " +
                     std::to_string(s.size()) + " atoms");
  // Each centre's row: kept neighbours sorted by index, filled in parallel into per-atom buffers.
  std::vector<std::vector<std::size_t>> rows(centres);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, centres, 64), [&](const auto& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      std::vector<std::size_t>& row = rows[i];
      row.clear();
      const std::size_t n = host.count(i);
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t j = host.neighbour(i, k);
        if (j >= s.size())
          throw InputError("host neighbour list: atom " + std::to_string(i) + " has neighbour " + std::to_string(j) +
                           ", beyond the " + std::to_string(s.size()) + " atoms");
        if (j == i) continue;
        const double d = (s.positions[j] - s.positions[i]).norm();
        if (d < opt.overlap_distance)
          throw InputError("atoms " + std::to_string(i) + " and " + std::to_string(j) + " overlap (" + std::to_string(d) +
                           " Å apart)");
        if (d < opt.cutoff_for(s.numbers[i], s.numbers[j])) row.push_back(j);
      }
      std::sort(row.begin(), row.end());
    }
  });
  NeighbourList nl;
  nl.half = false;
  nl.offsets.assign(s.size() + 1, 0);
  for (std::size_t i = 0; i < s.size(); ++i) nl.offsets[i + 1] = nl.offsets[i] + (i < centres ? rows[i].size() : 0);
  const std::size_t pairs = nl.offsets.back();
  nl.index.resize(pairs);
  nl.displacement.resize(pairs);
  nl.distance.resize(pairs);
  nl.image.assign(pairs, {0, 0, 0});
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, centres, 64), [&](const auto& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      std::size_t e = nl.offsets[i];
      for (std::size_t j : rows[i]) {
        nl.index[e] = static_cast<int>(j);
        nl.displacement[e] = s.positions[j] - s.positions[i];
        nl.distance[e] = nl.displacement[e].norm();
        ++e;
      }
    }
  });
  return nl;
}

}  // namespace pestle
