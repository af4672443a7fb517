#pragma once
// Potential<Descriptor, Model>: a descriptor (features of an atomic neighbourhood) composed
// with a model (atomic energy as a function of the features) into total energy, per-atom
// energies, forces, virial and stress.
//
// Forces use the descriptor's adjoint evaluate(): the model hands back dE_i/dq and the
// descriptor contracts it with its internal derivatives, so no per-feature gradient is ever
// stored. Atoms are processed in parallel with oneTBB; every thread owns one descriptor
// Workspace and its own force/virial accumulators, which are added up at the end.
// Energies are summed serially in atom order, so the energy does not depend on scheduling
// at all; forces and virial only to round-off.
#include <array>
#include <concepts>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/core/types.hpp"
#include "pestle/descriptors/descriptor.hpp"
#include "pestle/models/potential_result.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

/// InputError unless n_centres ≤ the number of atoms (Potential/GAP/ACE compute(s, n_centres)).
inline void check_centres(const Structure& s, std::size_t n_centres) {
  if (n_centres > s.size())
    throw InputError("n_centres = " + std::to_string(n_centres) + " exceeds the " + std::to_string(s.size()) +
                     " atoms of the structure");
}

/// An atomic-energy model over per-atom features.
template <class M>
concept Model = requires(const M& m, std::size_t s, int z, std::span<const double> q, std::span<double> g) {
  { m.feature_count() } -> std::convertible_to<std::size_t>;
  { m.species_index(z) } -> std::convertible_to<int>;
  { m.atom_energy(s, q, g) } -> std::convertible_to<double>;
};

namespace detail {
struct ProbeEnergy {
  double operator()(std::span<const double>, std::span<double>) const { return 0.0; }
};
}  // namespace detail

/// A descriptor that also offers the adjoint evaluation described in descriptor.hpp.
template <class D>
concept AdjointDescriptor =
    Descriptor<D> && requires(const D& d, const Structure& s, const NeighbourList& nl, std::size_t i,
                              typename D::Workspace& ws, std::span<Vec3> f, Mat3& w) {
      { d.evaluate(s, nl, i, ws, detail::ProbeEnergy{}, f, w) } -> std::convertible_to<double>;
    };

namespace detail {
struct ProbeAtomEnergy {
  double operator()(std::size_t, std::span<const double>, std::span<double>) const { return 0.0; }
};
}  // namespace detail

/// An adjoint descriptor that also evaluates a range of atoms at once (descriptor.hpp).
template <class D>
concept GroupedAdjointDescriptor =
    AdjointDescriptor<D> && requires(const D& d, const Structure& s, const NeighbourList& nl, std::size_t i,
                                     typename D::Workspace& ws, std::span<Vec3> f, Mat3& w) {
      { d.evaluate_atoms(s, nl, i, i, ws, detail::ProbeAtomEnergy{}, f, w) } -> std::convertible_to<double>;
    };


template <AdjointDescriptor D, Model M>
class Potential {
 public:
  using descriptor_type = D;
  using model_type = M;
  using Result = PotentialResult;

  Potential(D descriptor, M model) : descriptor_(std::move(descriptor)), model_(std::move(model)) {
    if (model_.feature_count() != descriptor_.size())
      throw InputError("model expects " + std::to_string(model_.feature_count()) + " features but the descriptor has " +
                       std::to_string(descriptor_.size()));
  }

  const D& descriptor() const noexcept { return descriptor_; }
  const M& model() const noexcept { return model_; }
  /// Interaction range in Å (the descriptor's neighbour cutoff); with compute() this makes a
  /// Potential a Calculator (reference/calculator.hpp).
  double cutoff() const { return descriptor_.neighbour_options().cutoff; }

