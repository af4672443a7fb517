#pragma once
// The registry of model families for fitting: the one place where a fit config's "model" becomes a
// fitter. `pestle fit`, cross-validation, the hyperparameter search and the RSS loop ask it instead
// of sniffing configs themselves. In the compiled mode it lives in pestle::runtime_fit, apart from
// the readers (runtime/registry.hpp, pestle::runtime).
//
//   family   fit config "model"          saved as
//   snap     "snap", "qsnap" (or none)   .json
//   gap      "gap"                       .xml (QUIP GAP, sparseX files beside it)
//   ace      "ace_linear"                .json (linear ACE)
//   ace      "ace"                       .json (nonlinear ACE; its own fitter and unit)
//   eddp     "eddp"                      .json (an EDDP ensemble; declared beside the table, runtime/impl/fitting.hpp)
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/dataset.hpp"
#include "pestle/core/error.hpp"
#include "pestle/runtime/api.hpp"
#include "pestle/runtime/calculator.hpp"
#include "pestle/runtime/registry.hpp"

namespace pestle::runtime {

/// A fitted model of any family.
struct FittedModel {
  CalculatorPtr calculator;
  /// Writes the model to `path` in its family's format; `search` (iteration, loss, errors, config)
  /// goes into the metadata of the JSON formats (GAP XML has no place for it).
  std::function<void(const std::filesystem::path& path, const nlohmann::json& search)> save;

  PotentialResult compute(const Structure& s) const { return calculator->compute(s); }
};

struct FitFamily {
  const char* name;             ///< "snap", "gap" or "ace": the family (runtime/registry.hpp) that reads the saved model
  const char* model_extension;  ///< file ending of a saved fit (".json", ".xml")
  /// Is this fit config the family's?
  bool (*owns_config)(const nlohmann::json& config);
  /// Fits the config (every key checked; relative paths against base_dir) on `data`.
  FittedModel (*fit)(const nlohmann::json& config, const std::filesystem::path& base_dir, const Dataset& data);
  /// The training files a config names.
  std::vector<std::filesystem::path> (*training_files)(const nlohmann::json& config, const std::filesystem::path& base_dir);
};

/// Every family that fits, in the order configs are matched.
PESTLE_RUNTIME_INLINE std::span<const FitFamily> fit_families();
/// The family that fits this config; InputError naming the known "model" values if none.
PESTLE_RUNTIME_INLINE const FitFamily& family_of_config(const nlohmann::json& config);

namespace detail {
// The families' fitters, one definition each, in runtime/impl/<family>_fit.hpp
// (compiled in src/runtime_fit/compile_fitting.cpp; the fitters themselves in the other units there).
PESTLE_RUNTIME_INLINE bool snap_owns_config(const nlohmann::json& config);
PESTLE_RUNTIME_INLINE FittedModel snap_fit(const nlohmann::json& config, const std::filesystem::path& base_dir, const Dataset& data);
PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> snap_training(const nlohmann::json& config, const std::filesystem::path& base_dir);
PESTLE_RUNTIME_INLINE bool gap_owns_config(const nlohmann::json& config);
PESTLE_RUNTIME_INLINE FittedModel gap_fit(const nlohmann::json& config, const std::filesystem::path& base_dir, const Dataset& data);
PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> gap_training(const nlohmann::json& config, const std::filesystem::path& base_dir);
PESTLE_RUNTIME_INLINE bool ace_owns_config(const nlohmann::json& config);
PESTLE_RUNTIME_INLINE FittedModel ace_fit(const nlohmann::json& config, const std::filesystem::path& base_dir, const Dataset& data);
PESTLE_RUNTIME_INLINE bool ace_nonlinear_owns_config(const nlohmann::json& config);
PESTLE_RUNTIME_INLINE FittedModel ace_nonlinear_fit(const nlohmann::json& config, const std::filesystem::path& base_dir, const Dataset& data);
PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> ace_training(const nlohmann::json& config, const std::filesystem::path& base_dir);
PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> ace_nonlinear_training(const nlohmann::json& config, const std::filesystem::path& base_dir);
}  // namespace detail

/// InputError unless the family's models can hold a "reference" block (its JSON formats can).
inline void require_reference_support(const FitFamily& family) {
  if (std::string(family.model_extension) != ".json")
    throw InputError(std::string("a \"reference\" term is saved inside pestle's JSON models; a ") + family.name +
                     " model is written as " + family.model_extension + " and cannot carry one");
}

/// Fits the model a config describes (the family is the config's). A "reference" block
/// (formats/reference_json.hpp) is taken out of the config first: the family fits the labels minus
/// the reference term, the model evaluates as fitted part + term, and saves the block with it (JSON
/// model families only).
PESTLE_RUNTIME_INLINE FittedModel fit_model(const nlohmann::json& config, const std::filesystem::path& base_dir,
                                            const Dataset& data);
/// The training files of a config of any family.
inline std::vector<std::filesystem::path> fit_config_training(const nlohmann::json& config,
                                                              const std::filesystem::path& base_dir) {
  nlohmann::json bare = config;  // the families' readers do not know the "reference" block
  bare.erase("reference");
  return family_of_config(bare).training_files(bare, base_dir);
}

}  // namespace pestle::runtime

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/runtime/impl/fitting.hpp"
#endif
