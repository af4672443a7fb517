// Compiled mode (PESTLE_COMPILED_FIT, target pestle::runtime_fit): the one definition of the RSS
// loop's config reader and labeller factory (explore/impl/rss_config.hpp).
#include "pestle/explore/impl/rss_config.hpp"
