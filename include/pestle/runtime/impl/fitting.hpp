#pragma once
// The fitters' table (runtime/fitting.hpp).
#include <array>

#include "pestle/core/error.hpp"
#include "pestle/runtime/fitting.hpp"
#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/runtime/impl/ace_fit.hpp"
#include "pestle/runtime/impl/ace_nonlinear_fit.hpp"
#include "pestle/runtime/impl/gap_fit.hpp"
#include "pestle/runtime/impl/snap_fit.hpp"
#endif

namespace pestle::runtime {

PESTLE_RUNTIME_INLINE std::span<const FitFamily> fit_families() {
  using namespace detail;
  // SNAP last: a config without "model" is SNAP's.
  static const std::array<FitFamily, 4> families{
      FitFamily{"gap", ".xml", gap_owns_config, gap_fit, gap_training},
      FitFamily{"ace", ".json", ace_owns_config, ace_fit, ace_training},
      FitFamily{"ace", ".json", ace_nonlinear_owns_config, ace_nonlinear_fit, ace_nonlinear_training},
      FitFamily{"snap", ".json", snap_owns_config, snap_fit, snap_training}};
  return families;
}

PESTLE_RUNTIME_INLINE const FitFamily& family_of_config(const nlohmann::json& config) {
  if (!config.is_object()) throw InputError("a fit config must be a JSON object");
  for (const FitFamily& f : fit_families())
    if (f.owns_config(config)) return f;
  throw InputError("unknown \"model\" '" + model_key(config) +
                   "' in the fit config (expected snap, qsnap, gap, ace_linear or ace)");
}

}  // namespace pestle::runtime
