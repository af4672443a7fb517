#pragma once
// The ACE family, fitting nonlinear ACE ("model": "ace"; fit/ace_nonlinear_run.hpp). Its own unit:
// the L-BFGS-B fit with the adjoint pass is the costliest code to compile.
#include <filesystem>
#include <memory>

#include "pestle/fit/ace_nonlinear_run.hpp"
#include "pestle/formats/ace_model_json.hpp"
#include "pestle/runtime/fitting.hpp"
#include "pestle/runtime/calculators.hpp"
#include "pestle/runtime/impl/common.hpp"

namespace pestle::runtime::detail {

PESTLE_RUNTIME_INLINE bool ace_nonlinear_owns_config(const nlohmann::json& j) { return model_key(j) == "ace"; }

/// Inside a search or a loop nonlinear ACE writes no checkpoint file (the caller's record is its checkpoint).
PESTLE_RUNTIME_INLINE FittedModel ace_nonlinear_fit(const nlohmann::json& j, const std::filesystem::path& base_dir,
                                                    const Dataset& data) {
  AceNonlinearFitConfig c = parse_ace_nonlinear_config(j, base_dir);
  c.checkpoint.clear();
  AceNonlinearFitReport report;
  const auto model = std::make_shared<const AceNonlinearModel>(fit_ace_nonlinear_config(c, data, &report));
  const nlohmann::json meta = {
      {"fit", {{"iterations", report.iterations}, {"loss", report.final_terms.loss}, {"kappa", c.loss.kappa}}}};
  return {ace_calculator(model->potential()),
          json_model_saver(meta, [model](const std::string& path, const nlohmann::json& m) {
            save_ace_nonlinear_model(path, *model, m);
          })};
}

PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> ace_nonlinear_training(const nlohmann::json& j,
                                                                                const std::filesystem::path& base_dir) {
  return parse_ace_nonlinear_config(j, base_dir).linear.training;
}

}  // namespace pestle::runtime::detail
