#pragma once
// Convex hull of formation energies for variable-composition searches. Each point is a structure
// (its atoms per element and its energy, or enthalpy, per atom). The formation energy per atom is
// taken against the elemental end members, the lowest energy per atom of each pure element:
//
//   E_f = E/N - Σ_k x_k μ_k,   x_k = N_k / N,   μ_k = min over pure-k points of E/N
//
// The lower convex hull of (x, E_f) gives, at every composition x, the lowest energy any mixture of
// the points can reach: E_hull(x) = min Σ_i λ_i E_f,i over λ_i >= 0 with Σ λ_i x_i = x (Σ λ_i = 1
// follows because fractions sum to 1). The minimum of this linear programme lies on a vertex, where
// at most K points (K elements) carry weight and their compositions are affinely independent
// (Carathéodory), so it is found by trying every such set of up to K points whose simplex holds x.
// Only points with E_f <= 0 can be vertices (the end members already give E_hull <= 0), which keeps
// the enumeration small for binaries and ternaries. A point's energy above the hull is E_f - E_hull(x);
// it is on the hull when that is within `tolerance` (points inside a facet, e.g. collinear ones,
// count as on it). Formulas and file columns: docs/exploration.md, "Convex hull".
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "pestle/math/dense/qr.hpp"
#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/explore/random_structures.hpp"
#include "pestle/optimise/svg_plot.hpp"

namespace pestle::explore {

/// One structure of the hull: atoms per element and energy (or enthalpy) per atom, eV.
struct HullPoint {
  CellComposition atoms;
  double energy_per_atom = 0.0;
  std::string id;  ///< names the structure in the CSV (a frame number, a file name)
};

/// A point's place relative to the hull.
struct HullEntry {
  HullPoint point;
  std::vector<double> fractions;  ///< x_k in the order of ConvexHull::elements
  double formation_energy = 0.0;  ///< eV/atom against the end members
  double above_hull = 0.0;        ///< eV/atom, >= 0
  bool on_hull = false;
};

struct ConvexHull {
  std::vector<int> elements;           ///< ascending atomic numbers
  std::map<int, double> end_members;   ///< μ_k, eV/atom
  std::vector<HullEntry> entries;      ///< sorted by composition, then formation energy
  double tolerance = 1e-6;             ///< eV/atom

