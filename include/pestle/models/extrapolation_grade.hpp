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
//
// When the training atoms span only r < m feature directions (common for ACE bases), the rows are first
// mapped onto that span and A is r × r (detail::row_space_projection), as pacemaker's pseudo-inverse does.
//
// Any model with a linear-in-coefficients view can be graded: a FeatureView gives the rows b_i of a
// structure's atoms. LinearModelView is SNAP/qSNAP's; AceProjection (models/ace_projection.hpp) is
// linear and nonlinear ACE's (the B-basis, or pacemaker's projections ∂E_i/∂c).
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "pestle/math/dense/lu.hpp"
#include "pestle/math/dense/qr.hpp"
#include "pestle/math/dense/svd.hpp"
#include "pestle/core/dataset.hpp"
#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/models/linear.hpp"
#include "pestle/models/potential.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

/// Feature rows b_i of the first `centres` atoms of s (the rest only surround them), with the model
/// species index of each. A species whose
/// rows are narrower than the widest (ACE elements with fewer functions) uses the first
/// feature_width(species) columns; the rest are zero.
struct AtomFeatures {
  Eigen::MatrixXd rows;      ///< atoms × widest feature row
  std::vector<int> species;  ///< model species index per atom
};

/// A linear-in-coefficients view of a model: the feature rows of a structure's atoms, the model's
/// species (atomic numbers, in its own order) and the width of each species' rows.
template <class V>
concept FeatureView = requires(const V& v, const Structure& s, std::size_t species) {
  { v.atom_features(s, species) } -> std::same_as<AtomFeatures>;
  { v.species() } -> std::convertible_to<std::vector<int>>;
  { v.feature_width(species) } -> std::convertible_to<Eigen::Index>;
};

