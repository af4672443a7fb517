#pragma once
// The EDDP family, fitting ("model": "eddp"; fit/eddp_train.hpp): an ensemble trained on energies.
#include <filesystem>
#include <iostream>
#include <memory>

#include "pestle/fit/eddp_config.hpp"
#include "pestle/formats/eddp_json.hpp"
#include "pestle/runtime/fitting.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/model.hpp"

namespace pestle::runtime::detail {

PESTLE_RUNTIME_INLINE bool eddp_owns_config(const nlohmann::json& j) { return model_key(j) == "eddp"; }

PESTLE_RUNTIME_INLINE FittedModel eddp_fit(const nlohmann::json& j, const std::filesystem::path& base_dir,
                                           const Dataset& data) {
  EddpFitConfig c = parse_eddp_fit_config(j, base_dir);
  EddpTrainReport report;
  EddpModel model = train_eddp(data, c.settings, &report, &std::cerr);
  EddpFeatureParams features = c.settings.features;
  features.species = model.species();
  nlohmann::json meta;
  meta["fit"] = {{"train_structures", report.train_structures},
                 {"validation_structures", report.validation_structures},
                 {"train_rmse_mev_per_atom", 1000.0 * report.ensemble_train_rmse},
                 {"validation_rmse_mev_per_atom", 1000.0 * report.ensemble_validation_rmse},
                 {"members_trained", report.members.size()},
                 {"members_kept", model.members().size()}};
  auto pot = std::make_shared<const EddpPotential>(make_eddp_potential(features, model));
  return {make_calculator(*pot, "eddp"), json_model_saver(meta, [pot](const std::string& path, const nlohmann::json& m) {
            EddpFeatureParams f = pot->descriptor().params();
            save_eddp_model(path, f, pot->model(), m);
          })};
}

PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> eddp_training(const nlohmann::json& j,
                                                                       const std::filesystem::path& base_dir) {
  return parse_eddp_fit_config(j, base_dir).training;
}

}  // namespace pestle::runtime::detail
