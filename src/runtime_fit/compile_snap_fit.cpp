// Compiled mode (target pestle::runtime_fit, PESTLE_COMPILED_FIT): the one definition of
// fit/impl/snap_fit.hpp, compiled once for every program that links pestle::runtime_fit.
#include "pestle/fit/impl/snap_fit.hpp"

// and the SNAP instantiations of the fit templates that fit/snap_instances.hpp declares extern
namespace pestle {
PESTLE_SNAP_FIT_INSTANCES()
}  // namespace pestle
