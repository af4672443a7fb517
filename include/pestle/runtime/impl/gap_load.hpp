#pragma once
// The GAP family, reading: QUIP GAP XML files (with their sparseX files).
#include <string>

#include "pestle/formats/gap_xml.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/calculators.hpp"
#include "pestle/runtime/registry.hpp"

namespace pestle::runtime::detail {

PESTLE_RUNTIME_INLINE bool gap_owns_file(const std::string& path, const nlohmann::json*) { return ends_with(path, ".xml"); }

PESTLE_RUNTIME_INLINE CalculatorPtr gap_load(const std::string& path, const nlohmann::json*) {
  return gap_calculator(io::read_gap_potential(path));
}

}  // namespace pestle::runtime::detail
