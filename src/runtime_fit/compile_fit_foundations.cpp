// Compiled mode (PESTLE_COMPILED_FIT, target pestle::runtime_fit): the one definition of the fit- and
// explore-layer helpers that many units call (docs/architecture.md, "Compiled once"): CUR selection,
// the random-structure generator and its composition and packing checks.
#include "pestle/explore/impl/random_structures.hpp"
#include "pestle/fit/impl/sparse_gp.hpp"
