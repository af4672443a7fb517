#pragma once
// runtime::Calculator: the one runtime boundary of pestle (docs/architecture.md). Every tool that
// takes a model chosen at run time (the CLI, the LAMMPS pair style, relaxation, MD, validation,
// exploration) takes a `const runtime::Calculator&`; load_calculator (runtime/load.hpp) makes one
// from any model file and the fitters' registry (runtime/fitting.hpp) from any fit config.
//
// It is a small non-template interface with one virtual call per structure, never per atom: below
// it the kernels stay templates (Potential<D, M>, the reference potentials) and statically
// dispatched. A user who knows the model type at compile time uses those types directly and never
// meets this class. This header includes no kernel header, so a downstream code that only loads and
// evaluates a model compiles against it in seconds.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "pestle/core/structure.hpp"
#include "pestle/models/potential_result.hpp"

namespace pestle {
struct NeighbourList;  // neighbours/neighbour_list.hpp; only referenced here
}

namespace pestle::runtime {

class Calculator {
 public:
  virtual ~Calculator() = default;

  /// Energy, per-atom energies, forces, virial and (fully periodic cells) stress.
  virtual PotentialResult compute(const Structure& s) const = 0;
  /// Only the first n_centres atoms as centres: E = Σ_{i < n_centres} E_i and forces on every atom
  /// (what a domain-decomposed host such as LAMMPS needs: owned atoms, then ghosts).
  virtual PotentialResult compute(const Structure& s, std::size_t n_centres) const = 0;
  /// The same on a neighbour list the host already has (neighbours/neighbour_source.hpp): a full
  /// list whose rows of the first n_centres atoms hold every neighbour within cutoff(). Models that
  /// cannot take one (GAP, the reference potentials) build their own and ignore it.
  virtual PotentialResult compute(const Structure& s, const NeighbourList& nl, std::size_t n_centres) const = 0;
  /// Whether compute(s, nl, n_centres) uses the list it is given.
  virtual bool uses_host_neighbours() const = 0;
  /// Total energy only, eV.
  virtual double energy(const Structure& s) const = 0;
  /// Interaction range, Å (the largest cutoff of the model).
  virtual double cutoff() const = 0;
  /// Atomic numbers the model covers, in its own order; empty when it takes any element (GAP).
  virtual std::vector<int> species() const = 0;
  /// Model kind: "snap", "qsnap", "gap", "ace", "eddp", "sw", "tersoff", "eam" or "lj".
  virtual std::string name() const = 0;

  /// The concrete model when it is a P (runtime/model.hpp), else nullptr: for the few tools that
  /// need one family's own data (export, the linear extrapolation grade), never inside kernels.
  template <class P>
  const P* as() const noexcept;

 protected:
  Calculator() = default;
  Calculator(const Calculator&) = default;
  Calculator& operator=(const Calculator&) = default;
};

/// Calculators are immutable after loading and shared between threads and owners.
using CalculatorPtr = std::shared_ptr<const Calculator>;

}  // namespace pestle::runtime
