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
#include "pestle/core/compiled.hpp"

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
PESTLE_RUNTIME_INLINE AceBasisSpec ace_spec_from_json(const nlohmann::json& j);


PESTLE_RUNTIME_INLINE nlohmann::json ace_spec_to_json(const AceBasisSpec& s);

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/descriptors/impl/ace_basis_json.hpp"
#endif
