#pragma once
// Fitted models as JSON files (schema in docs/model-files.md):
//   {
//     "format": "pestle-model", "format_version": 1,
//     "model": "snap" | "qsnap",
//     "descriptor": {"type": "bispectrum", "twojmax": 6, "rcutfac": 4.6, "rfac0": 0.99363,
//                    "rmin0": 0.0, "switchflag": true, "bzeroflag": false, "bnormflag": false,
//                    "chemflag": false, "wselfallflag": false,   (optional on reading, default false)
//                    "elements": [{"element": "Mo", "radius": 0.5, "weight": 1.0}, ...]},
//     "coefficients": {"Mo": [β₀, β_1, ..., (α ...)], ...},
//     "reference_energies": {"Mo": -10.8},     (optional, informational: already inside β₀)
//     "metadata": {...}                         (optional: fit settings, training summary)
//   }
// Doubles are written with the shortest text that reads back bit-exactly. load_model()
// returns the closed AnyPotential variant of the SNAP family (models/snap.hpp).
// Missing keys, wrong types and unknown model types are InputErrors that name the key.
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/json.hpp"
#include "pestle/descriptors/bispectrum.hpp"
#include "pestle/models/snap.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle {

inline constexpr int model_format_version = 1;

namespace detail::modeljson {

using json = nlohmann::json;

inline const json& at(const json& j, const std::string& key, const std::string& where) {
  return json_read::at(j, key, where, "model file: ");
}

template <class T>
T get(const json& j, const std::string& key, const std::string& where) {
  return json_read::require<T>(j, key, where, "model file: ");
}

inline json params_to_json(const BispectrumParams& p) {
  json elements = json::array();
  for (const auto& e : p.elements)
    elements.push_back({{"element", std::string(element_symbol(e.z))}, {"radius", e.radius}, {"weight", e.weight}});
  return {{"type", "bispectrum"},       {"twojmax", p.twojmax},     {"rcutfac", p.rcutfac},
          {"rfac0", p.rfac0},             {"rmin0", p.rmin0},         {"switchflag", p.switchflag},
          {"bzeroflag", p.bzeroflag},     {"bnormflag", p.bnormflag}, {"chemflag", p.chemflag},
          {"wselfallflag", p.wselfallflag}, {"elements", elements}};
}

inline BispectrumParams params_from_json(const json& d) {
  const std::string type = get<std::string>(d, "type", "descriptor");
  if (type != "bispectrum") throw InputError("model file: unknown descriptor type '" + type + "'");
  BispectrumParams p;
  p.twojmax = get<int>(d, "twojmax", "descriptor");
  p.rcutfac = get<double>(d, "rcutfac", "descriptor");
  p.rfac0 = get<double>(d, "rfac0", "descriptor");
  p.rmin0 = get<double>(d, "rmin0", "descriptor");
  p.switchflag = get<bool>(d, "switchflag", "descriptor");
  p.bzeroflag = get<bool>(d, "bzeroflag", "descriptor");
  p.bnormflag = get<bool>(d, "bnormflag", "descriptor");
  // explicit multi-element SNAP: absent in files written before it existed, so optional
  for (auto [key, flag] : {std::pair{"chemflag", &p.chemflag}, std::pair{"wselfallflag", &p.wselfallflag}})
    if (d.contains(key)) *flag = get<bool>(d, key, "descriptor");
  const json& els = at(d, "elements", "descriptor");
  if (!els.is_array() || els.empty()) throw InputError("model file: 'descriptor.elements' must be a non-empty array");
  for (std::size_t k = 0; k < els.size(); ++k) {
    const std::string where = "descriptor.elements[" + std::to_string(k) + "]";
    p.elements.push_back({atomic_number(get<std::string>(els[k], "element", where)), get<double>(els[k], "radius", where),
                          get<double>(els[k], "weight", where)});
  }
  p.validate();
  return p;
}

}  // namespace detail::modeljson

/// JSON of a SNAP/qSNAP potential; metadata is stored verbatim under "metadata".
template <class M>
nlohmann::json model_to_json(const Potential<Bispectrum<dynamic>, M>& pot, const nlohmann::json& metadata = {},
                             const std::map<int, double>& reference_energies = {}) {
  using nlohmann::json;
  const BispectrumParams& p = pot.descriptor().params();
  json coefficients = json::object();
  for (std::size_t s = 0; s < pot.model().species().size(); ++s)
    coefficients[std::string(element_symbol(pot.model().species()[s]))] = pot.model().coefficients()[s];
  json j = {{"format", "pestle-model"},
            {"format_version", model_format_version},
            {"model", std::string(M::type_name)},
            {"descriptor", detail::modeljson::params_to_json(p)},
            {"coefficients", coefficients}};
  if (!reference_energies.empty()) {
    json e0 = json::object();
    for (const auto& [z, e] : reference_energies) e0[std::string(element_symbol(z))] = e;
    j["reference_energies"] = e0;
  }
  if (!metadata.is_null()) j["metadata"] = metadata;
  return j;
}

inline nlohmann::json model_to_json(const AnyPotential& pot, const nlohmann::json& metadata = {},
                                    const std::map<int, double>& reference_energies = {}) {
  return pot.visit([&](const auto& p) { return model_to_json(p, metadata, reference_energies); });
}

/// The potential described by a model JSON document.
PESTLE_RUNTIME_INLINE AnyPotential model_from_json(const nlohmann::json& j);

/// Reads a JSON model file; its "metadata" (or null) goes to *metadata if given.
inline AnyPotential load_model(const std::string& path, nlohmann::json* metadata = nullptr) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open model file '" + path + "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError("model file '" + path + "' is not valid JSON: " + e.what());
  }
  try {
    AnyPotential pot = model_from_json(j);
    if (metadata) *metadata = j.contains("metadata") ? j["metadata"] : nlohmann::json();
    return pot;
  } catch (const InputError& e) {
    throw InputError(path + ": " + e.what());
  }
}

/// Writes a model JSON file (pretty-printed).
template <class P>
void save_model(const std::string& path, const P& potential, const nlohmann::json& metadata = {},
                const std::map<int, double>& reference_energies = {}) {
  std::ofstream out(path);
  if (!(out << model_to_json(potential, metadata, reference_energies).dump(2) << '\n'))
    throw InputError("cannot write model file '" + path + "'");
}

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/formats/impl/model_json.hpp"
#endif
