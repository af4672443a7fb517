#pragma once
// The ACE family: pestle JSON models ("ace_linear", "ace"), pacemaker .ace and .yace files, and
// linear (fit/ace_fit.hpp) and nonlinear (fit/ace_nonlinear_run.hpp) fits.
#include <filesystem>
#include <memory>
#include <string>

#include "pestle/fit/ace_fit.hpp"
#include "pestle/fit/ace_nonlinear_run.hpp"
#include "pestle/fit/fit_metadata.hpp"
#include "pestle/formats/ace_file.hpp"
#include "pestle/formats/ace_model_json.hpp"
#include "pestle/formats/yace_file.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/model.hpp"
#include "pestle/runtime/registry.hpp"

namespace pestle::runtime::detail {

inline CalculatorPtr ace_calculator(AcePotential p) { return make_calculator(std::move(p), "ace"); }

inline bool ace_owns_file(const std::string& path, const nlohmann::json* document) {
  if (ends_with(path, ".ace") || ends_with(path, ".yace")) return true;
  return document && (is_ace_model_json(*document) || is_ace_nonlinear_model_json(*document));
}

inline CalculatorPtr ace_load(const std::string& path, const nlohmann::json* document) {
  if (ends_with(path, ".ace")) return ace_calculator(read_ace_potential(path));
  if (ends_with(path, ".yace")) return ace_calculator(read_yace_potential(path));
  if (document && is_ace_nonlinear_model_json(*document)) return ace_calculator(load_ace_nonlinear_model(path).potential());
  return ace_calculator(load_ace_linear_model(path).potential());
}

inline bool ace_owns_config(const nlohmann::json& j) { return is_ace_config(j); }

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

inline FittedModel ace_fit(const nlohmann::json& j, const std::filesystem::path& base_dir, const Dataset& data) {
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

inline std::vector<std::filesystem::path> ace_training(const nlohmann::json& j, const std::filesystem::path& base_dir) {
  return is_nonlinear_ace_config(j) ? parse_ace_nonlinear_config(j, base_dir).linear.training
                                    : parse_ace_fit_config(j, base_dir).training;
}

PESTLE_RUNTIME_INLINE const ModelFamily& ace_family() {
  static const ModelFamily family{"ace",         ".json (ace_linear/ace), .ace, .yace", ".json", ace_owns_file, ace_load,
                                  ace_owns_config, ace_fit,                             ace_training};
  return family;
}

}  // namespace pestle::runtime::detail
