#pragma once
// k-fold cross-validation of a linear-in-parameters fit over the quantity weights and the
// ridge parameter, at the cost of ONE descriptor pass per descriptor setting.
//
// The rows of every structure are assembled once with unit quantity weights (per-structure
// and config_type weights still apply) and summarised, per fold f and quantity k (energy,
// force, virial), by their normal equations
//     G_fk = A_fkᵀA_fk,  h_fk = A_fkᵀb_fk,  s_fk = b_fkᵀb_fk,  n_fk rows.
// Weights (w_E, w_F, w_V) then only rescale these summaries: training on every fold but f is
//     G = Σ_{g≠f} Σ_k w_k² G_gk   (likewise h, s),
// solved with the same ridge solver as a real fit, and the validation error on fold f is
// exact without touching the rows again:
//     Σ_rows (a·β − b)² = βᵀG_fkβ − 2βᵀh_fk + s_fk.
// Energy rows should be per atom (weights.per_atom_energy) so the energy RMSE is per atom.
// Held-out errors are unweighted: frame and config_type weights shape the training systems
// only, so a setting is never judged by the weights it was fitted with.
//
// For a hyperparameter search the validation error must not depend on the fit's weights, so
// the error-tracking constructor also keeps unweighted summaries of every held-out row in the
// units of XPOT's loss: (Ê − E)/√n_at, (Ê − E)/n_at and the force components (fold_errors()).
// Force rows, the bulk of the cost, are then summed once, unweighted, per fold and per distinct
// row weight w (one group unless weights vary); finish() forms Σ w²·G_w for training and Σ G_w
// for validation, so tracking the errors costs no second pass over the force rows.
//
// Every frame's energy row is also kept (one row per structure, cheap next to the force rows)
// so the held-out energy error of each structure is known (frame_energy_errors) and can be
// reported per structure family (include/pestle/core/families.hpp): a family-balanced energy
// RMSE, √(mean over families of the family's mean squared error), weighs a family of nine
// surfaces as much as one of 185 bulk snapshots, which a pooled RMSE does not.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "pestle/core/dataset.hpp"
#include "pestle/core/families.hpp"
#include "pestle/core/memory.hpp"
#include "pestle/fit/design_matrix.hpp"
#include "pestle/fit/solvers.hpp"

namespace pestle {

/// Validation errors of one (weights, ridge) setting, averaged over folds by pooling rows.
struct CvScore {
  double energy_weight = 1.0, force_weight = 1.0, virial_weight = 0.0, ridge = 0.0;
  double energy_rmse = 0.0;  ///< per-atom energy, eV/atom (energy rows must be per atom), unweighted
  double force_rmse = 0.0;   ///< force components, eV/Å, unweighted with error tracking (else frame-weighted)
  double virial_rmse = 0.0;  ///< eV (rows as assembled, frame-weighted)
  bool solved = true;        ///< false if some fold's system was singular
  /// With families set (FoldedNormalEquations::set_families): the energy RMSE of each family
  /// and √(mean of their squares); otherwise empty and equal to energy_rmse.
  std::vector<double> family_energy_rmse;
  double balanced_energy_rmse = 0.0;
  /// Held-out energy error of every structure (its energy row's units; NaN without an energy).
  std::vector<double> frame_energy_error;
};

/// Assigns each of n structures to one of k folds: a seeded shuffle, then round robin.
inline std::vector<int> assign_folds(std::size_t n, int folds, unsigned seed = 2020) {
  if (folds < 2) throw InputError("cross-validation needs at least 2 folds");
  if (n < static_cast<std::size_t>(folds))
    throw InputError("cross-validation: " + std::to_string(n) + " structures cannot fill " + std::to_string(folds) + " folds");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<int> fold(n);
  for (std::size_t r = 0; r < n; ++r) fold[order[r]] = static_cast<int>(r % static_cast<std::size_t>(folds));
  return fold;
}

/// As assign_folds, stratified: every group (group_of[frame] ≥ 0) is spread over the folds as
/// evenly as it can be, and fold sizes still differ by at most one.
inline std::vector<int> assign_folds_stratified(const std::vector<int>& group_of, int folds, unsigned seed = 2020) {
  assign_folds(group_of.size(), folds, seed);  // same checks of n and folds
  std::vector<std::size_t> order(group_of.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  // groups one after another, each in the shuffled order; dealing round robin spreads each group
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return group_of[a] < group_of[b]; });
  std::vector<int> fold(group_of.size());
  for (std::size_t r = 0; r < order.size(); ++r) fold[order[r]] = static_cast<int>(r % static_cast<std::size_t>(folds));
  return fold;
}

