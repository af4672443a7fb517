#pragma once
// pestle's EDDP model file (JSON; docs/eddp.md):
//
//   {"model": "eddp",
//    "species": ["B", ...],                                   feature blocks and networks in this order
//    "features": {"cutoff": 5.0, "two_body": 8, "three_body": 4, "p_min": 2.0, "p_max": 10.0},
//    "members": [{"weight": 0.31,
//                 "networks": [{"sizes": [n, 16, 1], "shift": [n], "scale": [n], "parameters": [θ]}, ...]}, ...],
//    "metadata": {...}}
//
// Every key is checked (core/json.hpp); the model's own constructor checks the shapes fit together.
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/json.hpp"
#include "pestle/descriptors/eddp_features.hpp"
#include "pestle/models/eddp.hpp"
#include "pestle/models/eddp_potential.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle {

inline nlohmann::json eddp_features_to_json(const EddpFeatureParams& p) {
  return {{"cutoff", p.cutoff}, {"two_body", p.two_body}, {"three_body", p.three_body}, {"p_min", p.p_min}, {"p_max", p.p_max}};
}

/// The "features" object (species come from the document's "species" list).
inline EddpFeatureParams eddp_features_from_json(const nlohmann::json& j, std::vector<int> species) {
  using namespace json_read;
  const std::string where = "\"features\"";
  check_keys(j, where, {"cutoff", "two_body", "three_body", "p_min", "p_max"});
  EddpFeatureParams p;
  p.species = std::move(species);
  p.cutoff = get<double>(j, "cutoff", where, p.cutoff);
  p.two_body = get<int>(j, "two_body", where, p.two_body);
  p.three_body = get<int>(j, "three_body", where, p.three_body);
  p.p_min = get<double>(j, "p_min", where, p.p_min);
  p.p_max = get<double>(j, "p_max", where, p.p_max);
  p.validate();
  return p;
}

inline nlohmann::json eddp_species_to_json(const std::vector<int>& species) {
  nlohmann::json list = nlohmann::json::array();
  for (int z : species) list.push_back(std::string(element_symbol(z)));
  return list;
}

inline std::vector<int> eddp_species_from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_array() || j.empty()) throw InputError(where + " must be a non-empty list of element symbols");
  std::vector<int> out;
  for (const auto& s : j) {
    if (!s.is_string()) throw InputError(where + " must list element symbols");
    out.push_back(atomic_number(s.get<std::string>()));
  }
  return out;
}

inline nlohmann::json eddp_model_to_json(const EddpFeatureParams& features, const EddpModel& model,
                                         const nlohmann::json& metadata = {}) {
  nlohmann::json members = nlohmann::json::array();
  for (std::size_t m = 0; m < model.members().size(); ++m) {
    nlohmann::json nets = nlohmann::json::array();
    for (const EddpNetwork& n : model.members()[m].networks) {
      const auto vec = [](const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
      nets.push_back({{"sizes", n.sizes()}, {"shift", vec(n.shift())}, {"scale", vec(n.scale())}, {"parameters", vec(n.parameters())}});
    }
    members.push_back({{"weight", model.weights()[m]}, {"networks", nets}});
  }
  nlohmann::json j{{"model", "eddp"},
                   {"species", eddp_species_to_json(model.species())},
                   {"features", eddp_features_to_json(features)},
                   {"members", members}};
  if (!metadata.is_null()) j["metadata"] = metadata;
  return j;
}

struct EddpModelFile {
  EddpFeatureParams features;
  EddpModel model;
};

PESTLE_RUNTIME_INLINE EddpModelFile eddp_model_from_json(const nlohmann::json& j);

inline void save_eddp_model(const std::string& path, const EddpFeatureParams& features, const EddpModel& model,
                            const nlohmann::json& metadata = {}) {
  std::ofstream out(path);
  if (!(out << eddp_model_to_json(features, model, metadata).dump(1) << '\n'))
    throw InputError("cannot write model file '" + path + "'");
}

inline EddpPotential load_eddp_model(const nlohmann::json& document, const std::string& path) {
  try {
    EddpModelFile f = eddp_model_from_json(document);
    return make_eddp_potential(f.features, std::move(f.model));
  } catch (const InputError& e) {
    throw InputError("model file '" + path + "': " + e.what());
  }
}

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/formats/impl/eddp_json.hpp"
#endif
