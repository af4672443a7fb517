#pragma once
// An EDDP as a pestle Calculator: Potential<EddpFeatures, EddpModel> gives the ensemble energy,
// forces (by back-propagation through the networks and the adjoint of the features) and stress;
// eddp_spread() gives the members' disagreement on a structure, the uncertainty of docs/eddp.md.
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "pestle/descriptors/eddp_features.hpp"
#include "pestle/models/eddp.hpp"
#include "pestle/models/potential.hpp"

namespace pestle {

class EddpPotential : public Potential<EddpFeatures, EddpModel> {
 public:
  using Potential::Potential;
  /// Atomic numbers covered, in the model's order (what runtime::Calculator::species reports).
  const std::vector<int>& elements() const noexcept { return model().species(); }
};

/// The ensemble's features for a trained model (the species order of both must agree).
inline EddpPotential make_eddp_potential(const EddpFeatureParams& features, EddpModel model) {
  if (features.species != model.species()) throw InputError("eddp: the features and the model list different species");
  return EddpPotential(EddpFeatures(features), std::move(model));
}

struct EddpSpread {
  std::vector<double> member_energies;  ///< E_m of each member, eV
  double energy = 0.0;                  ///< Σ w_m E_m, eV
  double sigma_per_atom = 0.0;          ///< standard deviation of the E_m over the members / N, eV/atom
};

/// Every member's total energy on s and their spread (parallel over atoms).
inline EddpSpread eddp_spread(const EddpPotential& pot, const Structure& s) {
  const EddpFeatures& desc = pot.descriptor();
  const EddpModel& model = pot.model();
  const std::size_t M = model.members().size();
  if (s.size() == 0) throw InputError("eddp: the structure has no atoms");
  const NeighbourList nl = build_neighbour_list(s, desc.neighbour_options());
  std::vector<int> species(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    species[i] = model.species_index(s.numbers[i]);
    if (species[i] < 0) throw InputError("eddp: atom " + std::to_string(i) + " is an element the model does not cover");
  }
  struct Local {
    EddpFeatures::Workspace ws;
    std::vector<double> q, totals;
  };
  tbb::enumerable_thread_specific<Local> locals(
      [&] { return Local{desc.make_workspace(), std::vector<double>(desc.size()), std::vector<double>(M, 0.0)}; });
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, s.size(), 8), [&](const auto& range) {
    Local& l = locals.local();
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      desc.compute(s, nl, i, l.ws, l.q);
      for (std::size_t m = 0; m < M; ++m) l.totals[m] += model.member_energy(m, std::size_t(species[i]), l.q);
    }
  });
  EddpSpread out;
  out.member_energies.assign(M, 0.0);
  for (const Local& l : locals)
    for (std::size_t m = 0; m < M; ++m) out.member_energies[m] += l.totals[m];
  const EddpModel::Spread sp = model.spread(out.member_energies);
  out.energy = sp.energy;
  out.sigma_per_atom = sp.sigma / double(s.size());
  return out;
}

/// The spread of each atom's energy over the members, σ_i = sqrt((1/M) Σ_m (E_{m,i} − Ē_i)²) in eV, for the
/// first `centres` atoms (the others only surround them): the per-atom uncertainty of runtime::Grader.
inline std::vector<double> eddp_atom_spreads(const EddpPotential& pot, const Structure& s, std::size_t centres) {
  const EddpFeatures& desc = pot.descriptor();
  const EddpModel& model = pot.model();
  check_centres(s, centres);
  const NeighbourList nl = build_neighbour_list(s, desc.neighbour_options());
  std::vector<double> out(centres, 0.0);
  tbb::enumerable_thread_specific<EddpFeatures::Workspace> spaces([&] { return desc.make_workspace(); });
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, centres, 8), [&](const auto& range) {
    EddpFeatures::Workspace& ws = spaces.local();
    std::vector<double> q(desc.size()), member(model.members().size());
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      const int sp = model.species_index(s.numbers[i]);
      if (sp < 0) throw InputError("eddp: atom " + std::to_string(i) + " is an element the model does not cover");
      desc.compute(s, nl, i, ws, q);
      for (std::size_t m = 0; m < member.size(); ++m) member[m] = model.member_energy(m, std::size_t(sp), q);
      out[i] = model.spread(member).sigma;
    }
  });
  return out;
}

}  // namespace pestle
