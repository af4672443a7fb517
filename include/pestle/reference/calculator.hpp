#pragma once
// The Calculator concept: anything that turns a Structure into energy, per-atom energies,
// forces, virial and stress. Relaxation, MD and the labellers are written against it, so a
// fitted model and a built-in reference potential drive them alike.
//
// Models of Calculator in pestle:
//   Potential<D, M>    (models/potential.hpp)   a descriptor composed with a fitted model
//   LennardJones       (reference/lennard_jones.hpp)    LAMMPS pair style lj/cut
//   StillingerWeber    (reference/stillinger_weber.hpp) LAMMPS pair style sw
//   Tersoff            (reference/tersoff.hpp)          LAMMPS pair style tersoff
//   Eam                (reference/eam.hpp)              LAMMPS pair styles eam and eam/alloy
//
// The shared machinery below is how every reference potential assembles its result:
// atoms are evaluated in parallel, and each atom i writes only to the entries of its own
// row of a full neighbour list (the derivative of the energy with respect to each pair
// displacement d_ij = r_j - r_i, and optionally a share of energy that belongs to the
// neighbour). A serial pass then scatters those entries into forces, per-atom energies and
// the virial in a fixed order, so every number of the result is independent of the number
// of threads and of scheduling, bit for bit.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/models/potential.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

/// Energy, forces and stress of a structure from `compute`, and the interaction range.
template <class C>
concept Calculator = requires(const C& c, const Structure& s) {
  { c.compute(s) } -> std::convertible_to<PotentialResult>;
  { c.cutoff() } -> std::convertible_to<double>;
};

namespace detail::reference {

/// Per-atom and per-pair-entry accumulators of one structure evaluation.
struct EntryTerms {
  std::vector<double> own_energy;  ///< energy assigned to atom i by its own evaluation, eV
  std::vector<Vec3> gradient;      ///< dE/d(d_n) for every entry n of the full neighbour list, eV/Å
  std::vector<double> share;       ///< energy that entry n hands to its neighbour j (may stay empty)

  EntryTerms(std::size_t atoms, std::size_t pairs, bool with_shares)
      : own_energy(atoms, 0.0), gradient(pairs, Vec3::Zero()), share(with_shares ? pairs : 0, 0.0) {}
};

/// Runs f(i) for every atom, in parallel; f may write only to atom i's own slots.
template <class F>
void for_each_atom(std::size_t atoms, F&& f) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, atoms, 8), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) f(i);
  });
}

/// Forces F = -dE/dr, virial W = -Σ_n d_n ⊗ dE/dd_n, stress -W/V (fully periodic cells),
/// per-atom energies and the total, from the entry terms; serial and in a fixed order.
inline PotentialResult assemble(const Structure& s, const NeighbourList& nl, const EntryTerms& t) {
  PotentialResult r;
  r.atom_energies = t.own_energy;
  r.forces.assign(s.size(), Vec3::Zero());
  for (std::size_t i = 0; i < s.size(); ++i) {
    for (std::size_t n = nl.begin(i); n != nl.end(i); ++n) {
      const Vec3& g = t.gradient[n];
      const auto j = static_cast<std::size_t>(nl.index[n]);
      r.forces[i] += g;  // d_n = r_j - r_i, so dE/dr_i = -g and dE/dr_j = +g
      r.forces[j] -= g;
      r.virial -= nl.displacement[n] * g.transpose();
      if (!t.share.empty()) r.atom_energies[j] += t.share[n];
    }
  }
  for (double e : r.atom_energies) r.energy += e;
  for (const Vec3& f : r.forces)
    if (!f.allFinite()) throw NumericalError("the potential produced a non-finite force");
  if (!std::isfinite(r.energy)) throw NumericalError("the potential produced a non-finite energy");
  if (s.pbc[0] && s.pbc[1] && s.pbc[2] && s.volume() > 0.0) r.stress = Mat3(-r.virial / s.volume());
  return r;
}

/// The elements a parameter set covers, and the index of each atom's element in it.
class SpeciesMap {
 public:
  SpeciesMap() = default;
  explicit SpeciesMap(std::vector<int> numbers) : numbers_(std::move(numbers)) {}

  std::size_t size() const noexcept { return numbers_.size(); }
  const std::vector<int>& numbers() const noexcept { return numbers_; }
  int number(std::size_t k) const { return numbers_[k]; }

  /// Index of element z, or -1.
  int find(int z) const noexcept {
    for (std::size_t k = 0; k < numbers_.size(); ++k)
      if (numbers_[k] == z) return static_cast<int>(k);
    return -1;
  }
  /// Index of element z, added at the end when new.
  int add(int z) {
    const int k = find(z);
    if (k >= 0) return k;
    numbers_.push_back(z);
    return static_cast<int>(numbers_.size()) - 1;
  }

  /// Element index of every atom; InputError naming the atom and `who` for an element the
  /// parameters do not cover. Validates the structure first.
  std::vector<int> of(const Structure& s, std::string_view who) const {
    s.validate();
    std::vector<int> idx(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      idx[i] = find(s.numbers[i]);
      if (idx[i] < 0)
        throw InputError("atom " + std::to_string(i) + " is " + std::string(element_symbol(s.numbers[i])) +
                         ", an element " + std::string(who) + " does not cover");
    }
    return idx;
  }

 private:
  std::vector<int> numbers_;
};

}  // namespace detail::reference
}  // namespace pestle