/// Per-fold, per-quantity normal equations (see the file comment).
class FoldedNormalEquations {
 public:
  static constexpr int quantities = 3;  // RowKind energy, force, virial

  FoldedNormalEquations(std::size_t columns, std::vector<int> fold_of_frame, int folds)
      : n_(static_cast<Eigen::Index>(columns)), folds_(folds), fold_of_(std::move(fold_of_frame)),
        parts_(static_cast<std::size_t>(folds * quantities), Part(n_)) {}

  /// Also keeps the unweighted error summaries of fold_errors(); atoms[frame] is the atom count
  /// of every structure, per_atom_energy how its energy row was assembled.
  FoldedNormalEquations(std::size_t columns, std::vector<int> fold_of_frame, int folds, std::vector<std::size_t> atoms,
                        bool per_atom_energy)
      : FoldedNormalEquations(columns, std::move(fold_of_frame), folds) {
    // per fold: energy and force sums (2 n×n); solving one fold: its system, a full copy and the solver's
    const double n = static_cast<double>(columns);
    require_memory(bytes_of_doubles((2.0 * folds + 5.0) * n * n),
                   std::to_string(folds) + "-fold cross-validation of " + std::to_string(columns) + " columns",
                   "use fewer folds or a smaller basis / descriptor");
    atoms_ = std::move(atoms);
    per_atom_energy_ = per_atom_energy;
    raw_force_.assign(static_cast<std::size_t>(folds), Part(n_));
    force_train_scale_.assign(static_cast<std::size_t>(folds), 0.0);
    force_groups_.resize(static_cast<std::size_t>(folds));
  }

  /// Adds the rows of one structure (a RowBlock from assemble_design).
  void add(const RowBlock& r) {
    if (finished_) throw std::logic_error("FoldedNormalEquations: rows added after finish()");
    const int f = fold_of_.at(r.frame);
    if (tracking()) add_raw(r, f);
    keep_energy_row(r);
    for (int k = 0; k < quantities; ++k) {
      if (tracking() && k == static_cast<int>(RowKind::force)) continue;  // grouped in add_raw
      std::vector<Eigen::Index> rows;
      for (Eigen::Index i = 0; i < r.A.rows(); ++i)
        if (static_cast<int>(r.kind[static_cast<std::size_t>(i)]) == k && r.w[i] > 0.0) rows.push_back(i);
      if (rows.empty()) continue;
      Eigen::MatrixXd Aw(static_cast<Eigen::Index>(rows.size()), n_);
      Eigen::VectorXd bw(static_cast<Eigen::Index>(rows.size()));
      for (std::size_t m = 0; m < rows.size(); ++m) {
        Aw.row(static_cast<Eigen::Index>(m)) = r.w[rows[m]] * r.A.row(rows[m]);
        bw[static_cast<Eigen::Index>(m)] = r.w[rows[m]] * r.b[rows[m]];
      }
      part(f, k).add(Aw, bw);
    }
  }

  /// The coefficients trained on all folds but f, for every f, with the given quantity weights
  /// and solver; NumericalError if one of those systems is singular.
  std::vector<Eigen::VectorXd> fold_coefficients(double we, double wf, double wv, const SolverOptions& solver) const {
    if (tracking() && !finished_) throw std::logic_error("FoldedNormalEquations: call finish() after the last add()");
    const double w2[quantities] = {we * we, wf * wf, wv * wv};
    std::vector<Eigen::VectorXd> out;
    for (int f = 0; f < folds_; ++f) {
      Eigen::MatrixXd G = Eigen::MatrixXd::Zero(n_, n_);
      Eigen::VectorXd h = Eigen::VectorXd::Zero(n_);
      double s = 0.0;
      std::size_t rows = 0;
      for (int g = 0; g < folds_; ++g)
        for (int k = 0; k < quantities; ++k) {
          if (g == f || w2[k] == 0.0) continue;
          const auto [p, scale] = training_part(g, k);
          if (p.rows == 0 || scale == 0.0) continue;
          G.triangularView<Eigen::Lower>() += (w2[k] * scale) * p.G;
          h += (w2[k] * scale) * p.h;
          s += w2[k] * scale * p.s;
          rows += p.rows;
        }
      LeastSquares ls(static_cast<std::size_t>(n_), solver);
      const Eigen::MatrixXd full = G.selfadjointView<Eigen::Lower>();
      ls.add_normal_equations(full, h, s, rows);
      out.push_back(ls.solve().coefficients);
    }
    return out;
  }

