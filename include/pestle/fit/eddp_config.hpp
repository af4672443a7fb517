#pragma once
// The fit config of an EDDP ensemble (`pestle fit CONFIG` with "model": "eddp"; docs/eddp.md):
//
//   {"model": "eddp", "training": ["train.xyz"], "output": "model.json",
//    "species": ["Si"],                                       (default: the training data's)
//    "features": {"cutoff": 5.0, "two_body": 8, "three_body": 4, "p_min": 2.0, "p_max": 10.0},
//    "hidden": [16], "members": 8, "max_epochs": 400, "patience": 40, "validation_fraction": 0.2,
//    "spread_members": 3, "seed": 1}
//
// Energies only are fitted, as EDDPs are; forces and stresses in the files are ignored.
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/json.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/fit/eddp_train.hpp"
#include "pestle/formats/eddp_json.hpp"

namespace pestle {

struct EddpFitConfig {
  EddpTrainSettings settings;
  std::vector<std::filesystem::path> training;
};

inline EddpFitConfig parse_eddp_fit_config(const nlohmann::json& j, const std::filesystem::path& base_dir) {
  using namespace json_read;
  const std::string where = "the fit config";
  check_keys(j, where, {"model", "training", "output", "comment", "species", "features", "hidden", "members", "max_epochs",
                        "patience", "validation_fraction", "spread_members", "seed"});
  EddpFitConfig c;
  c.training = detail::config::training_files(j, base_dir);
  const std::vector<int> species = j.contains("species") ? eddp_species_from_json(j["species"], "\"species\"") : std::vector<int>{};
  if (j.contains("features")) {
    c.settings.features = eddp_features_from_json(j["features"], species.empty() ? std::vector<int>{1} : species);
    c.settings.features.species = species;  // empty: the data's, filled in by train_eddp
  } else {
    c.settings.features.species = species;
  }
  EddpTrainSettings& s = c.settings;
  s.hidden = get<std::vector<int>>(j, "hidden", where, s.hidden);
  s.members = get<int>(j, "members", where, s.members);
  s.max_epochs = get<int>(j, "max_epochs", where, s.max_epochs);
  s.patience = get<int>(j, "patience", where, s.patience);
  s.validation_fraction = get<double>(j, "validation_fraction", where, s.validation_fraction);
  s.spread_members = get<int>(j, "spread_members", where, s.spread_members);
  s.seed = get<std::uint64_t>(j, "seed", where, s.seed);
  s.validate();
  return c;
}

}  // namespace pestle
