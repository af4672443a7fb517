#pragma once
// The EDDP family, reading: pestle JSON model files with "model": "eddp" (formats/eddp_json.hpp).
#include <string>

#include "pestle/formats/eddp_json.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/model.hpp"
#include "pestle/runtime/registry.hpp"

namespace pestle::runtime::detail {

PESTLE_RUNTIME_INLINE bool eddp_owns_file(const std::string&, const nlohmann::json* document) {
  return document && model_key(*document) == "eddp";
}

PESTLE_RUNTIME_INLINE CalculatorPtr eddp_load(const std::string& path, const nlohmann::json* document) {
  return make_calculator(load_eddp_model(*document, path), "eddp");
}

}  // namespace pestle::runtime::detail
