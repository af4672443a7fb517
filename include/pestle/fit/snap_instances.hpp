#pragma once
// The SNAP instantiations of the fit templates (Bispectrum<dynamic> with the linear and the
// quadratic feature map). In the compiled mode (fit/compiled.hpp) they are compiled once, in
// src/runtime_fit/compile_snap_fit.cpp, and every other unit sees `extern template` declarations: a test or
// tool that fits or cross-validates SNAP then compiles no descriptor pass of its own.
#include <vector>

#include "pestle/descriptors/bispectrum.hpp"
#include "pestle/fit/compiled.hpp"
#include "pestle/fit/cross_validation.hpp"
#include "pestle/fit/design_matrix.hpp"
#include "pestle/fit/linear_fit.hpp"
#include "pestle/models/snap.hpp"

// One list for the declarations (EXTERN = extern) and for the definitions (EXTERN empty).
#define PESTLE_SNAP_FIT_INSTANCES_OF(EXTERN, M, Map)                                                                  \
  EXTERN template Potential<Bispectrum<dynamic>, M> fit_linear_model<M, Bispectrum<dynamic>>(                        \
      const Bispectrum<dynamic>&, const Dataset&, std::vector<int>, const FitOptions&, FitSummary*);                 \
  EXTERN template RowBlock design_matrix<Map, Bispectrum<dynamic>>(const Bispectrum<dynamic>&, const Dataset&,       \
                                                                   const DesignLayout&, const DesignOptions&);       \
  EXTERN template FoldedNormalEquations folded_normal_equations_with_errors<Map, Bispectrum<dynamic>>(                \
      const Bispectrum<dynamic>&, const Dataset&, const DesignLayout&, DesignOptions, std::vector<int>, int,          \
      const Families*, const Communicator&);
#define PESTLE_SNAP_FIT_INSTANCES(EXTERN)                   \
  PESTLE_SNAP_FIT_INSTANCES_OF(EXTERN, Linear, LinearMap) \
  PESTLE_SNAP_FIT_INSTANCES_OF(EXTERN, Quadratic, QuadraticMap)

#if defined(PESTLE_COMPILED_FIT)
namespace pestle {
PESTLE_SNAP_FIT_INSTANCES(extern)
}  // namespace pestle
#endif
