#pragma once
// Definitions of pestle/descriptors/ace_basis_json.hpp: inline in header-only use; compiled once in
// src/runtime/compile_foundations.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/descriptors/ace_basis_json.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE AceBasisSpec ace_spec_from_json(const nlohmann::json& j) {
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

PESTLE_RUNTIME_INLINE nlohmann::json ace_spec_to_json(const AceBasisSpec& s) {
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
