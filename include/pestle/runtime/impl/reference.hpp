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

PESTLE_RUNTIME_INLINE bool reference_owns_file(const std::string& path, const nlohmann::json*) {
  return ends_with(path, ".sw") || ends_with(path, ".tersoff") || ends_with(path, ".eam.alloy") || ends_with(path, ".eam");
}

PESTLE_RUNTIME_INLINE CalculatorPtr reference_load(const std::string& path, const nlohmann::json*) {
  if (ends_with(path, ".sw")) return make_calculator(StillingerWeber::from_file(path), "sw");
  if (ends_with(path, ".tersoff")) return make_calculator(Tersoff::from_file(path), "tersoff");
  if (ends_with(path, ".eam.alloy")) return make_calculator(Eam::from_setfl(path), "eam");
  return make_calculator(Eam::from_funcfl(path), "eam");
}

}  // namespace pestle::runtime::detail
