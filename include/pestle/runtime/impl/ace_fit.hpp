#pragma once
// The ACE family, fitting linear ACE ("model": "ace_linear"; fit/ace_fit.hpp).
#include <filesystem>
#include <memory>

#include "pestle/fit/ace_fit.hpp"
#include "pestle/fit/fit_metadata.hpp"
#include "pestle/formats/ace_model_json.hpp"
#include "pestle/runtime/fitting.hpp"
#include "pestle/runtime/calculators.hpp"
#include "pestle/runtime/impl/common.hpp"

namespace pestle::runtime::detail {

PESTLE_RUNTIME_INLINE bool ace_owns_config(const nlohmann::json& j) { return model_key(j) == "ace_linear"; }

PESTLE_RUNTIME_INLINE FittedModel ace_fit(const nlohmann::json& j, const std::filesystem::path& base_dir,
                                          const Dataset& data) {
  const AceFitConfig ac = parse_ace_fit_config(j, base_dir);
  FitSummary summary;
  const auto model =
      std::make_shared<const AceLinearModel>(fit_ace_linear(ac.spec, data, ac.options, ac.smoothness, &summary));
  nlohmann::json meta = fit_metadata(ac.options, summary);
  meta["fit"]["smoothness"] = ac.smoothness;
  return {ace_calculator(model->potential()),
          json_model_saver(meta, [model](const std::string& path, const nlohmann::json& m) {
            save_ace_linear_model(path, *model, m);
          })};
}

PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> ace_training(const nlohmann::json& j,
                                                                      const std::filesystem::path& base_dir) {
  return parse_ace_fit_config(j, base_dir).training;
}

}  // namespace pestle::runtime::detail
