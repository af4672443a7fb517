#pragma once
// The fitters' table (runtime/fitting.hpp).
#include <array>
#include <fstream>

#include "pestle/core/error.hpp"
#include "pestle/core/json.hpp"
#include "pestle/fit/reference_labels.hpp"
#include "pestle/formats/reference_json.hpp"
#include "pestle/runtime/fitting.hpp"
#include "pestle/runtime/model.hpp"
#include "pestle/runtime/overlay.hpp"
#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/runtime/impl/ace_fit.hpp"
#include "pestle/runtime/impl/ace_nonlinear_fit.hpp"
#include "pestle/runtime/impl/eddp_fit.hpp"
#include "pestle/runtime/impl/gap_fit.hpp"
#include "pestle/runtime/impl/snap_fit.hpp"
#endif

namespace pestle::runtime {

namespace detail {
// The EDDP family's fitter (runtime/impl/eddp_fit.hpp), declared here rather than in
// runtime/fitting.hpp: only this table needs it.
PESTLE_RUNTIME_INLINE bool eddp_owns_config(const nlohmann::json& config);
PESTLE_RUNTIME_INLINE FittedModel eddp_fit(const nlohmann::json& config, const std::filesystem::path& base_dir, const Dataset& data);
PESTLE_RUNTIME_INLINE std::vector<std::filesystem::path> eddp_training(const nlohmann::json& config, const std::filesystem::path& base_dir);
}  // namespace detail

PESTLE_RUNTIME_INLINE std::span<const FitFamily> fit_families() {
  using namespace detail;
  // SNAP last: a config without "model" is SNAP's.
  static const std::array<FitFamily, 5> families{
      FitFamily{"gap", ".xml", gap_owns_config, gap_fit, gap_training},
      FitFamily{"eddp", ".json", eddp_owns_config, eddp_fit, eddp_training},
      FitFamily{"ace", ".json", ace_owns_config, ace_fit, ace_training},
      FitFamily{"ace", ".json", ace_nonlinear_owns_config, ace_nonlinear_fit, ace_nonlinear_training},
      FitFamily{"snap", ".json", snap_owns_config, snap_fit, snap_training}};
  return families;
}

PESTLE_RUNTIME_INLINE const FitFamily& family_of_config(const nlohmann::json& config) {
  if (!config.is_object()) throw InputError("a fit config must be a JSON object");
  for (const FitFamily& f : fit_families())
    if (f.owns_config(config)) return f;
  throw InputError("unknown \"model\" '" + model_key(config) +
                   "' in the fit config (expected snap, qsnap, gap, ace_linear, ace or eddp)");
}

namespace detail {

/// `write` then the "reference" block added to the JSON model file it wrote.
inline auto saver_with_reference(std::function<void(const std::filesystem::path&, const nlohmann::json&)> write,
                                 nlohmann::json reference) {
  return [write = std::move(write), reference = std::move(reference)](const std::filesystem::path& path,
                                                                       const nlohmann::json& search) {
    write(path, search);
    nlohmann::json model = read_model_json_document(path.string());
    model["reference"] = reference;
    std::ofstream out(path);
    out << model.dump(1) << '\n';
    if (!out) throw InputError("cannot write '" + path.string() + "'");
  };
}

}  // namespace detail

PESTLE_RUNTIME_INLINE FittedModel fit_model(const nlohmann::json& config, const std::filesystem::path& base_dir,
                                            const Dataset& data) {
  const FitFamily& family = family_of_config(config);
  if (!config.contains("reference")) return family.fit(config, base_dir, data);
  require_reference_support(family);
  const Zbl zbl = reference_from_json(config["reference"]);
  nlohmann::json bare = config;
  bare.erase("reference");
  FittedModel fitted = family.fit(bare, base_dir, subtract_reference(data, zbl));
  return {with_reference(fitted.calculator, make_calculator(zbl, "zbl")),
          detail::saver_with_reference(std::move(fitted.save), reference_to_json(zbl))};
}

}  // namespace pestle::runtime
