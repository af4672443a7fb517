#pragma once
// Fitting a model linear in its parameters (Linear = SNAP, Quadratic = qSNAP) on any
// descriptor: design rows are streamed from assemble_design() straight into the solver, so
// the full design matrix is never held in memory. Reference energies e0(Z) are subtracted
// from the energy targets and added back to β₀ of the fitted model.
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "pestle/core/communicator.hpp"
#include "pestle/core/dataset.hpp"
#include "pestle/fit/design_matrix.hpp"
#include "pestle/fit/solvers.hpp"
#include "pestle/models/linear.hpp"
#include "pestle/models/potential.hpp"

namespace pestle {

struct FitOptions {
  DesignOptions design;
  SolverOptions solver;
  /// Called after each structure's rows reach the solver with (structures done, total), so that a
  /// long fit (InP's linear ACE: 8 min) can show how far it is; empty: silent.
  std::function<void(std::size_t, std::size_t)> progress;
  /// Ranks that share the fit (docs/parallel_fits.md): each assembles the rows of its share of the
  /// structures (rank_share) and the ranks sum them before the solve; every rank returns the same
  /// model. Null: this process alone.
  const Communicator* communicator = nullptr;
};

/// What a fit saw and how the solver fared.
struct FitSummary {
  Solution solution;
  std::size_t structures = 0;
  std::size_t energy_rows = 0, force_rows = 0, virial_rows = 0;
};

namespace detail {

/// The ranks' row counts summed, so every rank reports the whole fit.
inline void sum_over_ranks(FitSummary& s, const Communicator& comm) {
  double counts[4] = {double(s.structures), double(s.energy_rows), double(s.force_rows), double(s.virial_rows)};
  comm.sum(counts, 4);
  s.structures = static_cast<std::size_t>(counts[0]);
  s.energy_rows = static_cast<std::size_t>(counts[1]);
  s.force_rows = static_cast<std::size_t>(counts[2]);
  s.virial_rows = static_cast<std::size_t>(counts[3]);
}

inline const Communicator& communicator_of(const FitOptions& o) {
  return o.communicator ? *o.communicator : serial_communicator();
}

}  // namespace detail

/// Fits model M (Linear or Quadratic) for the given species (model order; empty: the
/// sorted species of the data set) and returns the composed potential.
template <class M, AdjointDescriptor D>
Potential<D, M> fit_linear_model(const D& descriptor, const Dataset& data, std::vector<int> species,
                                 const FitOptions& options, FitSummary* summary = nullptr) {
  using Map = typename M::map_type;
  if (data.empty()) throw InputError("cannot fit to an empty data set");
  if (species.empty()) species = data.species();
  DesignLayout layout{species, Map::size(descriptor.size())};
  LeastSquares ls(layout.columns(), options.solver);
  FitSummary sum;
  const Communicator& comm = detail::communicator_of(options);
  const RankPart part(data, comm);
  assemble_design<Map>(descriptor, part.get(), layout, options.design, [&](const RowBlock& r) {
    ls.add(r.A, r.b, r.w);
    ++sum.structures;
    if (options.progress) options.progress(sum.structures, part.get().size());
    for (RowKind k : r.kind)
      (k == RowKind::energy ? sum.energy_rows : k == RowKind::force ? sum.force_rows : sum.virial_rows)++;
  });
  ls.reduce(comm);
  detail::sum_over_ranks(sum, comm);
  sum.solution = ls.solve();
  std::vector<std::vector<double>> coefficients(species.size());
  for (std::size_t s = 0; s < species.size(); ++s) {
    const auto off = static_cast<Eigen::Index>(s * layout.per_species());
    coefficients[s].resize(layout.per_species());
    for (std::size_t p = 0; p < layout.per_species(); ++p)
      coefficients[s][p] = sum.solution.coefficients[off + static_cast<Eigen::Index>(p)];
    coefficients[s][0] += options.design.e0(species[s]);
  }
  if (summary) *summary = std::move(sum);
  return Potential<D, M>(descriptor, M(descriptor.size(), species, std::move(coefficients)));
}

}  // namespace pestle
