#pragma once
// AceBasisSpec's one JSON form, the "descriptor" object of ACE fit configs and ACE model files:
//   {"type": "ace", "elements": ["Mo"], "cutoff": 5.2, "radial": "ChebExpCos", "lambda": 5.0,
//    "d_cut": 0.5, "ranks": {"1": {"n_max": 8}, "2": {"n_max": 6, "l_max": 4}, ...}, "l_weight": 2,
//    "bonds": {"In-P": {"cutoff": 5.0, "lambda": 1.5, "d_cut": 0.5}}}   (optional, per species pair)
// Every key is checked (core/json.hpp); docs/ace.md §5 has the degree bound.
#include <algorithm>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/json.hpp"
#include "pestle/descriptors/ace_coupling.hpp"

namespace pestle {

inline AceRadialKind ace_radial_from_name(const std::string& name) {
  for (AceRadialKind k : {AceRadialKind::cheb_exp_cos, AceRadialKind::cheb_pow, AceRadialKind::cheb_linear, AceRadialKind::sbessel})
    if (to_string(k) == name) return k;
  throw InputError("unknown ACE radial basis '" + name + "' (expected ChebExpCos, ChebPow, ChebLinear or SBessel)");
}

namespace detail::aceconfig {

using json = nlohmann::json;
using json_read::check_keys;
using json_read::get;

/// One rank of "descriptor.ranks": n_max and l_max bound n and l; max_degree (docs/ace.md §5) bounds
/// Σ (n + 1 + l_weight·l) and, where n_max or l_max is left out, sets the largest the degree allows.
inline void parse_rank(const json& r, int rank, const std::string& rw, AceBasisSpec& s) {
  const auto k = std::size_t(rank - 1);
  check_keys(r, rw, rank == 1 ? std::initializer_list<const char*>{"n_max", "max_degree"}
                              : std::initializer_list<const char*>{"n_max", "l_max", "max_degree"});
  const double degree = get(r, "max_degree", rw, 0.0);
  if (r.contains("max_degree") && !(degree >= double(rank) && degree <= 100.0))
    throw InputError(rw + ": max_degree must lie in [" + std::to_string(rank) + ", 100] (each factor has degree >= 1)");
  if (!r.contains("n_max") && !r.contains("max_degree")) throw InputError(rw + " needs \"n_max\" (or \"max_degree\")");
  if (rank > 1 && !r.contains("l_max") && !r.contains("max_degree")) throw InputError(rw + " needs \"l_max\" (or \"max_degree\")");
  const AceDegreeBox box = ace_degree_box(rank, degree, s.l_weight);
  s.max_degree[k] = degree;
  s.nmax[k] = r.contains("n_max") ? get(r, "n_max", rw, 0) : box.nmax;
  s.lmax[k] = rank == 1 ? 0 : r.contains("l_max") ? get(r, "l_max", rw, 0) : box.lmax;
  if (s.nmax[k] < 1 || s.nmax[k] > 30) throw InputError(rw + ": n_max must lie in 1..30");
  if (s.lmax[k] < 0 || s.lmax[k] > 10) throw InputError(rw + ": l_max must lie in 0..10");
}

/// One "bonds" entry: "A-B" (element symbols) → cutoff (required), lambda and d_cut (default: the spec's).
inline AceBondSpec parse_bond(const std::string& name, const json& b, const AceBasisSpec& s) {
  const std::string where = "\"descriptor.bonds." + name + "\"";
  const auto dash = name.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == name.size())
    throw InputError(where + ": a bond is named \"A-B\" by two element symbols");
  if (!b.is_object()) throw InputError(where + " must be an object");
  check_keys(b, where, {"cutoff", "lambda", "d_cut"});
  AceBondSpec bond;
  bond.z_a = atomic_number(name.substr(0, dash));
  bond.z_b = atomic_number(name.substr(dash + 1));
  for (int z : {bond.z_a, bond.z_b})
    if (!std::count(s.elements.begin(), s.elements.end(), z))
      throw InputError(where + ": " + std::string(element_symbol(z)) + " is not in \"descriptor.elements\"");
  if (!b.contains("cutoff")) throw InputError(where + " needs a \"cutoff\" (Å)");
  bond.rcut = get(b, "cutoff", where, s.rcut);
  bond.lambda = get(b, "lambda", where, s.lambda);
  bond.dcut = get(b, "d_cut", where, s.dcut);
  if (!(bond.rcut > 0.5) || bond.rcut > 20.0) throw InputError(where + ": cutoff must lie in (0.5, 20] Å");
  if (!(bond.lambda > 0.0) || !std::isfinite(bond.lambda)) throw InputError(where + ": lambda must be positive");
  if (!(bond.dcut > 0.0) || !(bond.dcut < bond.rcut)) throw InputError(where + ": d_cut must lie in (0, cutoff)");
  return bond;
}

inline void parse_bonds(const json& j, AceBasisSpec& s) {
  if (!j.is_object()) throw InputError("\"descriptor.bonds\" must be an object {\"A-B\": {...}}");
  for (const auto& [name, b] : j.items()) {
    AceBondSpec bond = parse_bond(name, b, s);
    for (const auto& other : s.bonds)
      if ((other.z_a == bond.z_a && other.z_b == bond.z_b) || (other.z_a == bond.z_b && other.z_b == bond.z_a))
        throw InputError("\"descriptor.bonds\": the pair " + name + " is given twice");
    s.bonds.push_back(bond);
  }
}

}  // namespace detail::aceconfig