  /// Trains on all folds but each f in turn with the given weights and ridge, and pools
  /// the validation residuals of every fold.
  CvScore score(double we, double wf, double wv, SolverOptions solver) const {
    CvScore out;
    out.energy_weight = we, out.force_weight = wf, out.virial_weight = wv, out.ridge = solver.ridge;
    double sq[quantities] = {0, 0, 0};
    std::size_t count[quantities] = {0, 0, 0};
    std::vector<Eigen::VectorXd> betas;
    try {
      betas = fold_coefficients(we, wf, wv, solver);
    } catch (const NumericalError&) {
      out.solved = false;
      return out;
    }
    // held-out errors are unweighted: every structure's energy and (tracking) every force
    // component counts once, whatever its config_type or frame weight in the fit
    const std::vector<double> frame_errors = frame_energy_errors(betas);
    for (double e : frame_errors)
      if (!std::isnan(e)) sq[0] += e * e, ++count[0];
    for (int f = 0; f < folds_; ++f)
      for (int k = 1; k < quantities; ++k) {
        const bool force = k == static_cast<int>(RowKind::force);
        const Part& p = force && tracking() ? raw_force(f) : part(f, k);
        if (p.rows == 0) continue;
        sq[k] += p.residual_squares(betas[static_cast<std::size_t>(f)]);
        count[k] += p.rows;
      }
    auto rmse = [&](int k) { return count[k] ? std::sqrt(sq[k] / static_cast<double>(count[k])) : 0.0; };
    out.energy_rmse = rmse(0);
    out.force_rmse = rmse(1);
    out.virial_rmse = rmse(2);
    out.balanced_energy_rmse = out.energy_rmse;
    if (families_ > 0) score_families(frame_errors, out);
    out.frame_energy_error = frame_errors;
    return out;
  }

  /// Groups the frames into `count` families (family_of[frame] in [0, count)) for the
  /// per-family energy errors of score().
  void set_families(std::vector<int> family_of, int count) {
    if (family_of.size() != fold_of_.size() || count < 1)
      throw std::invalid_argument("FoldedNormalEquations::set_families: one family per frame, at least one family");
    for (int g : family_of)
      if (g < 0 || g >= count) throw std::invalid_argument("FoldedNormalEquations::set_families: family out of range");
    family_of_ = std::move(family_of);
    families_ = count;
  }

  /// Held-out energy error a·β_f − b of every frame's energy row (f its fold; eV/atom when
  /// the rows are per atom), NaN for a frame without an energy row.
  std::vector<double> frame_energy_errors(const std::vector<Eigen::VectorXd>& betas) const {
    std::vector<double> out(fold_of_.size(), std::numeric_limits<double>::quiet_NaN());
    for (const auto& [frame, row] : energy_rows_) {
      const Eigen::VectorXd& beta = betas.at(static_cast<std::size_t>(fold_of_[frame]));
      out[frame] = row.head(n_).dot(beta) - row[n_];
    }
    return out;
  }

  /// Error tracking only: turns the grouped force sums into the training and validation parts.
  /// With one row weight w in a fold (the usual case) the training part is w² times the
  /// validation part and is not stored: one n×n matrix per fold instead of two.
  void finish() {
    if (!tracking() || finished_) return;
    for (int f = 0; f < folds_; ++f) {
      auto& groups = force_groups_[static_cast<std::size_t>(f)];
      Part& all = raw_force(f);
      if (groups.size() == 1) {
        force_train_scale_[static_cast<std::size_t>(f)] = groups[0].first * groups[0].first;
        all = std::move(groups[0].second);
      } else {
        force_train_scale_[static_cast<std::size_t>(f)] = std::numeric_limits<double>::quiet_NaN();  // explicit part
        Part& train = part(f, static_cast<int>(RowKind::force));
        for (const auto& [w, g] : groups) {
          all.add_scaled(g, 1.0);
          if (w != 0.0) train.add_scaled(g, w * w);
        }
      }
      groups.clear();
      groups.shrink_to_fit();
    }
    finished_ = true;
  }

