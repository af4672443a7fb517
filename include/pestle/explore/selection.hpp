#pragma once
// Choosing which explored structures to label (formulas: docs/exploration.md):
//   boltzmann_histogram_select  flat-histogram sampling biased by exp(-(H - H_min)/kT) on enthalpy per atom
//   cur_select                  CUR (leverage) selection on structure descriptors (select_cur, fit/sparse_gp.hpp)
//   boltzmann_cur_select        autoplex's combination: a Boltzmann-biased pool, then CUR inside the pool
//   average_soap                the structure descriptor: mean of per-atom SOAP vectors, renormalised
//   dimer_structures, isolated_atom  data for the short-range repulsive wall and the atomic reference
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include <Eigen/Dense>

#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/descriptors/soap.hpp"
#include "pestle/explore/random_structures.hpp"
#include "pestle/fit/sparse_gp.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle::explore {

/// Selection probabilities of the Boltzmann-weighted histogram: with the enthalpies per atom split
/// into `bins` equal bins over [H_min, H_max], structure i in bin b(i) gets
///   p_i ∝ exp(-(H_i - H_min) / kT) / n_b(i),
/// so every occupied bin carries the Boltzmann weight of its energy regardless of how crowded it is
/// (a crowd of near-identical high-energy minima does not swamp the rare low-energy ones).
inline std::vector<double> boltzmann_histogram_weights(const std::vector<double>& enthalpy_per_atom, double kT,
                                                       std::size_t bins = 20) {
  if (!(kT > 0.0) || !std::isfinite(kT)) throw InputError("Boltzmann selection: kT must be a positive number of eV");
  if (bins < 1) throw InputError("Boltzmann selection: at least one histogram bin is needed");
  for (double h : enthalpy_per_atom)
    if (!std::isfinite(h)) throw InputError("Boltzmann selection: an enthalpy is not finite");
  const std::size_t n = enthalpy_per_atom.size();
  std::vector<double> w(n, 0.0);
  if (n == 0) return w;
  const auto [lo_it, hi_it] = std::minmax_element(enthalpy_per_atom.begin(), enthalpy_per_atom.end());
  const double lo = *lo_it, width = (*hi_it - lo) / static_cast<double>(bins);
  auto bin_of = [&](double h) {
    if (!(width > 0.0)) return std::size_t{0};
    return std::min(bins - 1, static_cast<std::size_t>((h - lo) / width));
  };
  std::vector<std::size_t> population(bins, 0);
  for (double h : enthalpy_per_atom) ++population[bin_of(h)];
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    w[i] = std::exp(-(enthalpy_per_atom[i] - lo) / kT) / static_cast<double>(population[bin_of(enthalpy_per_atom[i])]);
    total += w[i];
  }
  for (double& x : w) x /= total;
  return w;
}

