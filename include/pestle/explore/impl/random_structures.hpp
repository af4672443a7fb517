#pragma once
// Definitions of pestle/explore/random_structures.hpp: inline in header-only use; compiled once in
// src/runtime_fit/compile_fit_foundations.cpp with PESTLE_COMPILED_FIT (docs/architecture.md, "Compiled once").
#include "pestle/explore/random_structures.hpp"

namespace pestle::explore {

PESTLE_FIT_INLINE std::vector<CellComposition> RandomStructureParams::allowed_compositions() const {
  std::vector<CellComposition> out;
  if (!variable_composition()) {
    const int fu = formula_unit_size();
    if (fu < 1) return out;
    for (int u = (min_atoms + fu - 1) / fu; u * fu <= max_atoms; ++u) {
      CellComposition c;
      for (const auto& [z, n] : composition) c[z] = u * n;
      out.push_back(c);
    }
    return out;
  }
  std::vector<std::pair<int, std::pair<int, int>>> ranges(composition_range.begin(), composition_range.end());
  std::vector<int> count(ranges.size());
  for (std::size_t e = 0; e < ranges.size(); ++e) count[e] = ranges[e].second.first;
  while (true) {
    int total = 0;
    for (int n : count) total += n;
    if (total >= std::max(min_atoms, 1) && total <= max_atoms) {
      CellComposition c;
      for (std::size_t e = 0; e < ranges.size(); ++e)
        if (count[e] > 0) c[ranges[e].first] = count[e];
      out.push_back(c);
    }
    std::size_t e = ranges.size();
    while (e > 0 && count[e - 1] == ranges[e - 1].second.second) {
      count[e - 1] = ranges[e - 1].second.first;
      --e;
    }
    if (e == 0) break;
    ++count[e - 1];
  }
  return out;
}

PESTLE_FIT_INLINE void RandomStructureParams::check_packing(const CellComposition& atoms) const {
  const double v_min = cell_volume(atoms) * (1.0 - volume_spread);
  std::vector<std::vector<int>> groups;
  std::vector<int> all;
  for (const auto& [za, na] : atoms) {
    all.push_back(za);
    for (const auto& [zb, nb] : atoms)
      if (zb >= za) groups.push_back(za == zb ? std::vector<int>{za} : std::vector<int>{za, zb});
  }
  if (all.size() > 2) groups.push_back(all);
  for (const auto& g : groups) {
    int n = 0;
    double d = 1e300;
    for (int za : g) {
      n += atoms.at(za);
      for (int zb : g) d = std::min(d, separation(za, zb));
    }
    const double fill = n * std::numbers::pi * d * d * d / 6.0 / v_min;
    if (fill <= std::numbers::pi / std::sqrt(18.0)) continue;
    std::string names;
    for (int z : g) {  // appended piecewise: GCC 12 warns (-Wrestrict) on "literal" + string&& here
      if (!names.empty()) names += '+';
      names += element_symbol(z);
    }
    throw InputError("random structures: " + formula(atoms) + " cannot fit its cell: the " + std::to_string(n) + " " +
                     names + " atoms at minimum separation " + std::to_string(d) + " Å would fill " +
                     std::to_string(fill) + " of the smallest cell (" + std::to_string(v_min) +
                     " Å^3), more than the densest packing (0.74); lower the separation or raise volume_per_atom");
  }
}

PESTLE_FIT_INLINE Structure RandomStructureGenerator::generate(std::uint64_t k) const {
  using namespace detail::random;
  std::mt19937_64 rng(mix(seed_ ^ mix(k)));
  const RandomStructureParams& p = pick_set(rng);
  // One draw picks the cell composition (for a fixed formula: the number of formula units).
  const std::vector<CellComposition>& allowed = allowed_[static_cast<std::size_t>(&p - sets_.data())];
  const CellComposition& atoms = allowed[rng() % allowed.size()];
  std::vector<int> numbers;
  for (const auto& [z, n] : atoms) numbers.insert(numbers.end(), static_cast<std::size_t>(n), z);
  std::vector<Vec3> fractional;
  std::vector<int> placed;
  for (std::size_t attempt = 0; attempt < p.max_attempts; ++attempt) {
    const double v = p.cell_volume(atoms) * uniform(rng, 1.0 - p.volume_spread, 1.0 + p.volume_spread);
    const Mat3 cell = random_cell(p, v, rng);
    const bool inversion = uniform(rng) < p.symmetry_probability;
    if (!place_atoms(p, numbers, inversion, cell, rng, fractional, placed)) continue;
    Structure s;
    s.cell = cell;
    s.pbc = {true, true, true};
    for (std::size_t i = 0; i < fractional.size(); ++i) {
      Vec3 f = fractional[i];
      for (int a = 0; a < 3; ++a) f[a] -= std::floor(f[a]);
      s.add_atom(placed[i], s.cartesian(f));
    }
    return s;
  }
  throw InputError("random structures: could not place " + formula(atoms) + " (" + std::to_string(numbers.size()) +
                   " atoms) at " + std::to_string(p.cell_volume(atoms) / static_cast<double>(numbers.size())) +
                   " Å^3/atom with minimum separation " +
                   std::to_string(p.largest_separation()) + " Å after " + std::to_string(p.max_attempts) +
                   " cells; lower min_separation or raise volume_per_atom");
}

}  // namespace pestle::explore
