#pragma once
// The registry's table and load_calculator (runtime/registry.hpp, runtime/load.hpp).
#include <array>
#include <filesystem>
#include <string>

#include "pestle/core/error.hpp"
#include "pestle/core/json.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/runtime/registry.hpp"
#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/runtime/impl/ace_fit.hpp"
#include "pestle/runtime/impl/ace_load.hpp"
#include "pestle/runtime/impl/gap_fit.hpp"
#include "pestle/runtime/impl/gap_load.hpp"
#include "pestle/runtime/impl/reference.hpp"
#include "pestle/runtime/impl/snap_fit.hpp"
#include "pestle/runtime/impl/snap_load.hpp"
#endif

namespace pestle::runtime {

PESTLE_RUNTIME_INLINE std::span<const ModelFamily> model_families() {
  using namespace detail;
  // SNAP last: a config without "model" is SNAP's.
  static const std::array<ModelFamily, 4> families{
      ModelFamily{"gap", ".xml (QUIP GAP)", ".xml", gap_owns_file, gap_load, gap_owns_config, gap_fit, gap_training},
      ModelFamily{"ace", ".json (ace_linear/ace), .ace, .yace", ".json", ace_owns_file, ace_load, ace_owns_config, ace_fit,
                  ace_training},
      ModelFamily{"reference", ".sw, .tersoff, .eam, .eam.alloy", "", reference_owns_file, reference_load, nullptr, nullptr,
                  nullptr},
      ModelFamily{"snap", ".json (snap/qsnap), .snapcoeff", ".json", snap_owns_file, snap_load, snap_owns_config, snap_fit,
                  snap_training}};
  return families;
}

PESTLE_RUNTIME_INLINE const ModelFamily& family_of_config(const nlohmann::json& config) {
  if (!config.is_object()) throw InputError("a fit config must be a JSON object");
  for (const ModelFamily& f : model_families())
    if (f.fittable() && f.owns_config(config)) return f;
  throw InputError("unknown \"model\" '" + detail::model_key(config) +
                   "' in the fit config (expected snap, qsnap, gap, ace_linear or ace)");
}

namespace detail {
inline const ModelFamily& family_of_file(const std::string& path, const nlohmann::json* document) {
  for (const ModelFamily& f : model_families())
    if (f.owns_file(path, document)) return f;
  std::string kinds;
  for (const ModelFamily& f : model_families()) kinds += (kinds.empty() ? "" : ", ") + std::string(f.file_types);
  throw InputError("'" + path + "': unknown model file type (expected " + kinds + ")");
}
}  // namespace detail

PESTLE_RUNTIME_INLINE const ModelFamily& family_of_file(const std::string& path) {
  if (!detail::ends_with(path, ".json")) return detail::family_of_file(path, nullptr);
  const nlohmann::json document = read_model_json_document(path);
  return detail::family_of_file(path, &document);
}

PESTLE_RUNTIME_INLINE CalculatorPtr load_calculator(const std::string& path) {
  if (!std::filesystem::exists(path)) throw InputError("cannot open model file '" + path + "': it does not exist");
  if (!detail::ends_with(path, ".json")) return detail::family_of_file(path, nullptr).load(path, nullptr);
  const nlohmann::json document = read_model_json_document(path);
  return detail::family_of_file(path, &document).load(path, &document);
}

}  // namespace pestle::runtime