  /// Total energy only (no derivatives), eV.
  double energy(const Structure& s) const {
    const std::vector<int> species = species_of(s);
    const NeighbourList nl = build_neighbour_list(s, descriptor_.neighbour_options());
    std::vector<double> atom_energy(s.size(), 0.0);
    struct Local {
      typename D::Workspace ws;
      std::vector<double> q, g;
    };
    tbb::enumerable_thread_specific<Local> locals([&] {
      return Local{descriptor_.make_workspace(), std::vector<double>(descriptor_.size()),
                   std::vector<double>(descriptor_.size())};
    });
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, s.size(), 4), [&](const auto& range) {
      Local& l = locals.local();
      for (std::size_t i = range.begin(); i != range.end(); ++i) {
        descriptor_.compute(s, nl, i, l.ws, l.q);
        atom_energy[i] = model_.atom_energy(static_cast<std::size_t>(species[i]), l.q, l.g);
      }
    });
    double e = 0.0;
    for (double ei : atom_energy) e += ei;
    return e;
  }

  /// Energy, per-atom energies, forces, virial and (periodic cells) stress.
  Result compute(const Structure& s) const { return compute(s, s.size()); }

  /// The same with only the first n_centres atoms as centres: E = Σ_{i < n_centres} E_i, and
  /// forces = -∂E/∂r on every atom, the others included. This is what a domain-decomposed code
  /// (LAMMPS: owned atoms followed by ghost images) needs; atom_energies of non-centres are 0
  /// and the stress is left empty unless every atom is a centre.
  Result compute(const Structure& s, std::size_t n_centres) const {
    check_centres(s, n_centres);
    return compute(s, build_neighbour_list(s, descriptor_.neighbour_options()), n_centres);
  }

  /// The same on a neighbour list the caller already has (a full list whose rows of the first
  /// n_centres atoms hold every neighbour within the cutoff, e.g. neighbour_list_from a host's list).
  Result compute(const Structure& s, const NeighbourList& nl, std::size_t n_centres) const {
    check_centres(s, n_centres);
    if (nl.atoms() != s.size() || nl.half)
      throw InputError("a neighbour list for compute must be a full list with one row per atom (" +
                       std::to_string(nl.atoms()) + " rows for " + std::to_string(s.size()) + " atoms)");
    const std::vector<int> species = species_of(s);
    Result r;
    r.atom_energies.assign(s.size(), 0.0);
    struct Local {
      typename D::Workspace ws;
      std::vector<Vec3> forces;
      Mat3 virial;
    };
    tbb::enumerable_thread_specific<Local> locals(
        [&] { return Local{descriptor_.make_workspace(), std::vector<Vec3>(s.size(), Vec3::Zero()), Mat3::Zero()}; });
    // E_i of atom i from its features; records E_i as a side effect.
    auto energy_of = [&](std::size_t i, std::span<const double> q, std::span<double> g) {
      return r.atom_energies[i] = model_.atom_energy(static_cast<std::size_t>(species[i]), q, g);
    };
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n_centres, 16), [&](const auto& range) {
      Local& l = locals.local();
      if constexpr (GroupedAdjointDescriptor<D>) {
        descriptor_.evaluate_atoms(s, nl, range.begin(), range.end(), l.ws, energy_of, std::span<Vec3>(l.forces),
                                   l.virial);
      } else {
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          auto energy_of_i = [&](std::span<const double> q, std::span<double> g) { return energy_of(i, q, g); };
          descriptor_.evaluate(s, nl, i, l.ws, energy_of_i, std::span<Vec3>(l.forces), l.virial);
        }
      }
    });
    r.forces.assign(s.size(), Vec3::Zero());
    for (const Local& l : locals) {
      for (std::size_t k = 0; k < s.size(); ++k) r.forces[k] += l.forces[k];
      r.virial += l.virial;
    }
    for (double ei : r.atom_energies) r.energy += ei;
    if (n_centres == s.size() && s.pbc[0] && s.pbc[1] && s.pbc[2] && s.volume() > 0.0)
      r.stress = Mat3(-r.virial / s.volume());
    return r;
  }

 private:
  /// Model species index of every atom; InputError for an element the model does not cover.
  std::vector<int> species_of(const Structure& s) const {
    s.validate();
    std::vector<int> idx(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      idx[i] = model_.species_index(s.numbers[i]);
      if (idx[i] < 0)
        throw InputError("atom " + std::to_string(i) + " is " + std::string(element_symbol(s.numbers[i])) +
                         ", an element this potential does not cover");
    }
    return idx;
  }

  D descriptor_;
  M model_;
};

}  // namespace pestle
