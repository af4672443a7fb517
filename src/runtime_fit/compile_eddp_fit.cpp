// Compiled mode (target pestle::runtime_fit): the EDDP family's fitter glue (runtime/impl/eddp_fit.hpp) and
// the trainer it instantiates (fit/eddp_train.hpp), in one unit of their own.
#include "pestle/runtime/impl/eddp_fit.hpp"
