#pragma once
// Extrapolation grade of a model that is linear in its parameters (SNAP, qSNAP), the D-optimality /
// MaxVol criterion of Podryabinkin & Shapeev (Comput. Mater. Sci. 140, 171 (2017)) that pacemaker
// uses for ACE (Lysogorskiy et al., Phys. Rev. Materials 7, 043801 (2023)). Formulas: docs/validation.md.
//
// Every atom i of species s has a feature row b_i = [1, φ(q_i)] (the columns its energy E_i = c·b_i is
// linear in). From the training atoms of species s, MaxVol picks the m = dim(b) rows whose m×m matrix A
// has (locally) maximal |det A|: the "active set". The grade of any atom is
//     γ_i = max_j |(b_i A⁻¹)_j|,
// the largest coefficient needed to write b_i in the active rows. γ ≤ 1 for every training atom
// (interpolation); γ > 1 means that swapping the atom into the active set would enlarge |det A| by γ, i.e.
// the model extrapolates; pacemaker's rule of thumb treats γ > 2 as reliable extrapolation and γ > 10 as
// dangerous. γ does not change when the feature columns are rescaled or mixed (b A⁻¹ is invariant under
// b → bT, A → AT), so the wildly different magnitudes of linear and quadratic terms do not matter.
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "pestle/core/dataset.hpp"
#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/models/linear.hpp"
#include "pestle/models/potential.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

/// Feature rows b_i = [1, φ(q_i)] of every atom of s, with the model species index of each atom.
struct AtomFeatures {
  Eigen::MatrixXd rows;      ///< atoms × (1 + parameter_count)
  std::vector<int> species;  ///< model species index per atom
};

template <AdjointDescriptor D, class Map>
AtomFeatures atom_features(const Potential<D, LinearInParameters<Map>>& p, const Structure& s) {
  s.validate();
  const auto& model = p.model();
  const auto& desc = p.descriptor();
  AtomFeatures f;
  f.rows.resize(static_cast<Eigen::Index>(s.size()), static_cast<Eigen::Index>(1 + model.parameter_count()));
  f.species.resize(s.size());
  const NeighbourList nl = build_neighbour_list(s, desc.neighbour_options());
  auto ws = desc.make_workspace();
  std::vector<double> q(desc.size()), phi(model.parameter_count());
  for (std::size_t i = 0; i < s.size(); ++i) {
    f.species[i] = model.species_index(s.numbers[i]);
    if (f.species[i] < 0)
      throw InputError("atom " + std::to_string(i) + " is " + std::string(element_symbol(s.numbers[i])) +
                       ", an element this potential does not cover");
    desc.compute(s, nl, i, ws, q);
    Map::expand(q, phi);
    const auto r = static_cast<Eigen::Index>(i);
    f.rows(r, 0) = 1.0;
    for (std::size_t c = 0; c < phi.size(); ++c) f.rows(r, static_cast<Eigen::Index>(c + 1)) = phi[c];
  }
  return f;
}

namespace detail {

/// Rows of B forming a well-conditioned m×m start for MaxVol: the pivots of a column-pivoted QR of Bᵀ.
/// InputError when B has rank < m (the training atoms do not span every feature direction).
inline std::vector<Eigen::Index> maxvol_start(const Eigen::MatrixXd& B, const std::string& what) {
  const Eigen::Index m = B.cols();
  if (B.rows() < m)
    throw InputError(what + ": " + std::to_string(B.rows()) + " training atoms for " + std::to_string(m) +
                     " features; the active set needs at least as many atoms as features");
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(B.transpose());
  qr.setThreshold(1e-12);
  if (qr.rank() < m)
    throw InputError(what + ": the training atoms span only " + std::to_string(qr.rank()) + " of " +
                     std::to_string(m) + " feature directions; add more varied structures");
  std::vector<Eigen::Index> rows(static_cast<std::size_t>(m));
  for (Eigen::Index j = 0; j < m; ++j) rows[static_cast<std::size_t>(j)] = qr.colsPermutation().indices()(j);
  return rows;
}

}  // namespace detail

