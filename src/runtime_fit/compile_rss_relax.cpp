// Compiled mode (PESTLE_COMPILED_FIT, target pestle::runtime_fit): the RSS relaxations for the loop's
// model type, runtime::Calculator, compiled once here rather than in every unit that runs the loop
// (apart from the loop itself, so that neither unit needs more than 2 GB of compiler memory).
#include "pestle/explore/rss_loop.hpp"

namespace pestle::explore {
template std::vector<RssMinimum> relax_structures<runtime::Calculator>(const runtime::Calculator&, const std::vector<Structure>&,
                                                                      const RssRelaxSettings&, std::uint64_t, RssAnnealStats*);
}  // namespace pestle::explore