/// Draws m distinct structures with probabilities from boltzmann_histogram_weights (sequential
/// sampling without replacement); all of them when m >= the number of structures. Indices ascend.
inline std::vector<std::size_t> boltzmann_histogram_select(const std::vector<double>& enthalpy_per_atom, std::size_t m,
                                                           double kT, std::uint64_t seed, std::size_t bins = 20) {
  std::vector<double> w = boltzmann_histogram_weights(enthalpy_per_atom, kT, bins);
  std::vector<std::size_t> chosen;
  if (m >= w.size()) {
    chosen.resize(w.size());
    std::iota(chosen.begin(), chosen.end(), std::size_t{0});
    return chosen;
  }
  std::mt19937_64 rng(detail::random::mix(seed));
  for (std::size_t k = 0; k < m; ++k) {
    double total = std::accumulate(w.begin(), w.end(), 0.0);
    std::size_t pick = 0;
    if (total > 0.0) {
      double u = detail::random::uniform(rng) * total;
      pick = w.size() - 1;
      for (std::size_t i = 0; i < w.size(); ++i) {
        if (w[i] <= 0.0) continue;
        if (u < w[i]) {
          pick = i;
          break;
        }
        u -= w[i];
      }
      while (w[pick] <= 0.0) pick = (pick + w.size() - 1) % w.size();  // round-off landed on a taken one
    } else {
      // the remaining weights underflowed (kT tiny): take the lowest remaining enthalpy
      bool found = false;
      for (std::size_t i = 0; i < w.size(); ++i) {
        if (std::find(chosen.begin(), chosen.end(), i) != chosen.end()) continue;
        if (!found || enthalpy_per_atom[i] < enthalpy_per_atom[pick]) pick = i;
        found = true;
      }
    }
    chosen.push_back(pick);
    w[pick] = 0.0;
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

/// CUR selection of m rows of a structure-descriptor matrix (one row per structure). Exact
/// duplicates are never chosen twice, so fewer than m come back when fewer distinct rows exist.
inline std::vector<std::size_t> cur_select(const Eigen::MatrixXd& descriptors, std::size_t m) {
  const auto rows = static_cast<std::size_t>(descriptors.rows());
  if (m == 0 || rows == 0) return {};
  const std::vector<bool> dup = pestle::detail::duplicate_rows(descriptors);
  const auto distinct = static_cast<std::size_t>(std::count(dup.begin(), dup.end(), false));
  std::vector<std::size_t> chosen = select_cur(descriptors, std::min(m, distinct));
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

/// autoplex's selection: a pool of `pool_size` structures drawn by boltzmann_histogram_select, then
/// CUR on their descriptors picks m of the pool. Indices refer to the input and ascend.
inline std::vector<std::size_t> boltzmann_cur_select(const std::vector<double>& enthalpy_per_atom,
                                                     const Eigen::MatrixXd& descriptors, std::size_t pool_size,
                                                     std::size_t m, double kT, std::uint64_t seed) {
  if (static_cast<std::size_t>(descriptors.rows()) != enthalpy_per_atom.size())
    throw InputError("Boltzmann-CUR selection: " + std::to_string(descriptors.rows()) + " descriptor rows for " +
                     std::to_string(enthalpy_per_atom.size()) + " enthalpies");
  const std::vector<std::size_t> pool = boltzmann_histogram_select(enthalpy_per_atom, std::max(pool_size, m), kT, seed);
  Eigen::MatrixXd sub(static_cast<Eigen::Index>(pool.size()), descriptors.cols());
  for (std::size_t k = 0; k < pool.size(); ++k)
    sub.row(static_cast<Eigen::Index>(k)) = descriptors.row(static_cast<Eigen::Index>(pool[k]));
  std::vector<std::size_t> chosen;
  for (std::size_t k : cur_select(sub, m)) chosen.push_back(pool[k]);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

/// Mean of the per-atom SOAP vectors of a structure, scaled to unit length (each per-atom vector is
/// already normalised; the mean of unit vectors is renormalised so the dot product stays a cosine).
inline Eigen::VectorXd average_soap(const Soap<>& soap, const Structure& s) {
  const NeighbourList nl = build_neighbour_list(s, soap.neighbour_options());
  auto ws = soap.make_workspace();
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(soap.size()));
  std::vector<double> q(soap.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!soap.applies_to(s.numbers[i])) continue;
    soap.compute(s, nl, i, ws, q);
    for (std::size_t k = 0; k < q.size(); ++k) mean[static_cast<Eigen::Index>(k)] += q[k];
  }
  const double norm = mean.norm();
  if (norm > 0.0) mean /= norm;
  return mean;
}

/// Rows: average_soap of each structure.
inline Eigen::MatrixXd average_soap_matrix(const Soap<>& soap, const std::vector<Structure>& structures) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(structures.size()), static_cast<Eigen::Index>(soap.size()));
  for (std::size_t k = 0; k < structures.size(); ++k)
    m.row(static_cast<Eigen::Index>(k)) = average_soap(soap, structures[k]).transpose();
  return m;
}

/// A cubic box of side `box` Å holding a single atom; periodic, so it behaves like every other
/// structure (the box must exceed the potential's cutoff for the atom to be isolated).
inline Structure isolated_atom(int z, double box = 20.0) {
  Structure s;
  s.cell = Mat3::Identity() * box;
  s.pbc = {true, true, true};
  s.add_atom(z, Vec3::Constant(0.5 * box));
  return s;
}

/// Dimers of every species pair at `count` separations evenly spaced over [r_min, r_max] in a
/// cubic periodic box of side `box` Å: they teach the fit the repulsive wall at short range,
/// which random structures with a minimum separation never sample.
inline std::vector<Structure> dimer_structures(const std::vector<int>& species, double r_min, double r_max,
                                               std::size_t count, double box = 20.0) {
  if (!(r_min > 0.0) || !(r_max >= r_min) || !(box > 2.0 * r_max))
    throw InputError("dimers: need 0 < r_min <= r_max < box/2");
  std::vector<Structure> out;
  for (std::size_t a = 0; a < species.size(); ++a)
    for (std::size_t b = a; b < species.size(); ++b)
      for (std::size_t k = 0; k < count; ++k) {
        const double r = count == 1 ? r_min : r_min + (r_max - r_min) * static_cast<double>(k) / static_cast<double>(count - 1);
        Structure s = isolated_atom(species[a], box);
        s.add_atom(species[b], s.positions[0] + Vec3(r, 0, 0));
        out.push_back(std::move(s));
      }
  return out;
}

}  // namespace pestle::explore
