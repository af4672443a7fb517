#pragma once
// The registry of model families: the one place where a runtime name (a model file's type, a fit
// config's "model") becomes a type. Each family says which files and configs are its own and how
// to load, fit and save them; load_calculator, `pestle fit`, cross-validation, the hyperparameter
// search and the RSS loop all ask the registry instead of sniffing configs themselves.
//
//   family      model files                               fit config "model"
//   snap        .json ("snap"/"qsnap"), .snapcoeff         "snap", "qsnap" (or none)
//   gap         .xml (QUIP GAP)                            "gap"
//   ace         .json ("ace_linear"/"ace"), .ace, .yace    "ace_linear", "ace"
//   reference   .sw, .tersoff, .eam, .eam.alloy            (not fitted)
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/dataset.hpp"
#include "pestle/runtime/api.hpp"
#include "pestle/runtime/calculator.hpp"

namespace pestle::runtime {

/// A fitted model of any family.
struct FittedModel {
  CalculatorPtr calculator;
  /// Writes the model to `path` in its family's format; `search` (iteration, loss, errors, config)
  /// goes into the metadata of the JSON formats (GAP XML has no place for it).
  std::function<void(const std::filesystem::path& path, const nlohmann::json& search)> save;

  PotentialResult compute(const Structure& s) const { return calculator->compute(s); }
};

struct ModelFamily {
  const char* name;             ///< "snap", "gap", "ace" or "reference"
  const char* file_types;       ///< for messages, e.g. ".xml (QUIP GAP)"
  const char* model_extension;  ///< file ending of a saved fit (".json", ".xml"); "" if not fitted
  /// Is this model file the family's? `document` is the parsed JSON of a .json file, else null.
  bool (*owns_file)(const std::string& path, const nlohmann::json* document);
  CalculatorPtr (*load)(const std::string& path, const nlohmann::json* document);
  /// Is this fit config the family's? nullptr for families that are not fitted.
  bool (*owns_config)(const nlohmann::json& config);
  /// Fits the config (every key checked; relative paths against base_dir) on `data`.
  FittedModel (*fit)(const nlohmann::json& config, const std::filesystem::path& base_dir, const Dataset& data);
  /// The training files a config names.
  std::vector<std::filesystem::path> (*training_files)(const nlohmann::json& config, const std::filesystem::path& base_dir);

  bool fittable() const noexcept { return owns_config != nullptr; }
};

/// Every family, in the order files and configs are matched.
PESTLE_RUNTIME_INLINE std::span<const ModelFamily> model_families();
/// The family that fits this config; InputError naming the known "model" values if none.
PESTLE_RUNTIME_INLINE const ModelFamily& family_of_config(const nlohmann::json& config);
/// The family that reads this model file; InputError listing the known file types if none.
PESTLE_RUNTIME_INLINE const ModelFamily& family_of_file(const std::string& path);

namespace detail {
// The families' parts, one definition each: loading in runtime/impl/<family>_load.hpp, fitting in
// runtime/impl/<family>_fit.hpp (src/runtime/<family>_{load,fit}.cpp in the compiled mode, so that no
// translation unit holds both a family's readers and its fitter).
PESTLE_RUNTIME_INLINE bool snap_owns_file(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE CalculatorPtr snap_load(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE bool snap_owns_config(const nlohmann::json& config);
PESTLE_RUNTIME_INLINE FittedModel snap_fit(const nlohmann::json& config, const std::filesystem::path& base_dir, const Dataset& data);
PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> snap_training(const nlohmann::json& config, const std::filesystem::path& base_dir);
PESTLE_RUNTIME_INLINE bool gap_owns_file(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE CalculatorPtr gap_load(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE bool gap_owns_config(const nlohmann::json& config);
PESTLE_RUNTIME_INLINE FittedModel gap_fit(const nlohmann::json& config, const std::filesystem::path& base_dir, const Dataset& data);
PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> gap_training(const nlohmann::json& config, const std::filesystem::path& base_dir);
PESTLE_RUNTIME_INLINE bool ace_owns_file(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE CalculatorPtr ace_load(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE bool ace_owns_config(const nlohmann::json& config);
PESTLE_RUNTIME_INLINE FittedModel ace_fit(const nlohmann::json& config, const std::filesystem::path& base_dir, const Dataset& data);
PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> ace_training(const nlohmann::json& config, const std::filesystem::path& base_dir);
PESTLE_RUNTIME_INLINE bool reference_owns_file(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE CalculatorPtr reference_load(const std::string& path, const nlohmann::json* document);
}  // namespace detail

/// Fits the model a config describes (the family is the config's).
inline FittedModel fit_model(const nlohmann::json& config, const std::filesystem::path& base_dir, const Dataset& data) {
  return family_of_config(config).fit(config, base_dir, data);
}
/// The training files of a config of any family.
inline std::vector<std::filesystem::path> fit_config_training(const nlohmann::json& config,
                                                              const std::filesystem::path& base_dir) {
  return family_of_config(config).training_files(config, base_dir);
}

}  // namespace pestle::runtime

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/runtime/impl/registry.hpp"
#endif
