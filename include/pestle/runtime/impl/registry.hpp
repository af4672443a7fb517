#pragma once
// The readers' table and load_calculator (runtime/registry.hpp, runtime/load.hpp).
#include <array>
#include <filesystem>
#include <string>

#include "pestle/core/error.hpp"
#include "pestle/core/json.hpp"
#include "pestle/formats/reference_json.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/runtime/model.hpp"
#include "pestle/runtime/overlay.hpp"
#include "pestle/runtime/registry.hpp"
#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/runtime/impl/ace_load.hpp"
#include "pestle/runtime/impl/eddp_load.hpp"
#include "pestle/runtime/impl/gap_load.hpp"
#include "pestle/runtime/impl/reference.hpp"
#include "pestle/runtime/impl/snap_load.hpp"
#endif

namespace pestle::runtime {

namespace detail {
// The EDDP family's reader (runtime/impl/eddp_load.hpp), declared here rather than in
// runtime/registry.hpp: only this table needs it.
PESTLE_RUNTIME_INLINE bool eddp_owns_file(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE CalculatorPtr eddp_load(const std::string& path, const nlohmann::json* document);
}  // namespace detail

PESTLE_RUNTIME_INLINE std::span<const ModelFamily> model_families() {
  using namespace detail;
  static const std::array<ModelFamily, 5> families{
      ModelFamily{"gap", ".xml (QUIP GAP)", gap_owns_file, gap_load},
      ModelFamily{"eddp", ".json (eddp)", eddp_owns_file, eddp_load},
      ModelFamily{"ace", ".json (ace_linear/ace), .ace, .yace", ace_owns_file, ace_load},
      ModelFamily{"reference", ".sw, .tersoff, .eam, .eam.alloy", reference_owns_file, reference_load},
      ModelFamily{"snap", ".json (snap/qsnap), .snapcoeff, .snap (LAMMPS include file)", snap_owns_file, snap_load}};
  return families;
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
  CalculatorPtr model = detail::family_of_file(path, &document).load(path, &document);
  if (!document.contains("reference")) return model;
  try {  // a model fitted on top of a reference term (formats/reference_json.hpp)
    return with_reference(std::move(model), make_calculator(reference_from_json(document["reference"]), "zbl"));
  } catch (const InputError& e) {
    throw InputError("model file '" + path + "': " + e.what());
  }
}

}  // namespace pestle::runtime
