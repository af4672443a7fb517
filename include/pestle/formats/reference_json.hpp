#pragma once
// The "reference" block of pestle's model files and fit configs: a physical term the model is added
// to (docs/model-files.md, "Reference terms"). Today one kind, ZBL (reference/zbl.hpp):
//
//   "reference": {"zbl": {"inner": 4.0, "outer": 4.2, "elements": ["In", "P"]}}
//
// charges the atomic numbers of every pair of the listed elements; or, for charges of one's own
// (what a LAMMPS .snap file may give), "pairs": [{"elements": ["In", "P"], "charges": [49, 15]}, ...]
// instead of "elements". Models are written with "pairs", which holds any ZBL exactly.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/json.hpp"
#include "pestle/reference/zbl.hpp"

namespace pestle {

namespace detail::reference_json {

inline int element(const nlohmann::json& v, const std::string& where) {
  if (!v.is_string()) throw InputError(where + ": elements must be chemical symbols");
  const int z = find_atomic_number(v.get<std::string>());
  if (z == 0) throw InputError(where + ": '" + v.get<std::string>() + "' is not a chemical symbol");
  return z;
}

}  // namespace detail::reference_json

/// The ZBL term of a "zbl" object; InputError naming the key for anything missing, unknown or invalid.
inline Zbl zbl_from_json(const nlohmann::json& j, const std::string& where = "reference.zbl") {
  using namespace json_read;
  using detail::reference_json::element;
  check_keys(j, where, {"inner", "outer", "elements", "pairs"});
  if (j.contains("elements") == j.contains("pairs"))
    throw InputError(where + ": give either \"elements\" (charges = atomic numbers) or \"pairs\"");
  Zbl zbl(require<double>(j, "inner", where), require<double>(j, "outer", where));
  if (j.contains("elements")) {
    const auto& list = j["elements"];
    if (!list.is_array() || list.empty()) throw InputError(where + ".elements must be a non-empty list of symbols");
    std::vector<int> zs;
    for (const auto& e : list) zs.push_back(element(e, where + ".elements"));
    return Zbl::for_elements(zbl.inner(), zbl.outer(), zs);
  }
  const auto& pairs = j["pairs"];
  if (!pairs.is_array() || pairs.empty()) throw InputError(where + ".pairs must be a non-empty list");
  for (const auto& p : pairs) {
    const std::string pw = where + ".pairs";
    check_keys(p, pw, {"elements", "charges"});
    const auto& el = at(p, "elements", pw);
    const auto& q = at(p, "charges", pw);
    if (!el.is_array() || el.size() != 2 || !q.is_array() || q.size() != 2 || !q[0].is_number() || !q[1].is_number())
      throw InputError(pw + ": each pair needs \"elements\": [A, B] and \"charges\": [Z_A, Z_B]");
    zbl.set_pair({element(el[0], pw), element(el[1], pw), q[0].get<double>(), q[1].get<double>()});
  }
  return zbl;
}

/// The "zbl" object of a ZBL term, with every pair's charges.
inline nlohmann::json zbl_to_json(const Zbl& zbl) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const ZblPair& p : zbl.pairs())
    pairs.push_back({{"elements", {element_symbol(p.species_a), element_symbol(p.species_b)}},
                     {"charges", {p.charge_a, p.charge_b}}});
  return {{"inner", zbl.inner()}, {"outer", zbl.outer()}, {"pairs", pairs}};
}

/// The ZBL term of a "reference" block (the only kind so far).
inline Zbl reference_from_json(const nlohmann::json& j) {
  json_read::check_keys(j, "reference", {"zbl"});
  return zbl_from_json(json_read::at(j, "zbl", "reference"));
}

inline nlohmann::json reference_to_json(const Zbl& zbl) { return {{"zbl", zbl_to_json(zbl)}}; }

}  // namespace pestle
