#pragma once
// The reference family: LAMMPS parameter files of the built-in reference potentials. Not fitted.
#include <string>

#include "pestle/reference/eam.hpp"
#include "pestle/reference/stillinger_weber.hpp"
#include "pestle/reference/tersoff.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/model.hpp"
#include "pestle/runtime/registry.hpp"

namespace pestle::runtime::detail {

inline bool reference_owns_file(const std::string& path, const nlohmann::json*) {
  return ends_with(path, ".sw") || ends_with(path, ".tersoff") || ends_with(path, ".eam.alloy") || ends_with(path, ".eam");
}

inline CalculatorPtr reference_load(const std::string& path, const nlohmann::json*) {
  if (ends_with(path, ".sw")) return make_calculator(StillingerWeber::from_file(path), "sw");
  if (ends_with(path, ".tersoff")) return make_calculator(Tersoff::from_file(path), "tersoff");
  if (ends_with(path, ".eam.alloy")) return make_calculator(Eam::from_setfl(path), "eam");
  return make_calculator(Eam::from_funcfl(path), "eam");
}

PESTLE_RUNTIME_INLINE const ModelFamily& reference_family() {
  static const ModelFamily family{"reference", ".sw, .tersoff, .eam, .eam.alloy", "", reference_owns_file, reference_load,
                                  nullptr,     nullptr,                           nullptr};
  return family;
}

}  // namespace pestle::runtime::detail
