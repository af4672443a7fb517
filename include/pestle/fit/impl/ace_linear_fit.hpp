#pragma once
// fit_ace_linear (declared in fit/ace_fit.hpp): inline in the header-only mode, compiled once into
// pestle::runtime_fit otherwise (fit/compiled.hpp).
#include <string>

#include "pestle/fit/ace_fit.hpp"

namespace pestle {

PESTLE_FIT_INLINE AceLinearModel fit_ace_linear(const AceBasisSpec& spec, const Dataset& data, FitOptions options,
                                                double smoothness, FitSummary* summary) {
  if (data.empty()) throw InputError("cannot fit to an empty data set");
  const AceDescriptor descriptor = ace_b_descriptor(spec);
  const DesignLayout layout{spec.elements, descriptor.size()};
  if (smoothness > 0.0) {
    if (options.solver.kind != SolverKind::ridge) throw InputError("the ACE smoothness prior needs the ridge solver");
    options.solver.ridge_scale = ace_smoothness_scale(descriptor.basis(), smoothness);
  }
  LeastSquares ls(layout.columns(), options.solver);
  FitSummary sum;
  std::size_t weighted_rows = 0;
  const Communicator& comm = detail::communicator_of(options);
  const RankPart part(data, comm);
  assemble_design<LinearMap>(descriptor, part.get(), layout, options.design, [&](const RowBlock& r) {
    ls.add(r.A, r.b, r.w);
    ++sum.structures;
    if (options.progress) options.progress(sum.structures, part.get().size());
    for (std::size_t k = 0; k < r.kind.size(); ++k) {
      (r.kind[k] == RowKind::energy ? sum.energy_rows : r.kind[k] == RowKind::force ? sum.force_rows : sum.virial_rows)++;
      if (r.w[static_cast<Eigen::Index>(k)] > 0.0) ++weighted_rows;
    }
  });
  ls.reduce(comm);
  detail::sum_over_ranks(sum, comm);
  weighted_rows = static_cast<std::size_t>(comm.sum(static_cast<double>(weighted_rows)));
  if (weighted_rows < layout.columns())
    throw InputError("linear ACE fit is under-determined: " + std::to_string(layout.columns()) + " coefficients (" +
                     std::to_string(descriptor.columns()) + " B functions per element) but only " +
                     std::to_string(weighted_rows) +
                     " weighted energy/force/virial rows; use a smaller basis (n_max, l_max, fewer ranks) or more data");
  sum.solution = ls.solve();
  AceLinearModel model;
  model.spec = spec;
  model.coefficients.resize(spec.elements.size());
  for (std::size_t s = 0; s < spec.elements.size(); ++s) {
    const auto off = static_cast<Eigen::Index>(s * layout.per_species());
    for (std::size_t p = 0; p < layout.per_species(); ++p)
      model.coefficients[s].push_back(sum.solution.coefficients[off + static_cast<Eigen::Index>(p)]);
    model.coefficients[s][0] += options.design.e0(spec.elements[s]);
  }
  model.contracted = contract_ace_basis(descriptor.basis(), model.coefficients);
  if (summary) *summary = std::move(sum);
  return model;
}

}  // namespace pestle
