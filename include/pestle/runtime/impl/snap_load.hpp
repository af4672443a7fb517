#pragma once
// The SNAP/qSNAP family, reading: pestle JSON model files ("model": "snap"/"qsnap") and LAMMPS
// .snapcoeff/.snapparam pairs and .snap include files (SNAP, optionally overlaid on ZBL).
#include <filesystem>
#include <string>

#include "pestle/formats/model_json.hpp"
#include "pestle/formats/snap_files.hpp"
#include "pestle/formats/snap_include.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/calculators.hpp"
#include "pestle/runtime/model.hpp"
#include "pestle/runtime/overlay.hpp"
#include "pestle/runtime/registry.hpp"

namespace pestle::runtime::detail {

PESTLE_RUNTIME_INLINE bool snap_owns_file(const std::string& path, const nlohmann::json* document) {
  if (ends_with(path, ".snapcoeff") || ends_with(path, ".snap")) return true;
  if (!document) return false;
  const std::string m = model_key(*document);
  return m == "snap" || m == "qsnap";
}

/// A .snap file: its SNAP files, every element it names present in the coefficient file, and the
/// ZBL term overlaid when the file has one.
PESTLE_RUNTIME_INLINE CalculatorPtr snap_include_load(const std::string& path) {
  const SnapInclude inc = read_snap_include(path);
  AnyPotential snap = load_snap(inc.coeff_path, inc.param_path);
  const std::vector<int> covered = snap.elements();
  for (int z : inc.elements)
    if (std::find(covered.begin(), covered.end(), z) == covered.end())
      throw InputError("'" + path + "' maps an atom type to " + std::string(element_symbol(z)) + ", which '" +
                       inc.coeff_path + "' has no coefficients for");
  CalculatorPtr model = snap_calculator(std::move(snap));
  if (!inc.zbl) return model;
  return with_reference(std::move(model), make_calculator(*inc.zbl, "zbl"));
}

PESTLE_RUNTIME_INLINE CalculatorPtr snap_load(const std::string& path, const nlohmann::json*) {
  if (ends_with(path, ".snap")) return snap_include_load(path);
  if (!ends_with(path, ".snapcoeff")) return snap_calculator(load_model(path));
  const std::string param = path.substr(0, path.size() - std::string(".snapcoeff").size()) + ".snapparam";
  if (!std::filesystem::exists(param)) throw InputError("'" + path + "' needs its parameter file '" + param + "' beside it");
  return snap_calculator(load_snap(path, param));
}

}  // namespace pestle::runtime::detail
