#pragma once
// fit_gap (declared in fit/gap_fit.hpp): inline in the header-only mode, compiled once into
// pestle::runtime_fit otherwise (fit/compiled.hpp).
#include <utility>

#include "pestle/fit/gap_fit.hpp"

namespace pestle {

PESTLE_FIT_INLINE GapModel fit_gap(const Dataset& data, const GapFitSettings& s, const GapFitProgress& progress,
                                   GpFitResult* details) {
  if (data.empty()) throw InputError("GAP fit: the training set is empty");
  auto [terms, specs] = gap_fit_terms(s.gap, data.species());
  const GpFitOptions opt = gap_fit_options(data, s);
  GpFitResult res = fit_sparse_gp(data, specs, opt, [&](std::size_t done, std::size_t total) {
    if (progress) progress(done, total);
  });
  GapModel model;
  model.label = "pestle_fit";
  for (const auto& [z, e] : res.e0)
    if (z >= 0 && z <= max_atomic_number) model.e0[static_cast<std::size_t>(z)] = e;
  for (std::size_t k = 0; k < terms.size(); ++k) {
    SparseSet& sp = terms[k].sparse;
    sp.points = res.terms[k].sparse;
    sp.alpha = res.terms[k].alpha;
    sp.cutoff = res.terms[k].sparse_cutoff;
    sp.f0 = 0.0;
  }
  model.terms = std::move(terms);
  if (details) *details = std::move(res);
  return model;
}

}  // namespace pestle