  /// Held-out errors of the models fold_coefficients() returned, unweighted (error-tracking
  /// constructor only).
  struct FoldErrors {
    double energy_sq_per_sqrt_atoms = 0.0;  ///< Σ ((Ê − E)/√n_at)², eV²/atom
    double energy_sq_per_atom = 0.0;        ///< Σ ((Ê − E)/n_at)², (eV/atom)²
    double force_sq = 0.0;                  ///< Σ over force components (F̂ − F)², (eV/Å)²
    std::size_t energies = 0, force_components = 0;
  };
  FoldErrors fold_errors(const std::vector<Eigen::VectorXd>& betas) const {
    if (!tracking() || !finished_) throw std::logic_error("FoldedNormalEquations: fold_errors needs tracking and finish()");
    FoldErrors e;
    // energies from the kept rows: (Ê − E)·scale per frame, scale = 1/n_at for per-atom rows
    const std::vector<double> errors = frame_energy_errors(betas);
    for (std::size_t frame = 0; frame < errors.size(); ++frame) {
      const double n = static_cast<double>(atoms_.at(frame));
      if (std::isnan(errors[frame]) || n == 0.0) continue;
      const double de = errors[frame] * (per_atom_energy_ ? n : 1.0);  // Ê − E, eV
      e.energy_sq_per_sqrt_atoms += de * de / n;
      e.energy_sq_per_atom += de * de / (n * n);
      ++e.energies;
    }
    for (int f = 0; f < folds_; ++f) {
      e.force_sq += raw_force(f).residual_squares(betas.at(static_cast<std::size_t>(f)));
      e.force_components += raw_force(f).rows;
    }
    return e;
  }

 private:
  struct Part {
    explicit Part(Eigen::Index n) : dim(n), h(Eigen::VectorXd::Zero(n)) {}
    Eigen::Index dim;
    Eigen::MatrixXd G;  // lower triangle used; allocated by the first rows (an unused quantity costs no n×n)
    Eigen::VectorXd h;
    double s = 0.0;
    std::size_t rows = 0;

    void allocate() {
      if (G.size() == 0) G = Eigen::MatrixXd::Zero(dim, dim);
    }
    /// Adds w2 times another part's sums.
    void add_scaled(const Part& o, double w2) {
      if (o.rows == 0) return;
      allocate();
      G.triangularView<Eigen::Lower>() += w2 * o.G;
      h += w2 * o.h, s += w2 * o.s, rows += o.rows;
    }

    void add(const Eigen::MatrixXd& A, const Eigen::VectorXd& b) {
      allocate();
      G.selfadjointView<Eigen::Lower>().rankUpdate(A.transpose());
      h.noalias() += A.transpose() * b;
      s += b.squaredNorm();
      rows += static_cast<std::size_t>(A.rows());
    }
    /// Σ_rows (a·β − b)² = βᵀGβ − 2βᵀh + s (clamped at 0 against rounding).
    double residual_squares(const Eigen::VectorXd& beta) const {
      if (rows == 0) return 0.0;
      const Eigen::VectorXd Gb = G.selfadjointView<Eigen::Lower>() * beta;
      return std::max(0.0, beta.dot(Gb) - 2.0 * beta.dot(h) + s);
    }
  };

  /// Keeps the (unweighted) energy row of a structure with its target appended.
  void keep_energy_row(const RowBlock& r) {
    for (Eigen::Index i = 0; i < r.A.rows(); ++i) {
      if (r.kind[static_cast<std::size_t>(i)] != RowKind::energy) continue;
      Eigen::VectorXd row(n_ + 1);
      row.head(n_) = r.A.row(i).transpose();
      row[n_] = r.b[i];
      energy_rows_.emplace_back(r.frame, std::move(row));
    }
  }
  void score_families(const std::vector<double>& errors, CvScore& out) const {
    std::vector<double> sq(static_cast<std::size_t>(families_), 0.0);
    std::vector<std::size_t> count(sq.size(), 0);
    for (std::size_t frame = 0; frame < errors.size(); ++frame) {
      if (std::isnan(errors[frame])) continue;
      const auto g = static_cast<std::size_t>(family_of_[frame]);
      sq[g] += errors[frame] * errors[frame];
      ++count[g];
    }
    double mean_square = 0.0;
    int present = 0;
    for (std::size_t g = 0; g < sq.size(); ++g) {
      out.family_energy_rmse.push_back(count[g] ? std::sqrt(sq[g] / static_cast<double>(count[g])) : 0.0);
      if (count[g] == 0) continue;
      mean_square += sq[g] / static_cast<double>(count[g]);
      ++present;
    }
    out.balanced_energy_rmse = present ? std::sqrt(mean_square / present) : 0.0;
  }

