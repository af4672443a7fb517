#pragma once
// The contract every per-atom descriptor (bispectrum, SOAP, ACE, ...) fulfils, so that
// models, potentials and fitting code are written once for all of them.
//
// A descriptor maps the neighbourhood of atom i to a feature vector q_i of fixed length
// size(). It is evaluated one central atom at a time with a caller-owned Workspace
// (scratch memory, one per thread, so the hot loop never allocates).
//
// Derivative layout (compute_with_derivatives): for the n-th neighbour entry of atom i
// in the neighbour list (entry e = nl.begin(i) + n, displacement r_ij = nl.displacement[e]),
//   dq[(n * 3 + d) * size() + c] = ∂q_i,c / ∂(r_ij)_d ,   d = x, y, z.
// The derivative with respect to r_i itself is minus the sum over n (translation invariance).
//
// Adjoint evaluation (evaluate): the caller supplies the atomic energy as a function of
// the features, energy_of(q, dE_dq) -> E_i, which also writes dE_i/dq. The descriptor
// then contracts dE_i/dq with its internal derivatives ("Y-list" trick), so forces cost
// a small multiple of the energy and no per-feature gradients are stored. It adds
//   forces[i] += g_ij, forces[j] -= g_ij      with g_ij = ∂E_i/∂r_ij,
//   virial    -= r_ij ⊗ g_ij                  (eV; virial = -V·stress, ASE sign)
// and returns E_i. A callback may instead take the atom first, energy_of(i, q, dE_dq), when the
// energy depends on which atom it is (its species) or the caller records E_i.
//
// Grouped evaluation (optional, GroupedAdjointDescriptor): evaluate_atoms(s, nl, first, last,
// ws, energy_of, forces, virial) does evaluate() for the atoms [first, last) and returns Σ E_i;
// descriptors that couple several atoms at once (SIMD lanes) are much faster this way.
#include <concepts>
#include <cstddef>
#include <span>

#include "pestle/core/structure.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

/// Signature of the energy callback used by the adjoint evaluation.
using FeatureEnergy = double (*)(std::span<const double> q, std::span<double> dE_dq);

template <class D>
concept Descriptor = requires(const D& d, const Structure& s, const NeighbourList& nl, std::size_t i,
                              typename D::Workspace& ws, std::span<double> q, std::span<double> dq) {
  typename D::Workspace;
  { d.size() } -> std::convertible_to<std::size_t>;
  { d.neighbour_options() } -> std::convertible_to<NeighbourOptions>;
  { d.make_workspace() } -> std::same_as<typename D::Workspace>;
  d.compute(s, nl, i, ws, q);
  d.compute_with_derivatives(s, nl, i, ws, q, dq);
};

}  // namespace pestle