template <AdjointDescriptor D, class Map>
AtomFeatures atom_features(const Potential<D, LinearInParameters<Map>>& p, const Structure& s, std::size_t centres) {
  s.validate();
  centres = std::min(centres, s.size());
  const auto& model = p.model();
  const auto& desc = p.descriptor();
  AtomFeatures f;
  f.rows.resize(static_cast<Eigen::Index>(centres), static_cast<Eigen::Index>(1 + model.parameter_count()));
  f.species.resize(centres);
  const NeighbourList nl = build_neighbour_list(s, desc.neighbour_options());
  auto ws = desc.make_workspace();
  std::vector<double> q(desc.size()), phi(model.parameter_count());
  for (std::size_t i = 0; i < centres; ++i) {
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

/// SNAP / qSNAP: b_i = [1, φ(q_i)] (the bispectrum, or its quadratic expansion), one width for all species.
template <AdjointDescriptor D, class Map>
class LinearModelView {
 public:
  explicit LinearModelView(const Potential<D, LinearInParameters<Map>>& p) : p_(&p) {}
  AtomFeatures atom_features(const Structure& s, std::size_t centres) const { return pestle::atom_features(*p_, s, centres); }
  std::vector<int> species() const { return p_->model().species(); }
  Eigen::Index feature_width(std::size_t) const { return Eigen::Index(1 + p_->model().parameter_count()); }

 private:
  const Potential<D, LinearInParameters<Map>>* p_;
};

namespace detail {

/// The view of p: p itself when it is a FeatureView, else the linear model's own.
template <class P>
decltype(auto) feature_view(const P& p) {
  if constexpr (FeatureView<P>) return (p);
  else return LinearModelView(p);
}

/// Rows of B forming a well-conditioned m×m start for MaxVol: the pivots of a column-pivoted QR of Bᵀ.
/// InputError when B has rank < m (the training atoms do not span every feature direction).
inline std::vector<Eigen::Index> maxvol_start(const Eigen::MatrixXd& B, const std::string& what) {
  const Eigen::Index m = B.cols();
  if (B.rows() < m)
    throw InputError(what + ": " + std::to_string(B.rows()) + " training atoms for " + std::to_string(m) +
                     " features; the active set needs at least as many atoms as features");
  const dense::PivotedQr qr = dense::column_pivoted_qr(B.transpose(), 1e-12);
  if (qr.rank < m)
    throw InputError(what + ": the training atoms span only " + std::to_string(qr.rank) + " of " +
                     std::to_string(m) + " feature directions; add more varied structures");
  return {qr.pivots.begin(), qr.pivots.begin() + m};
}

/// P (m × r) mapping feature rows onto the r-dimensional span of the rows of B when r < m; empty when
/// the rows span every direction. Real ACE bases are often linearly dependent on real data (e.g. a
/// 325-function Mo basis spans 248 directions over the 10,087 atoms of Mo_train.xyz); the grade is then
/// taken in that span, as pacemaker's pseudo-inverse of the active set does. The rank is that of B with
/// its columns scaled to unit norm (singular values above 1e-9 of the largest), so it does not depend
/// on the very different magnitudes of the features. InputError when the atoms are all alike (r <= 1).
inline Eigen::MatrixXd row_space_projection(const Eigen::MatrixXd& B, const std::string& what) {
  const Eigen::Index m = B.cols();
  Eigen::VectorXd inverse_norm = B.colwise().norm().transpose();
  for (Eigen::Index c = 0; c < m; ++c) inverse_norm(c) = inverse_norm(c) > 0.0 ? 1.0 / inverse_norm(c) : 1.0;
  const dense::ThinSvd svd = dense::thin_svd(B * inverse_norm.asDiagonal());
  const Eigen::VectorXd& sigma = svd.singular_values;
  Eigen::Index r = 0;
  while (r < sigma.size() && sigma(r) > 1e-9 * sigma(0)) ++r;
  if (r == m) return {};
  if (r <= 1)
    throw InputError(what + ": the " + std::to_string(B.rows()) + " training atoms span only " + std::to_string(r) + " of " +
                     std::to_string(m) + " feature directions (their environments are all alike); add more varied structures");
  return inverse_norm.asDiagonal() * svd.v.leftCols(r);
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
    return Eigen::MatrixXd(dense::solve_partial_lu(A.transpose(), B.transpose()).transpose());  // C = B A⁻¹
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

/// One training atom: frame index in the training set and atom index in that frame.
struct AtomRef {
  std::size_t frame = 0, atom = 0;
};

/// The active set of one species: its MaxVol rows A (r × r), where each came from, and A⁻¹. Feature
/// rows b (width m) are graded as c = b P when the training atoms span only r < m directions
/// (detail::row_space_projection), as c = b otherwise (P empty, r = m).
struct ActiveSet {
  int element = 0;              ///< atomic number
  Eigen::Index width = 0;       ///< m, the model's feature width for this species
  Eigen::MatrixXd projection;   ///< P (m × r), or empty
  Eigen::MatrixXd rows;         ///< A: the active atoms' (projected) feature rows
  std::vector<AtomRef> atoms;   ///< provenance of each row of A
  Eigen::MatrixXd inverse;      ///< A⁻¹
  /// γ of one feature row of width m.
  double grade(const Eigen::Ref<const Eigen::RowVectorXd>& b) const {
    if (projection.size() == 0) return (b * inverse).cwiseAbs().maxCoeff();
    return ((b * projection) * inverse).cwiseAbs().maxCoeff();
  }
};

/// The active sets of a model (one per species) and the grade γ they give.
class ExtrapolationGrade {
 public:
  ExtrapolationGrade() = default;

  /// Active sets from the atoms of `training` (labels are not needed). `model` is a FeatureView or
  /// a SNAP/qSNAP potential.
  template <class P>
  static ExtrapolationGrade from_training(const P& model, const Dataset& training) {
    const auto& view = detail::feature_view(model);
    const std::vector<int> species = view.species();
    std::vector<std::vector<Eigen::RowVectorXd>> rows(species.size());
    std::vector<std::vector<AtomRef>> refs(species.size());
    for (std::size_t k = 0; k < training.size(); ++k) {
      const AtomFeatures a = view.atom_features(training[k].structure, training[k].structure.size());
      for (Eigen::Index r = 0; r < a.rows.rows(); ++r) {
        const auto s = static_cast<std::size_t>(a.species[static_cast<std::size_t>(r)]);
        rows[s].push_back(a.rows.row(r).head(view.feature_width(s)));
        refs[s].push_back({k, static_cast<std::size_t>(r)});
      }
    }
    std::vector<ActiveSet> sets;
    for (std::size_t s = 0; s < species.size(); ++s) {
      const std::string what = "extrapolation grade for " + std::string(element_symbol(species[s]));
      const Eigen::Index m = view.feature_width(s);
      Eigen::MatrixXd B(static_cast<Eigen::Index>(rows[s].size()), m);
      for (std::size_t r = 0; r < rows[s].size(); ++r) B.row(static_cast<Eigen::Index>(r)) = rows[s][r];
      if (B.rows() == 0) throw InputError(what + ": the training data hold no atom of this element");
      ActiveSet set;
      set.element = species[s];
      set.width = m;
      set.projection = detail::row_space_projection(B, what);
      if (set.projection.size() != 0) B = B * set.projection;
      const Eigen::Index r = B.cols();
      set.rows.resize(r, r);
      const std::vector<Eigen::Index> active = maxvol_rows(B, what);
      for (Eigen::Index j = 0; j < r; ++j) {
        set.rows.row(j) = B.row(active[static_cast<std::size_t>(j)]);
        set.atoms.push_back(refs[s][static_cast<std::size_t>(active[static_cast<std::size_t>(j)])]);
      }
      sets.push_back(std::move(set));
    }
    return from_active_sets(std::move(sets));
  }

  /// From saved active sets (formats/active_set_json.hpp): A⁻¹ is recomputed from the rows.
  static ExtrapolationGrade from_active_sets(std::vector<ActiveSet> sets) {
    ExtrapolationGrade g;
    for (ActiveSet& set : sets) {
      const std::string name = std::string(element_symbol(set.element));
      if (set.rows.rows() != set.rows.cols() || set.rows.rows() == 0)
        throw InputError("active set of " + name + ": the rows are not a square matrix");
      const Eigen::Index r = set.rows.rows();
      if (set.projection.size() == 0 ? set.width != r : (set.projection.rows() != set.width || set.projection.cols() != r))
        throw InputError("active set of " + name + ": width, projection and rows do not fit together");
      if (!dense::invert_full_lu(set.rows, set.inverse))
        throw InputError("active set of " + std::string(element_symbol(set.element)) + " is singular");
    }
    g.sets_ = std::move(sets);
    return g;
  }

  /// InputError when the model's species or feature widths differ from those the active sets were built for.
  template <class P>
  void check_model(const P& model) const {
    const auto& view = detail::feature_view(model);
    const std::vector<int> species = view.species();
    if (species.size() != sets_.size()) throw InputError("extrapolation grade: active set built for another model");
    for (std::size_t k = 0; k < species.size(); ++k)
      if (species[k] != sets_[k].element || view.feature_width(k) != sets_[k].width)
        throw InputError("extrapolation grade: active set built for another model (species " +
                         std::string(element_symbol(species[k])) + ")");
  }

  /// γ_i of every atom of s.
  template <class P>
  std::vector<double> atom_grades(const P& model, const Structure& s) const {
    return atom_grades(model, s, s.size());
  }

  /// γ_i of the first `centres` atoms of s; the others only surround them (e.g. a LAMMPS rank's ghosts).
  template <class P>
  std::vector<double> atom_grades(const P& model, const Structure& s, std::size_t centres) const {
    check_model(model);
    const AtomFeatures a = detail::feature_view(model).atom_features(s, centres);
    std::vector<double> gamma(a.species.size());
    for (std::size_t i = 0; i < gamma.size(); ++i) {
      const ActiveSet& set = sets_[static_cast<std::size_t>(a.species[i])];
      gamma[i] = set.grade(a.rows.row(static_cast<Eigen::Index>(i)).head(set.width));
      if (!std::isfinite(gamma[i]))
        throw NumericalError("extrapolation grade of atom " + std::to_string(i) +
                             " is not finite: its feature row holds NaN or infinity");
    }
    return gamma;
  }

  /// max_i γ_i over the atoms of s.
  template <class P>
  double max_grade(const P& model, const Structure& s) const {
    double g = 0.0;
    for (double v : atom_grades(model, s)) g = std::max(g, v);
    return g;
  }

  bool empty() const noexcept { return sets_.empty(); }
  const std::vector<ActiveSet>& active_sets() const noexcept { return sets_; }

 private:
  std::vector<ActiveSet> sets_;  ///< one per model species, in the model's order
};

}  // namespace pestle
