#pragma once
// The linear-ACE instantiations of the fit templates (AceDescriptor, the linear feature map), as
// fit/snap_instances.hpp does it for SNAP: compiled once in src/runtime_fit/compile_ace_linear_fit.cpp in the
// compiled mode, `extern template` everywhere else.
#include <vector>

#include "pestle/descriptors/ace_descriptor.hpp"
#include "pestle/fit/compiled.hpp"
#include "pestle/fit/cross_validation.hpp"
#include "pestle/fit/design_matrix.hpp"
#include "pestle/models/linear.hpp"

#define PESTLE_ACE_FIT_INSTANCES(EXTERN)                                                                               \
  EXTERN template RowBlock design_matrix<LinearMap, AceDescriptor>(const AceDescriptor&, const Dataset&,              \
                                                                   const DesignLayout&, const DesignOptions&);       \
  EXTERN template FoldedNormalEquations folded_normal_equations_with_errors<LinearMap, AceDescriptor>(                \
      const AceDescriptor&, const Dataset&, const DesignLayout&, DesignOptions, std::vector<int>, int, const Families*, \
      const Communicator&);

#if defined(PESTLE_COMPILED_FIT)
namespace pestle {
PESTLE_ACE_FIT_INSTANCES(extern)
}  // namespace pestle
#endif
