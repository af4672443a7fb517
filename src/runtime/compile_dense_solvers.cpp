// Compiled mode (PESTLE_COMPILED_RUNTIME, target pestle::runtime): the one definition of
// math/impl/dense_solvers.hpp, compiled once for every program that links pestle::runtime.
#include "pestle/math/impl/dense_solvers.hpp"
