#pragma once
// Definitions of pestle/formats/eddp_json.hpp: inline in header-only use; compiled once in
// src/runtime/compile_formats.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/formats/eddp_json.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE EddpModelFile eddp_model_from_json(const nlohmann::json& j) {
  using namespace json_read;
  check_keys(j, "the EDDP model file", {"model", "species", "features", "members", "metadata"});
  if (j.value("model", std::string()) != "eddp") throw InputError("an EDDP model file needs \"model\": \"eddp\"");
  const std::vector<int> species = eddp_species_from_json(at(j, "species", ""), "\"species\"");
  EddpFeatureParams features = eddp_features_from_json(at(j, "features", ""), species);
  const std::size_t n = EddpFeatures(features).size();
  const nlohmann::json& list = at(j, "members", "");
  if (!list.is_array() || list.empty()) throw InputError("\"members\" must be a non-empty list");
  std::vector<EddpMember> members;
  std::vector<double> weights;
  for (std::size_t m = 0; m < list.size(); ++m) {
    const std::string where = "\"members\"[" + std::to_string(m) + "]";
    check_keys(list[m], where, {"weight", "networks"});
    weights.push_back(require<double>(list[m], "weight", where));
    const nlohmann::json& nets = at(list[m], "networks", where);
    if (!nets.is_array() || nets.size() != species.size())
      throw InputError(where + ".networks must hold one network per species");
    EddpMember member;
    for (std::size_t k = 0; k < nets.size(); ++k) {
      const std::string w = where + ".networks[" + std::to_string(k) + "]";
      check_keys(nets[k], w, {"sizes", "shift", "scale", "parameters"});
      const auto numbers = [&](const char* key) {
        try {
          return at(nets[k], key, w).get<std::vector<double>>();
        } catch (const nlohmann::json::exception&) {
          throw InputError(w + "." + key + " must be a list of numbers");
        }
      };
      std::vector<int> sizes;
      try {
        sizes = at(nets[k], "sizes", w).get<std::vector<int>>();
      } catch (const nlohmann::json::exception&) {
        throw InputError(w + ".sizes must be a list of integers");
      }
      if (sizes.empty() || std::size_t(sizes.front()) != n)
        throw InputError(w + ".sizes must start with the " + std::to_string(n) + " features");
      EddpNetwork net(sizes);
      const std::vector<double> theta = numbers("parameters"), shift = numbers("shift"), scale = numbers("scale");
      if (theta.size() != std::size_t(net.parameters().size()))
        throw InputError(w + ".parameters has " + std::to_string(theta.size()) + " numbers, the sizes need " +
                         std::to_string(net.parameters().size()));
      if (shift.size() != n || scale.size() != n) throw InputError(w + ": shift and scale need one number per feature");
      net.parameters() = Eigen::Map<const Eigen::VectorXd>(theta.data(), Eigen::Index(theta.size()));
      net.set_standardisation(Eigen::Map<const Eigen::VectorXd>(shift.data(), Eigen::Index(n)),
                              Eigen::Map<const Eigen::VectorXd>(scale.data(), Eigen::Index(n)));
      if (!net.parameters().allFinite() || !net.shift().allFinite() || !net.scale().allFinite())
        throw InputError(w + " holds a non-finite number");
      member.networks.push_back(std::move(net));
    }
    members.push_back(std::move(member));
  }
  return {features, EddpModel(species, n, std::move(members), std::move(weights))};
}

}  // namespace pestle