/// MaxVol (Goreinov et al. 2010): rows of B (N×m, N ≥ m, full column rank) whose m×m submatrix has
/// locally maximal volume, i.e. |(B A⁻¹)_ij| ≤ 1 + tolerance for all i, j. Each swap multiplies |det A|
/// by the swapped |C_ij| > 1 + tolerance, so the loop ends; C = B A⁻¹ is updated by rank one per swap
/// and recomputed from scratch every `m` swaps to keep round-off in check.
inline std::vector<Eigen::Index> maxvol_rows(const Eigen::MatrixXd& B, const std::string& what, double tolerance = 1e-3) {
  std::vector<Eigen::Index> rows = detail::maxvol_start(B, what);
  const Eigen::Index m = B.cols();
  auto coefficients = [&] {
    Eigen::MatrixXd A(m, m);
    for (Eigen::Index j = 0; j < m; ++j) A.row(j) = B.row(rows[static_cast<std::size_t>(j)]);
    return Eigen::MatrixXd(A.transpose().partialPivLu().solve(B.transpose()).transpose());  // C = B A⁻¹
  };
  Eigen::MatrixXd C = coefficients();
  const Eigen::Index max_swaps = 100 * m;
  for (Eigen::Index swap = 1; swap <= max_swaps; ++swap) {
    Eigen::Index i = 0, j = 0;
    const double largest = C.cwiseAbs().maxCoeff(&i, &j);
    if (largest <= 1.0 + tolerance) return rows;
    rows[static_cast<std::size_t>(j)] = i;
    if (swap % m == 0) {
      C = coefficients();
    } else {
      // Row i replaces active row j: C ← C − C[:,j] (C[i,:] − e_j) / C_ij.
      const Eigen::VectorXd column = C.col(j) / C(i, j);
      Eigen::RowVectorXd row = C.row(i);
      row(j) -= 1.0;
      C.noalias() -= column * row;
    }
  }
  return rows;  // not converged within the swap limit: still a valid (if not locally maximal) active set
}

/// The active set of a linear model: per species, A⁻¹ of the MaxVol rows of the training features.
class ExtrapolationGrade {
 public:
  ExtrapolationGrade() = default;

  /// Active sets from the atoms of `training` (labels are not needed).
  template <class P>
  static ExtrapolationGrade from_training(const P& potential, const Dataset& training) {
    const std::size_t species = potential.model().species().size();
    const auto m = static_cast<Eigen::Index>(1 + potential.model().parameter_count());
    std::vector<std::vector<Eigen::RowVectorXd>> rows(species);
    for (const Frame& f : training) {
      const AtomFeatures a = atom_features(potential, f.structure);
      for (Eigen::Index r = 0; r < a.rows.rows(); ++r) rows[static_cast<std::size_t>(a.species[r])].push_back(a.rows.row(r));
    }
    ExtrapolationGrade g;
    for (std::size_t s = 0; s < species; ++s) {
      const std::string what =
          "extrapolation grade for " + std::string(element_symbol(potential.model().species()[s]));
      Eigen::MatrixXd B(static_cast<Eigen::Index>(rows[s].size()), m);
      for (std::size_t r = 0; r < rows[s].size(); ++r) B.row(static_cast<Eigen::Index>(r)) = rows[s][r];
      Eigen::MatrixXd A(m, m);
      const std::vector<Eigen::Index> active = maxvol_rows(B, what);
      for (Eigen::Index j = 0; j < m; ++j) A.row(j) = B.row(active[static_cast<std::size_t>(j)]);
      g.inverse_.push_back(A.inverse());
    }
    return g;
  }

  /// γ_i of every atom of s.
  template <class P>
  std::vector<double> atom_grades(const P& potential, const Structure& s) const {
    const AtomFeatures a = atom_features(potential, s);
    std::vector<double> gamma(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto& inverse = inverse_.at(static_cast<std::size_t>(a.species[i]));
      if (inverse.cols() != a.rows.cols()) throw InputError("extrapolation grade: active set built for another model");
      gamma[i] = (a.rows.row(static_cast<Eigen::Index>(i)) * inverse).cwiseAbs().maxCoeff();
    }
    return gamma;
  }

  /// max_i γ_i over the atoms of s.
  template <class P>
  double max_grade(const P& potential, const Structure& s) const {
    double g = 0.0;
    for (double v : atom_grades(potential, s)) g = std::max(g, v);
    return g;
  }

  bool empty() const noexcept { return inverse_.empty(); }

 private:
  std::vector<Eigen::MatrixXd> inverse_;  ///< A⁻¹ per model species
};

}  // namespace pestle
