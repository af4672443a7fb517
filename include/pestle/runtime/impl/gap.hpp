#pragma once
// The GAP family: QUIP GAP XML files (with their sparseX files) and sparse GP fits (fit/gap_fit.hpp).
#include <filesystem>
#include <memory>
#include <string>

#include "pestle/fit/gap_config.hpp"
#include "pestle/fit/gap_fit.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/model.hpp"
#include "pestle/runtime/registry.hpp"

namespace pestle::runtime::detail {

inline bool gap_owns_file(const std::string& path, const nlohmann::json*) { return ends_with(path, ".xml"); }

inline CalculatorPtr gap_load(const std::string& path, const nlohmann::json*) {
  return make_calculator(io::read_gap_potential(path), "gap");
}

inline bool gap_owns_config(const nlohmann::json& j) { return model_key(j) == "gap"; }

inline FittedModel gap_fit(const nlohmann::json& j, const std::filesystem::path& base_dir, const Dataset& data) {
  const GapFitConfig gc = parse_gap_fit_config(j, base_dir);
  const auto model = std::make_shared<const GapModel>(fit_gap(data, gc.settings));
  return {make_calculator(GapPotential(*model), "gap"),
          [model](const std::filesystem::path& path, const nlohmann::json&) { io::write_gap_xml(*model, path.string()); }};
}

inline std::vector<std::filesystem::path> gap_training(const nlohmann::json& j, const std::filesystem::path& base_dir) {
  return parse_gap_fit_config(j, base_dir).training;
}

PESTLE_RUNTIME_INLINE const ModelFamily& gap_family() {
  static const ModelFamily family{"gap", ".xml (QUIP GAP)", ".xml", gap_owns_file, gap_load, gap_owns_config, gap_fit,
                                  gap_training};
  return family;
}

}  // namespace pestle::runtime::detail
