#pragma once
// Definitions of pestle/descriptors/distance_nb.hpp: inline in header-only use; compiled once in
// src/runtime/compile_foundations.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/descriptors/distance_nb.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE void DistanceNb::compact(const Structure& s, const NeighbourList& nl, const Member& centre,
                                               std::vector<std::array<Member, 3>>& out) const {
  if (!any_species_ && std::find(p_.Z.begin(), p_.Z.end(), centre.z) == p_.Z.end()) return;
  const std::size_t b = nl.begin(std::size_t(centre.atom)), e = nl.end(std::size_t(centre.atom));
  for (std::size_t p = b; p < e; ++p) {
    if (nl.distance[p] > p_.cutoff) continue;
    const Member m1 = neighbour(s, nl, p, centre);
    if (p_.order == 2) {
      std::array<Member, 3> c{centre, m1, m1};
      if (species_match(c)) out.push_back(c);
      continue;
    }
    for (std::size_t q = p + 1; q < e; ++q) {  // distinct entries are distinct images
      if (nl.distance[q] > p_.cutoff) continue;
      const Member m2 = neighbour(s, nl, q, centre);
      std::array<Member, 3> c{centre, m1, m2};
      if (distance_detail::member_before(c[2], c[1])) std::swap(c[1], c[2]);
      if (species_match(c)) out.push_back(c);
    }
  }
}

PESTLE_RUNTIME_INLINE void DistanceNb::connected(const Structure& s, const NeighbourList& nl, const Member& centre,
                                                 std::vector<std::array<Member, 3>>& out) const {
  const int i = centre.atom;
  std::vector<std::array<Member, 3>> found;
  for (std::size_t p = nl.begin(std::size_t(i)); p < nl.end(std::size_t(i)); ++p) {
    if (nl.distance[p] > p_.cutoff) continue;
    const Member a = neighbour(s, nl, p, centre);
    if (p_.order == 2) {
      std::array<Member, 3> c{centre, a, a};
      if (canonical(c, 2, i)) found.push_back(c);
      continue;
    }
    // third member: a neighbour of the centre or of a
    for (const Member* from : {&centre, &a}) {
      const auto fa = std::size_t(from->atom);
      for (std::size_t q = nl.begin(fa); q < nl.end(fa); ++q) {
        if (nl.distance[q] > p_.cutoff) continue;
        const Member b = neighbour(s, nl, q, *from);
        if (same(b, centre) || same(b, a)) continue;
        std::array<Member, 3> c{centre, a, b};
        if (canonical(c, 3, i)) found.push_back(c);
      }
    }
  }
  // order members by (species, index, image) and drop repeats of the same set
  for (auto& c : found) std::sort(c.begin(), c.begin() + p_.order, distance_detail::member_before);
  auto key = [](const Member& m) { return std::tie(m.atom, m.image); };
  std::sort(found.begin(), found.end(), [&](const auto& x, const auto& y) {
    return std::tie(x[0].z, x[0].atom, x[0].image, x[1].z, x[1].atom, x[1].image, x[2].z, x[2].atom, x[2].image) <
           std::tie(y[0].z, y[0].atom, y[0].image, y[1].z, y[1].atom, y[1].image, y[2].z, y[2].atom, y[2].image);
  });
  const int n = p_.order;
  auto equal = [&](const auto& x, const auto& y) {
    for (int k = 0; k < n; ++k)
      if (key(x[std::size_t(k)]) != key(y[std::size_t(k)])) return false;
    return true;
  };
  found.erase(std::unique(found.begin(), found.end(), equal), found.end());
  for (const auto& c : found)
    if (species_match(c)) out.push_back(c);
}

}  // namespace pestle
