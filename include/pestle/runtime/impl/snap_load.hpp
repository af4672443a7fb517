#pragma once
// The SNAP/qSNAP family, reading: pestle JSON model files ("model": "snap"/"qsnap") and LAMMPS
// .snapcoeff/.snapparam pairs.
#include <filesystem>
#include <string>

#include "pestle/formats/model_json.hpp"
#include "pestle/formats/snap_files.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/calculators.hpp"
#include "pestle/runtime/registry.hpp"

namespace pestle::runtime::detail {

PESTLE_RUNTIME_INLINE bool snap_owns_file(const std::string& path, const nlohmann::json* document) {
  if (ends_with(path, ".snapcoeff")) return true;
  if (!document) return false;
  const std::string m = model_key(*document);
  return m == "snap" || m == "qsnap";
}

PESTLE_RUNTIME_INLINE CalculatorPtr snap_load(const std::string& path, const nlohmann::json*) {
  if (!ends_with(path, ".snapcoeff")) return snap_calculator(load_model(path));
  const std::string param = path.substr(0, path.size() - std::string(".snapcoeff").size()) + ".snapparam";
  if (!std::filesystem::exists(param)) throw InputError("'" + path + "' needs its parameter file '" + param + "' beside it");
  return snap_calculator(load_snap(path, param));
}

}  // namespace pestle::runtime::detail
