#pragma once
// The SNAP/qSNAP family, fitting: linear least squares on the bispectrum (fit/config.hpp).
#include <filesystem>
#include <memory>
#include <string>

#include "pestle/fit/config.hpp"
#include "pestle/fit/fit_metadata.hpp"
#include "pestle/formats/model_json.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/calculators.hpp"
#include "pestle/runtime/fitting.hpp"

namespace pestle::runtime::detail {

/// A SNAP config has "model": "snap" or "qsnap", or no "model" at all (the original default).
PESTLE_RUNTIME_INLINE bool snap_owns_config(const nlohmann::json& j) {
  const std::string m = model_key(j);
  return j.is_object() && (m == "snap" || m == "qsnap" || !j.contains("model"));
}

PESTLE_RUNTIME_INLINE FittedModel snap_fit(const nlohmann::json& j, const std::filesystem::path& base_dir,
                                           const Dataset& data) {
  const FitConfig fc = parse_fit_config(j, base_dir);
  FitSummary summary;
  const auto pot = std::make_shared<const AnyPotential>(fit_from_config(fc, data, &summary));
  const nlohmann::json meta = fit_metadata(fc.options, summary);
  const auto e0 = fc.options.design.reference_energies;
  return {snap_calculator(*pot), json_model_saver(meta, [pot, e0](const std::string& path, const nlohmann::json& m) {
            save_model(path, *pot, m, e0);
          })};
}

PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> snap_training(const nlohmann::json& j,
                                                                       const std::filesystem::path& base_dir) {
  return parse_fit_config(j, base_dir).training;
}

}  // namespace pestle::runtime::detail
