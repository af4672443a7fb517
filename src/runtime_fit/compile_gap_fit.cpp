// Compiled mode (target pestle::runtime_fit, PESTLE_COMPILED_FIT): the one definition of
// fit/impl/gap_fit.hpp, compiled once for every program that links pestle::runtime_fit.
#include "pestle/fit/impl/gap_fit.hpp"
