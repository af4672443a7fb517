// Compiled mode (PESTLE_COMPILED_RUNTIME, target pestle::runtime): the one definition of
// runtime/impl/grader.hpp, compiled once for every program that links pestle::runtime.
#include "pestle/runtime/impl/grader.hpp"
