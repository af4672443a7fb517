#pragma once
// The ACE family, fitting: linear (fit/ace_fit.hpp) and nonlinear (fit/ace_nonlinear_run.hpp) ACE.
#include <filesystem>
#include <memory>

#include "pestle/fit/ace_fit.hpp"
#include "pestle/fit/ace_nonlinear_run.hpp"
#include "pestle/fit/fit_metadata.hpp"
#include "pestle/formats/ace_model_json.hpp"
#include "pestle/runtime/impl/ace_calculator.hpp"
#include "pestle/runtime/model.hpp"
#include "pestle/runtime/registry.hpp"

namespace pestle::runtime::detail {

/// Nonlinear ACE inside a search or a loop: no checkpoint file (the caller's record is its checkpoint).
inline FittedModel ace_fit_nonlinear(const nlohmann::json& j, const std::filesystem::path& base_dir, const Dataset& data) {
  AceNonlinearFitConfig c = parse_ace_nonlinear_config(j, base_dir);
  c.checkpoint.clear();
  AceNonlinearFitReport report;
  const auto model = std::make_shared<const AceNonlinearModel>(fit_ace_nonlinear_config(c, data, &report));
  const nlohmann::json meta = {
      {"fit", {{"iterations", report.iterations}, {"loss", report.final_terms.loss}, {"kappa", c.loss.kappa}}}};
  return {ace_calculator(model->potential()), [model, meta](const std::filesystem::path& path, const nlohmann::json& search) {
            nlohmann::json m = meta;
            m["search"] = search;
            save_ace_nonlinear_model(path.string(), *model, m);
          }};
}

PESTLE_RUNTIME_INLINE FittedModel ace_fit(const nlohmann::json& j, const std::filesystem::path& base_dir,
                                          const Dataset& data) {
  if (is_nonlinear_ace_config(j)) return ace_fit_nonlinear(j, base_dir, data);
  const AceFitConfig ac = parse_ace_fit_config(j, base_dir);
  FitSummary summary;
  const auto model =
      std::make_shared<const AceLinearModel>(fit_ace_linear(ac.spec, data, ac.options, ac.smoothness, &summary));
  nlohmann::json meta = fit_metadata(ac.options, summary);
  meta["fit"]["smoothness"] = ac.smoothness;
  return {ace_calculator(model->potential()), [model, meta](const std::filesystem::path& path, const nlohmann::json& search) {
            nlohmann::json m = meta;
            m["search"] = search;
            save_ace_linear_model(path.string(), *model, m);
          }};
}

PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> ace_training(const nlohmann::json& j,
                                                                      const std::filesystem::path& base_dir) {
  return is_nonlinear_ace_config(j) ? parse_ace_nonlinear_config(j, base_dir).linear.training
                                    : parse_ace_fit_config(j, base_dir).training;
}

}  // namespace pestle::runtime::detail
