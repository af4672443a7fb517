// Compiled mode (PESTLE_COMPILED_RUNTIME, target pestle::runtime): the one definition of
// runtime/impl/eddp_load.hpp, compiled once for every program that links pestle::runtime.
#include "pestle/runtime/impl/eddp_load.hpp"
