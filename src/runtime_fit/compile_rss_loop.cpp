// Compiled mode (PESTLE_COMPILED_FIT, target pestle::runtime_fit): the one definition of the RSS loop
// (explore/impl/rss_loop.hpp), compiled once for the CLI, the tests and the examples.
#include "pestle/explore/impl/rss_loop.hpp"
