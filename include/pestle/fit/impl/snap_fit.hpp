#pragma once
// fit_from_config (declared in fit/config.hpp): inline in the header-only mode, compiled once into
// pestle::runtime_fit otherwise (fit/compiled.hpp).
#include "pestle/fit/config.hpp"

namespace pestle {

PESTLE_FIT_INLINE AnyPotential fit_from_config(const FitConfig& c, const Dataset& data, FitSummary* summary) {
  Bispectrum<dynamic> descriptor(c.descriptor);
  const std::vector<int> species = snap_species(c.descriptor);
  if (c.model == SnapModelKind::linear)
    return fit_linear_model<Linear>(descriptor, data, species, c.options, summary);
  return fit_linear_model<Quadratic>(descriptor, data, species, c.options, summary);
}

}  // namespace pestle
