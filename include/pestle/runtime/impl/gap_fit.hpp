#pragma once
// The GAP family, fitting: sparse Gaussian process regression (fit/gap_fit.hpp), written as QUIP XML.
#include <filesystem>
#include <memory>

#include "pestle/fit/gap_config.hpp"
#include "pestle/fit/gap_fit.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/runtime/calculators.hpp"
#include "pestle/runtime/fitting.hpp"

namespace pestle::runtime::detail {

PESTLE_RUNTIME_INLINE bool gap_owns_config(const nlohmann::json& j) { return model_key(j) == "gap"; }

PESTLE_RUNTIME_INLINE FittedModel gap_fit(const nlohmann::json& j, const std::filesystem::path& base_dir,
                                          const Dataset& data) {
  const GapFitConfig gc = parse_gap_fit_config(j, base_dir);
  const auto model = std::make_shared<const GapModel>(fit_gap(data, gc.settings));
  return {gap_calculator(GapPotential(*model)),
          [model](const std::filesystem::path& path, const nlohmann::json&) { io::write_gap_xml(*model, path.string()); }};
}

PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> gap_training(const nlohmann::json& j,
                                                                      const std::filesystem::path& base_dir) {
  return parse_gap_fit_config(j, base_dir).training;
}

}  // namespace pestle::runtime::detail
