#pragma once
// A SNAP/qSNAP potential behind runtime::Calculator, named "snap" or "qsnap".
#include <string>

#include "pestle/models/snap.hpp"
#include "pestle/runtime/model.hpp"

namespace pestle::runtime::detail {

inline CalculatorPtr snap_calculator(AnyPotential p) {
  std::string name(p.type_name());
  return make_calculator(std::move(p), std::move(name));
}

}  // namespace pestle::runtime::detail