  /// The vertices of a binary hull (lowest on-hull point per composition), by fraction of elements[1].
  std::vector<const HullEntry*> binary_vertices() const {
    std::vector<const HullEntry*> v;
    for (const HullEntry& e : entries)
      if (e.on_hull && (v.empty() || std::abs(v.back()->fractions[1] - e.fractions[1]) > 1e-12)) v.push_back(&e);
    return v;
  }
};

namespace detail::hull {

inline std::vector<double> fractions(const CellComposition& atoms, const std::vector<int>& elements) {
  double total = 0.0;
  for (const auto& [z, n] : atoms) total += n;
  std::vector<double> x;
  for (int z : elements) x.push_back(atoms.count(z) ? atoms.at(z) / total : 0.0);
  return x;
}

/// The lowest E_f reachable at composition x from the candidate points (each a vertex option).
inline double hull_energy(const std::vector<double>& x, const std::vector<const HullEntry*>& candidates) {
  const std::size_t k = x.size();
  const Eigen::Map<const Eigen::VectorXd> target(x.data(), static_cast<Eigen::Index>(k));
  double best = std::numeric_limits<double>::infinity();
  std::vector<std::size_t> chosen;
  // Every set of up to k candidates, in increasing index order.
  auto visit = [&](auto&& self, std::size_t from) -> void {
    if (!chosen.empty()) {
      const auto m = static_cast<Eigen::Index>(chosen.size());
      Eigen::MatrixXd a(static_cast<Eigen::Index>(k), m);
      Eigen::VectorXd e(m);
      for (Eigen::Index c = 0; c < m; ++c) {
        const HullEntry& p = *candidates[chosen[static_cast<std::size_t>(c)]];
        for (std::size_t r = 0; r < k; ++r) a(static_cast<Eigen::Index>(r), c) = p.fractions[r];
        e[c] = p.formation_energy;
      }
      Eigen::VectorXd lambda;
      if (dense::qr_rank_and_solve(a, target, lambda) == m) {  // affinely independent compositions: a simplex
        if ((a * lambda - target).norm() < 1e-9 && lambda.minCoeff() > -1e-12) best = std::min(best, lambda.dot(e));
      } else {
        return;  // a dependent set stays dependent when points are added
      }
    }
    if (chosen.size() == k) return;
    for (std::size_t i = from; i < candidates.size(); ++i) {
      chosen.push_back(i);
      self(self, i + 1);
      chosen.pop_back();
    }
  };
  visit(visit, 0);
  return best;
}

}  // namespace detail::hull

/// The hull of `points` (two to four elements). InputError when an element has no pure point (no
/// end member), a point is empty or its energy is not finite.
inline ConvexHull convex_hull(const std::vector<HullPoint>& points, double tolerance = 1e-6) {
  ConvexHull h;
  h.tolerance = tolerance;
  for (const HullPoint& p : points) {
    int n = 0;
    for (const auto& [z, c] : p.atoms) {
      if (c < 0) throw InputError("convex hull: structure '" + p.id + "' has a negative atom count");
      n += c;
      if (c > 0 && std::find(h.elements.begin(), h.elements.end(), z) == h.elements.end()) h.elements.push_back(z);
    }
    if (n == 0) throw InputError("convex hull: structure '" + p.id + "' has no atoms");
    if (!std::isfinite(p.energy_per_atom)) throw InputError("convex hull: structure '" + p.id + "' has no finite energy");
  }
  std::sort(h.elements.begin(), h.elements.end());
  if (h.elements.size() < 2) throw InputError("convex hull: the structures hold fewer than two elements");
  if (h.elements.size() > 4) throw InputError("convex hull: more than four elements are not supported");
  for (const HullPoint& p : points) {
    const auto pure = std::count_if(p.atoms.begin(), p.atoms.end(), [](const auto& e) { return e.second > 0; });
    if (pure != 1) continue;
    const int z = std::find_if(p.atoms.begin(), p.atoms.end(), [](const auto& e) { return e.second > 0; })->first;
    if (!h.end_members.count(z) || p.energy_per_atom < h.end_members[z]) h.end_members[z] = p.energy_per_atom;
  }
  for (int z : h.elements)
    if (!h.end_members.count(z))
      throw InputError("convex hull: no structure of pure " + std::string(element_symbol(z)) +
                       " among the " + std::to_string(points.size()) + " structures: its end member is missing");
  for (const HullPoint& p : points) {
    HullEntry e;
    e.point = p;
    e.fractions = detail::hull::fractions(p.atoms, h.elements);
    e.formation_energy = p.energy_per_atom;
    for (std::size_t k = 0; k < h.elements.size(); ++k) e.formation_energy -= e.fractions[k] * h.end_members[h.elements[k]];
    h.entries.push_back(std::move(e));
  }
  std::stable_sort(h.entries.begin(), h.entries.end(), [](const HullEntry& a, const HullEntry& b) {
    if (a.fractions != b.fractions) return a.fractions < b.fractions;
    return a.formation_energy < b.formation_energy;
  });
  // Candidates: the lowest point of each composition, when at or below zero.
  std::vector<const HullEntry*> candidates;
  for (std::size_t i = 0; i < h.entries.size(); ++i) {
    const bool first_of_composition = i == 0 || h.entries[i].fractions != h.entries[i - 1].fractions;
    if (first_of_composition && h.entries[i].formation_energy <= tolerance) candidates.push_back(&h.entries[i]);
  }
  for (HullEntry& e : h.entries) {
    const double below = detail::hull::hull_energy(e.fractions, candidates);
    e.above_hull = std::max(0.0, e.formation_energy - std::min(below, 0.0));
    e.on_hull = e.above_hull <= tolerance;
  }
  return h;
}

/// The reduced formula of a composition ("SiC" for Si2C2), elements in atomic-number order.
inline std::string reduced_formula(const CellComposition& atoms) {
  int g = 0;
  for (const auto& [z, n] : atoms) g = std::gcd(g, n);
  CellComposition r;
  for (const auto& [z, n] : atoms)
    if (n > 0) r[z] = n / std::max(g, 1);
  return formula(r);
}

/// CSV: id, formula, atoms, x_<element>..., energy, formation energy, energy above hull, on_hull.
inline void write_hull_csv(const std::string& path, const ConvexHull& h) {
  std::ofstream out(path);
  out << "id,formula,atoms";
  for (int z : h.elements) out << ",x_" << element_symbol(z);
  out << ",energy_eV_per_atom,formation_energy_eV_per_atom,e_above_hull_eV_per_atom,on_hull\n";
  out.precision(10);
  for (const HullEntry& e : h.entries) {
    int n = 0;
    for (const auto& [z, c] : e.point.atoms) n += c;
    out << e.point.id << "," << formula(e.point.atoms) << "," << n;
    for (double x : e.fractions) out << "," << x;
    out << "," << e.point.energy_per_atom << "," << e.formation_energy << "," << e.above_hull << ","
        << (e.on_hull ? 1 : 0) << "\n";
  }
  if (!out) throw InputError("cannot write '" + path + "'");
}

/// The tie-lines of a hull: pairs of vertices (the lowest on-hull point of each composition) whose
/// segment lies on the hull surface, i.e. whose midpoint's hull energy is the mean of theirs. These
/// are the edges of the hull's facets (and, where facets are coplanar, their diagonals too).
inline std::vector<std::pair<const HullEntry*, const HullEntry*>> tie_lines(const ConvexHull& h) {
  std::vector<const HullEntry*> vertices;
  for (const HullEntry& e : h.entries) {
    if (!e.on_hull) continue;
    const bool seen = std::any_of(vertices.begin(), vertices.end(), [&](const HullEntry* v) { return v->fractions == e.fractions; });
    if (!seen) vertices.push_back(&e);
  }
  std::vector<std::pair<const HullEntry*, const HullEntry*>> lines;
  for (std::size_t a = 0; a < vertices.size(); ++a)
    for (std::size_t b = a + 1; b < vertices.size(); ++b) {
      std::vector<double> mid(h.elements.size());
      for (std::size_t k = 0; k < mid.size(); ++k) mid[k] = 0.5 * (vertices[a]->fractions[k] + vertices[b]->fractions[k]);
      const double mean = 0.5 * (vertices[a]->formation_energy + vertices[b]->formation_energy);
      if (detail::hull::hull_energy(mid, vertices) >= mean - h.tolerance) lines.emplace_back(vertices[a], vertices[b]);
    }
  return lines;
}

namespace detail::hull {

/// One ternary panel at (x0, 0): the composition triangle (elements[0] bottom left, [1] bottom right,
/// [2] top), the tie-lines, every point up to 1 eV/atom above the hull coloured by its energy above
/// the hull (blue 0 to red ≥ 0.2 eV/atom), the vertices black and named with their formation energy.
inline void ternary_panel(std::ostringstream& o, const std::string& title, const ConvexHull& h, double x0) {
  const double side = 380, left = x0 + 40, base = 400;
  auto X = [&](const std::vector<double>& f) { return left + side * (f[1] + 0.5 * f[2]); };
  auto Y = [&](const std::vector<double>& f) { return base - side * std::sqrt(3.0) / 2 * f[2]; };
  o << "<text x='" << left + side / 2 << "' y='22' text-anchor='middle' font-size='14'>" << title << "</text>\n";
  const std::vector<std::vector<double>> corners = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  o << "<polygon points='";
  for (const auto& c : corners) o << X(c) << "," << Y(c) << " ";
  o << "' fill='none' stroke='black'/>\n";
  const double dx[] = {-14, 14, 0}, dy[] = {16, 16, -8};
  for (std::size_t k = 0; k < 3; ++k)
    o << "<text x='" << X(corners[k]) + dx[k] << "' y='" << Y(corners[k]) + dy[k] << "' text-anchor='middle' font-size='13'>"
      << element_symbol(h.elements[k]) << "</text>\n";
  for (const auto& [a, b] : tie_lines(h))
    o << "<line x1='" << X(a->fractions) << "' y1='" << Y(a->fractions) << "' x2='" << X(b->fractions) << "' y2='"
      << Y(b->fractions) << "' stroke='#555555' class='tie-line'/>\n";
  for (const HullEntry& e : h.entries) {
    if (e.on_hull || e.above_hull > 1.0) continue;
    const double t = std::min(1.0, e.above_hull / 0.2);
    o << "<circle cx='" << X(e.fractions) << "' cy='" << Y(e.fractions) << "' r='3' fill='rgb(" << int(255 * t) << ",60,"
      << int(255 * (1 - t)) << ")' class='above-hull'/>\n";
  }
  for (const HullEntry& e : h.entries) {
    if (!e.on_hull) continue;
    o << "<circle cx='" << X(e.fractions) << "' cy='" << Y(e.fractions) << "' r='4' fill='black' class='vertex'/>\n";
    if (e.formation_energy < -h.tolerance)
      o << "<text x='" << X(e.fractions) + 6 << "' y='" << Y(e.fractions) - 6 << "' font-size='10'>"
        << reduced_formula(e.point.atoms) << " " << std::lround(1000.0 * e.formation_energy) << "</text>\n";
  }
  o << "<text x='" << left << "' y='" << base + 36 << "' font-size='10'>vertices: formula and formation energy (meV/atom); "
    << "others coloured by energy above the hull, 0 blue to 200+ meV/atom red</text>\n";
}

}  // namespace detail::hull

/// SVG of ternary hulls on the same elements, one composition triangle per hull side by side.
inline void write_ternary_hull_svg(const std::string& path, const std::vector<std::pair<std::string, ConvexHull>>& hulls) {
  const double width = 460;
  std::ostringstream o;
  o << "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' width='" << width * hulls.size()
    << "' height='460' font-family='sans-serif'>\n<rect width='100%' height='100%' fill='white'/>\n";
  for (std::size_t k = 0; k < hulls.size(); ++k)
    detail::hull::ternary_panel(o, "Convex hull, " + hulls[k].first, hulls[k].second, width * double(k));
  o << "</svg>\n";
  std::ofstream out(path);
  if (!(out << o.str())) throw InputError("cannot write '" + path + "'");
}

/// SVG of one or more hulls on the same elements (labels name them: "model", "Tersoff"). Binary:
/// the points up to 1 eV/atom above their hull (higher ones would flatten the plot) and the hull
/// line, formation energy (meV/atom) against the fraction of the heavier element, all hulls on one
/// plot. Ternary: write_ternary_hull_svg. InputError for four elements.
inline void write_hull_svg(const std::string& path, const std::vector<std::pair<std::string, ConvexHull>>& hulls) {
  if (hulls.empty()) throw InputError("hull plot: no hull given");
  const std::vector<int>& el = hulls.front().second.elements;
  for (const auto& [name, h] : hulls)
    if (h.elements != el) throw InputError("hull plot: the hulls do not share their elements");
  if (el.size() == 3) return write_ternary_hull_svg(path, hulls);
  if (el.size() != 2) throw InputError("hull plot: only binary and ternary hulls are plotted (this one has " +
                                       std::to_string(el.size()) + " elements)");
  const std::string a(element_symbol(el[0])), b(element_symbol(el[1]));
  optimise::svg::Panel panel{"Convex hull " + a + "–" + b, "x (" + b + " fraction)", "formation energy (meV/atom)",
                             false, false, {}};
  const char* colours[][2] = {{"#9ecae1", "#1f77b4"}, {"#fdae6b", "#d62728"}, {"#a1d99b", "#2ca02c"}};
  for (std::size_t k = 0; k < hulls.size(); ++k) {
    const ConvexHull& h = hulls[k].second;
    if (h.elements != el) throw InputError("hull plot: the hulls do not share their elements");
    optimise::svg::Series points{hulls[k].first + " structures", {}, {}, colours[k % 3][0], optimise::svg::Style::points};
    optimise::svg::Series line{hulls[k].first + " hull", {}, {}, colours[k % 3][1], optimise::svg::Style::line};
    for (const HullEntry& e : h.entries) {
      if (e.above_hull > 1.0) continue;
      points.x.push_back(e.fractions[1]);
      points.y.push_back(1000.0 * e.formation_energy);
    }
    for (const HullEntry* v : h.binary_vertices()) {
      line.x.push_back(v->fractions[1]);
      line.y.push_back(1000.0 * v->formation_energy);
    }
    panel.series.push_back(std::move(points));
    panel.series.push_back(std::move(line));
  }
  optimise::svg::write(path, {panel});
}

}  // namespace pestle::explore
