// Compiled mode (target pestle::runtime_fit, PESTLE_COMPILED_FIT): the one definition of
// fit/impl/ace_linear_fit.hpp, compiled once for every program that links pestle::runtime_fit.
#include "pestle/fit/impl/ace_linear_fit.hpp"

// and the ACE instantiations of the fit templates that fit/ace_instances.hpp declares extern
namespace pestle {
PESTLE_ACE_FIT_INSTANCES()
}  // namespace pestle
