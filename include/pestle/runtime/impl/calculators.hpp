#pragma once
// The definitions of runtime/calculators.hpp.
#include <string>
#include <utility>

#include "pestle/runtime/calculators.hpp"
#include "pestle/runtime/model.hpp"

namespace pestle::runtime::detail {

PESTLE_RUNTIME_INLINE CalculatorPtr snap_calculator(AnyPotential p) {
  std::string name(p.type_name());
  return make_calculator(std::move(p), std::move(name));
}

PESTLE_RUNTIME_INLINE CalculatorPtr ace_calculator(AcePotential p) { return make_calculator(std::move(p), "ace"); }

PESTLE_RUNTIME_INLINE CalculatorPtr gap_calculator(GapPotential p) { return make_calculator(std::move(p), "gap"); }

}  // namespace pestle::runtime::detail
