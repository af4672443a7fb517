#pragma once
// The ACE family, reading: pestle JSON models ("ace_linear", "ace") and pacemaker .ace and .yace files.
#include <string>

#include "pestle/formats/ace_file.hpp"
#include "pestle/formats/ace_model_json.hpp"
#include "pestle/formats/yace_file.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/calculators.hpp"
#include "pestle/runtime/registry.hpp"

namespace pestle::runtime::detail {

PESTLE_RUNTIME_INLINE bool ace_owns_file(const std::string& path, const nlohmann::json* document) {
  if (ends_with(path, ".ace") || ends_with(path, ".yace")) return true;
  return document && (is_ace_model_json(*document) || is_ace_nonlinear_model_json(*document));
}

PESTLE_RUNTIME_INLINE CalculatorPtr ace_load(const std::string& path, const nlohmann::json* document) {
  if (ends_with(path, ".ace")) return ace_calculator(read_ace_potential(path));
  if (ends_with(path, ".yace")) return ace_calculator(read_yace_potential(path));
  if (document && is_ace_nonlinear_model_json(*document)) return ace_calculator(load_ace_nonlinear_model(path).potential());
  return ace_calculator(load_ace_linear_model(path).potential());
}

}  // namespace pestle::runtime::detail
