#pragma once
// The SNAP/qSNAP family: pestle JSON model files ("model": "snap"/"qsnap"), LAMMPS
// .snapcoeff/.snapparam pairs, and linear least-squares fits (fit/config.hpp).
#include <filesystem>
#include <memory>
#include <string>

#include "pestle/fit/config.hpp"
#include "pestle/fit/fit_metadata.hpp"
#include "pestle/formats/model_json.hpp"
#include "pestle/formats/snap_files.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/model.hpp"
#include "pestle/runtime/registry.hpp"

namespace pestle::runtime::detail {

inline CalculatorPtr snap_calculator(AnyPotential p) {
  std::string name(p.type_name());
  return make_calculator(std::move(p), std::move(name));
}

inline bool snap_owns_file(const std::string& path, const nlohmann::json* document) {
  if (ends_with(path, ".snapcoeff")) return true;
  if (!document) return false;
  const std::string m = model_key(*document);
  return m == "snap" || m == "qsnap";
}

inline CalculatorPtr snap_load(const std::string& path, const nlohmann::json*) {
  if (!ends_with(path, ".snapcoeff")) return snap_calculator(load_model(path));
  const std::string param = path.substr(0, path.size() - std::string(".snapcoeff").size()) + ".snapparam";
  if (!std::filesystem::exists(param)) throw InputError("'" + path + "' needs its parameter file '" + param + "' beside it");
  return snap_calculator(load_snap(path, param));
}

/// A SNAP config has "model": "snap" or "qsnap", or no "model" at all (the original default).
inline bool snap_owns_config(const nlohmann::json& j) {
  const std::string m = model_key(j);
  return j.is_object() && (m == "snap" || m == "qsnap" || !j.contains("model"));
}

inline FittedModel snap_fit(const nlohmann::json& j, const std::filesystem::path& base_dir, const Dataset& data) {
  const FitConfig fc = parse_fit_config(j, base_dir);
  FitSummary summary;
  const auto pot = std::make_shared<const AnyPotential>(fit_from_config(fc, data, &summary));
  const nlohmann::json meta = fit_metadata(fc.options, summary);
  const auto e0 = fc.options.design.reference_energies;
  return {snap_calculator(*pot), [pot, meta, e0](const std::filesystem::path& path, const nlohmann::json& search) {
            nlohmann::json m = meta;
            m["search"] = search;
            save_model(path.string(), *pot, m, e0);
          }};
}

inline std::vector<std::filesystem::path> snap_training(const nlohmann::json& j, const std::filesystem::path& base_dir) {
  return parse_fit_config(j, base_dir).training;
}

PESTLE_RUNTIME_INLINE const ModelFamily& snap_family() {
  static const ModelFamily family{"snap",        ".json (snap/qsnap), .snapcoeff", ".json", snap_owns_file, snap_load,
                                  snap_owns_config, snap_fit,                       snap_training};
  return family;
}

}  // namespace pestle::runtime::detail
