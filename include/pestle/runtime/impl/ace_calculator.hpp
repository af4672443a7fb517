#pragma once
// An ACE potential (any embedding) behind runtime::Calculator, named "ace".
#include "pestle/models/ace.hpp"
#include "pestle/runtime/model.hpp"

namespace pestle::runtime::detail {

inline CalculatorPtr ace_calculator(AcePotential p) { return make_calculator(std::move(p), "ace"); }

}  // namespace pestle::runtime::detail
