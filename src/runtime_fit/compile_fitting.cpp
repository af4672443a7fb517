// Compiled mode (target pestle::runtime_fit): the fitters' registry (runtime/impl/fitting.hpp) and each
// family's glue between a fit config and its fitter (runtime/impl/<family>_fit.hpp); the fitters
// themselves are compiled in the other units of this folder.
#include "pestle/runtime/impl/ace_fit.hpp"
#include "pestle/runtime/impl/ace_nonlinear_fit.hpp"
#include "pestle/runtime/impl/gap_fit.hpp"
#include "pestle/runtime/impl/snap_fit.hpp"
#include "pestle/runtime/impl/fitting.hpp"
