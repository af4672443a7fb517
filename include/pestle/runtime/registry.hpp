#pragma once
// The registry of model families for reading: the one place where a model file's name and "model"
// key become a type. load_calculator (runtime/load.hpp) asks it; fitting has its own table in
// runtime/fitting.hpp, so that a program which only loads models links no fitter
// (pestle::runtime, not pestle::runtime_fit, in the compiled mode).
//
//   family      model files
//   snap        .json ("snap"/"qsnap"), .snapcoeff, .snap (LAMMPS include file; SNAP + ZBL)
//   gap         .xml (QUIP GAP)
//   ace         .json ("ace_linear"/"ace"), .ace, .yace
//   eddp        .json ("eddp"; its reader is declared beside the table, runtime/impl/registry.hpp)
//   reference   .sw, .tersoff, .eam, .eam.alloy
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "pestle/runtime/api.hpp"
#include "pestle/runtime/calculator.hpp"

namespace pestle::runtime {

/// The "model" string of a fit config or model document ("" when absent or not a string): the
/// families match configs and JSON model files by it (e.g. "ace" is nonlinear ACE, "ace_linear" linear ACE).
inline std::string model_key(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("model") || !j["model"].is_string()) return {};
  return j["model"].get<std::string>();
}

struct ModelFamily {
  const char* name;        ///< "snap", "gap", "ace" or "reference"
  const char* file_types;  ///< for messages, e.g. ".xml (QUIP GAP)"
  /// Is this model file the family's? `document` is the parsed JSON of a .json file, else null.
  bool (*owns_file)(const std::string& path, const nlohmann::json* document);
  CalculatorPtr (*load)(const std::string& path, const nlohmann::json* document);
};

/// Every family that reads model files, in the order files are matched.
PESTLE_RUNTIME_INLINE std::span<const ModelFamily> model_families();
/// The family that reads this model file; InputError listing the known file types if none.
PESTLE_RUNTIME_INLINE const ModelFamily& family_of_file(const std::string& path);

namespace detail {
// The families' readers, one definition each, in runtime/impl/<family>_load.hpp
// (src/runtime/compile_<family>_load.cpp in the compiled mode).
PESTLE_RUNTIME_INLINE bool snap_owns_file(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE CalculatorPtr snap_load(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE bool gap_owns_file(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE CalculatorPtr gap_load(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE bool ace_owns_file(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE CalculatorPtr ace_load(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE bool reference_owns_file(const std::string& path, const nlohmann::json* document);
PESTLE_RUNTIME_INLINE CalculatorPtr reference_load(const std::string& path, const nlohmann::json* document);
}  // namespace detail

}  // namespace pestle::runtime

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/runtime/impl/registry.hpp"
#endif