/// The ACE basis specification of a "descriptor" object (fit configs and model files alike).
inline AceBasisSpec ace_spec_from_json(const nlohmann::json& j) {
  using namespace detail::aceconfig;
  const std::string where = "\"descriptor\"";
  check_keys(j, where, {"type", "elements", "cutoff", "radial", "lambda", "d_cut", "ranks", "l_weight", "bonds"});
  if (get<std::string>(j, "type", where, "") != "ace")
    throw InputError("an ACE model needs \"descriptor\": {\"type\": \"ace\", ...}");
  AceBasisSpec s;
  if (!j.contains("elements") || !j["elements"].is_array() || j["elements"].empty())
    throw InputError("\"descriptor\" needs \"elements\": [\"Symbol\", ...]");
  for (const auto& e : j["elements"]) {
    if (!e.is_string()) throw InputError("\"descriptor.elements\" must list element symbols");
    const int z = atomic_number(e.get<std::string>());
    if (std::count(s.elements.begin(), s.elements.end(), z)) throw InputError("element " + e.get<std::string>() + " listed twice");
    s.elements.push_back(z);
  }
  if (!j.contains("cutoff")) throw InputError("\"descriptor\" needs a \"cutoff\" (Å)");
  s.rcut = get(j, "cutoff", where, s.rcut);
  if (!(s.rcut > 0.5) || s.rcut > 20.0) throw InputError("\"descriptor.cutoff\" must lie in (0.5, 20] Å");
  s.radial = ace_radial_from_name(get<std::string>(j, "radial", where, "ChebExpCos"));
  s.lambda = get(j, "lambda", where, 5.0);
  s.dcut = get(j, "d_cut", where, 0.5);
  s.l_weight = get(j, "l_weight", where, s.l_weight);
  if (!(s.lambda > 0.0) || !std::isfinite(s.lambda)) throw InputError("\"descriptor.lambda\" must be positive");
  if (!(s.dcut > 0.0) || !(s.dcut < s.rcut)) throw InputError("\"descriptor.d_cut\" must lie in (0, cutoff)");
  if (!(s.l_weight > 0.0) || s.l_weight > 10.0) throw InputError("\"descriptor.l_weight\" must lie in (0, 10]");
  if (!j.contains("ranks") || !j["ranks"].is_object() || j["ranks"].empty())
    throw InputError("\"descriptor\" needs \"ranks\": {\"1\": {\"n_max\": N}, \"2\": {\"n_max\": N, \"l_max\": L}, ...}"
                     " (or {\"max_degree\": D} per rank)");
  const json& r = j["ranks"];
  const std::size_t nranks = r.size();
  if (nranks > 6) throw InputError("\"descriptor.ranks\": at most 6 ranks (body order 7)");
  s.nmax.assign(nranks, 0);
  s.lmax.assign(nranks, 0);
  s.max_degree.assign(nranks, 0.0);
  for (std::size_t k = 1; k <= nranks; ++k) {
    const std::string key = std::to_string(k), rw = "\"descriptor.ranks." + key + "\"";
    if (!r.contains(key)) throw InputError("\"descriptor.ranks\" must hold the ranks 1.." + std::to_string(nranks) + " (missing \"" + key + "\")");
    parse_rank(r[key], int(k), rw, s);
  }
  if (std::all_of(s.max_degree.begin(), s.max_degree.end(), [](double d) { return d <= 0.0; })) s.max_degree.clear();
  if (j.contains("bonds")) parse_bonds(j["bonds"], s);
  return s;
}


inline nlohmann::json ace_spec_to_json(const AceBasisSpec& s) {
  using nlohmann::json;
  json elements = json::array();
  for (int z : s.elements) elements.push_back(std::string(element_symbol(z)));
  json ranks = json::object();
  for (std::size_t r = 0; r < s.nmax.size(); ++r) {
    json rank = {{"n_max", s.nmax[r]}};
    if (r > 0) rank["l_max"] = s.lmax[r];
    if (r < s.max_degree.size() && s.max_degree[r] > 0.0) rank["max_degree"] = s.max_degree[r];
    ranks[std::to_string(r + 1)] = rank;
  }
  json j = {{"type", "ace"},      {"elements", elements}, {"cutoff", s.rcut}, {"radial", to_string(s.radial)},
            {"lambda", s.lambda}, {"d_cut", s.dcut},      {"ranks", ranks}};
  if (!s.max_degree.empty()) j["l_weight"] = s.l_weight;  // only a degree bound uses it
  if (!s.bonds.empty()) {
    json bonds = json::object();
    for (const auto& b : s.bonds)
      bonds[std::string(element_symbol(b.z_a)) + "-" + std::string(element_symbol(b.z_b))] = {{"cutoff", b.rcut}, {"lambda", b.lambda}, {"d_cut", b.dcut}};
    j["bonds"] = bonds;
  }
  return j;
}

}  // namespace pestle
