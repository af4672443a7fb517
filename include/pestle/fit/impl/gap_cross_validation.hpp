#pragma once
// gap_fold_summaries (declared in fit/gp_cross_validation.hpp): inline in the header-only mode,
// compiled once into pestle::runtime_fit otherwise (fit/compiled.hpp).
#include "pestle/fit/gp_cross_validation.hpp"

namespace pestle {

PESTLE_FIT_INLINE GpFoldSummaries gap_fold_summaries(const Dataset& data, const GapFitSettings& s, int folds, unsigned seed,
                                                     const GapFitProgress& progress) {
  if (data.empty()) throw InputError("GAP cross-validation: the training set is empty");
  auto specs = gap_fit_terms(s.gap, data.species()).second;
  return gp_fold_summaries(data, specs, gap_fit_options(data, s), folds, seed, [&](std::size_t done, std::size_t total) {
    if (progress) progress(done, total);
  });
}

}  // namespace pestle