  /// Unweighted held-out rows: every labelled row counts, whatever its fit weight.
  void add_raw(const RowBlock& r, int f) {
    std::vector<Eigen::Index> forces;  // energies: kept rows (keep_energy_row)
    for (Eigen::Index i = 0; i < r.A.rows(); ++i)
      if (r.kind[static_cast<std::size_t>(i)] == RowKind::force) forces.push_back(i);
    while (!forces.empty()) {  // one group per distinct row weight (usually a single one)
      const double w = std::max(0.0, r.w[forces.front()]);
      std::vector<Eigen::Index> same, rest;
      for (Eigen::Index i : forces) (std::max(0.0, r.w[i]) == w ? same : rest).push_back(i);
      Eigen::MatrixXd A(static_cast<Eigen::Index>(same.size()), n_);
      Eigen::VectorXd b(static_cast<Eigen::Index>(same.size()));
      for (std::size_t m = 0; m < same.size(); ++m) {
        A.row(static_cast<Eigen::Index>(m)) = r.A.row(same[m]);
        b[static_cast<Eigen::Index>(m)] = r.b[same[m]];
      }
      force_group(f, w).add(A, b);
      forces = std::move(rest);
    }
  }
  Part& force_group(int f, double w) {
    auto& groups = force_groups_[static_cast<std::size_t>(f)];
    for (auto& [gw, g] : groups)
      if (gw == w) return g;
    groups.emplace_back(w, Part(n_));
    return groups.back().second;
  }
  bool tracking() const noexcept { return !raw_force_.empty(); }
  Part& raw_force(int f) { return raw_force_[static_cast<std::size_t>(f)]; }
  const Part& raw_force(int f) const { return raw_force_[static_cast<std::size_t>(f)]; }
  /// The sums a training system takes for fold f and quantity k, and the factor on them: the
  /// tracked forces of a fold with one row weight w are w² × the unweighted validation sums.
  std::pair<const Part&, double> training_part(int f, int k) const {
    const double scale = force_train_scale_.empty() ? 1.0 : force_train_scale_[static_cast<std::size_t>(f)];
    if (tracking() && k == static_cast<int>(RowKind::force) && !std::isnan(scale)) return {raw_force(f), scale};
    return {part(f, k), 1.0};
  }
  Part& part(int f, int k) { return parts_[static_cast<std::size_t>(f * quantities + k)]; }
  const Part& part(int f, int k) const { return parts_[static_cast<std::size_t>(f * quantities + k)]; }

  Eigen::Index n_;
  int folds_;
  std::vector<int> fold_of_;
  std::vector<Part> parts_;
  std::vector<Part> raw_force_;      // unweighted force sums per fold: empty unless tracked
  std::vector<double> force_train_scale_;  // per fold: w² of its one force weight, NaN: explicit part
  std::vector<std::size_t> atoms_;   // atoms per frame (tracked errors only)
  bool per_atom_energy_ = false;
  std::vector<std::vector<std::pair<double, Part>>> force_groups_;  // per fold: (row weight, unweighted sums)
  std::vector<std::pair<std::size_t, Eigen::VectorXd>> energy_rows_;  // (frame, [energy row, target])
  std::vector<int> family_of_;  // set_families(); empty: no family scores
  int families_ = 0;
  bool finished_ = false;
};

/// The folded normal equations with the given fold of every frame, keeping the unweighted
/// held-out error summaries (FoldedNormalEquations::fold_errors) as well; with families,
/// score() also reports the energy error per family.
template <class Map, Descriptor D>
FoldedNormalEquations folded_normal_equations_with_errors(const D& d, const Dataset& data, const DesignLayout& layout,
                                                          DesignOptions opt, std::vector<int> fold_of_frame, int folds,
                                                          const Families* families = nullptr) {
  opt.weights.energy = opt.weights.force = opt.weights.virial = 1.0;  // applied later, per setting
  std::vector<std::size_t> atoms(data.size());
  for (std::size_t k = 0; k < data.size(); ++k) atoms[k] = data[k].size();
  FoldedNormalEquations ne(layout.columns(), std::move(fold_of_frame), folds, std::move(atoms), opt.weights.per_atom_energy);
  if (families) ne.set_families(families->of_frame, static_cast<int>(families->names.size()));
  assemble_design<Map>(d, data, layout, opt, [&](const RowBlock& r) { ne.add(r); });
  ne.finish();
  return ne;
}

/// Builds the folded normal equations of a data set for feature map Map. With families, the
/// folds are stratified by family and score() also reports the energy error per family.
template <class Map, Descriptor D>
FoldedNormalEquations folded_normal_equations(const D& d, const Dataset& data, const DesignLayout& layout,
                                              DesignOptions opt, int folds, const Families* families = nullptr,
                                              unsigned seed = 2020) {
  std::vector<int> fold_of_frame = families ? assign_folds_stratified(families->of_frame, folds, seed)
                                             : assign_folds(data.size(), folds, seed);
  return folded_normal_equations_with_errors<Map>(d, data, layout, opt, std::move(fold_of_frame), folds, families);
}

}  // namespace pestle
