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

#include "pestle/core/communicator.hpp"

#include "pestle/core/dataset.hpp"
#include "pestle/core/families.hpp"
#include "pestle/core/memory.hpp"
#include "pestle/fit/compiled.hpp"
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
                        bool per_atom_energy);

  /// Adds the rows of one structure (a RowBlock from assemble_design).
  void add(const RowBlock& r) { add(r, r.frame); }
  /// The same for a block assembled from a part of the data set: `frame` is the structure's index
  /// in the whole set (the fold and the kept energy row are looked up by it).
  void add(const RowBlock& r, std::size_t frame);

  /// Combines what every rank of `comm` added (each its share of the structures), so that each
  /// rank holds the sums of all of them, as if one object had seen every structure; equal to
  /// round-off. Call it on every rank after the last add() and before finish().
  void reduce(const Communicator& comm);

  /// The coefficients trained on all folds but f, for every f, with the given quantity weights
  /// and solver; NumericalError if one of those systems is singular.
  std::vector<Eigen::VectorXd> fold_coefficients(double we, double wf, double wv, const SolverOptions& solver) const;

  /// Trains on all folds but each f in turn with the given weights and ridge, and pools
  /// the validation residuals of every fold.
  CvScore score(double we, double wf, double wv, SolverOptions solver) const;

  /// Groups the frames into `count` families (family_of[frame] in [0, count)) for the
  /// per-family energy errors of score().
  void set_families(std::vector<int> family_of, int count);

  /// Held-out energy error a·β_f − b of every frame's energy row (f its fold; eV/atom when
  /// the rows are per atom), NaN for a frame without an energy row.
  std::vector<double> frame_energy_errors(const std::vector<Eigen::VectorXd>& betas) const;

  /// Error tracking only: turns the grouped force sums into the training and validation parts.
  /// With one row weight w in a fold (the usual case) the training part is w² times the
  /// validation part and is not stored: one n×n matrix per fold instead of two.
  void finish();

  /// Held-out errors of the models fold_coefficients() returned, unweighted (error-tracking
  /// constructor only).
  struct FoldErrors {
    double energy_sq_per_sqrt_atoms = 0.0;  ///< Σ ((Ê − E)/√n_at)², eV²/atom
    double energy_sq_per_atom = 0.0;        ///< Σ ((Ê − E)/n_at)², (eV/atom)²
    double force_sq = 0.0;                  ///< Σ over force components (F̂ − F)², (eV/Å)²
    std::size_t energies = 0, force_components = 0;
  };
  FoldErrors fold_errors(const std::vector<Eigen::VectorXd>& betas) const;

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
    /// Sums this part over the ranks (an n×n matrix only where some rank has rows).
    void reduce(const Communicator& comm) {
      double count = static_cast<double>(rows);
      comm.sum(&count, 1);
      if (count == 0.0) return;
      allocate();
      comm.sum(G.data(), static_cast<std::size_t>(G.size()));
      comm.sum(h.data(), static_cast<std::size_t>(h.size()));
      comm.sum(&s, 1);
      rows = static_cast<std::size_t>(count);
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
  void keep_energy_row(const RowBlock& r, std::size_t frame);
  /// reduce(): every rank's kept energy rows on every rank, in frame order.
  void gather_energy_rows(const Communicator& comm);
  /// reduce(): the same force-row weight groups, in the same order, on every rank, then summed.
  void reduce_force_groups(int f, const Communicator& comm);
  void score_families(const std::vector<double>& errors, CvScore& out) const;

  /// Unweighted held-out rows: every labelled row counts, whatever its fit weight.
  void add_raw(const RowBlock& r, int f);
  Part& force_group(int f, double w);
  bool tracking() const noexcept { return !raw_force_.empty(); }
  Part& raw_force(int f) { return raw_force_[static_cast<std::size_t>(f)]; }
  const Part& raw_force(int f) const { return raw_force_[static_cast<std::size_t>(f)]; }
  /// The sums a training system takes for fold f and quantity k, and the factor on them: the
  /// tracked forces of a fold with one row weight w are w² × the unweighted validation sums.
  std::pair<const Part&, double> training_part(int f, int k) const;
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
/// With a communicator of several ranks, each rank assembles its share of the structures
/// (rank_share) and the sums are reduced, so every rank returns the same object.
template <class Map, Descriptor D>
FoldedNormalEquations folded_normal_equations_with_errors(const D& d, const Dataset& data, const DesignLayout& layout,
                                                          DesignOptions opt, std::vector<int> fold_of_frame, int folds,
                                                          const Families* families = nullptr,
                                                          const Communicator& comm = serial_communicator()) {
  opt.weights.energy = opt.weights.force = opt.weights.virial = 1.0;  // applied later, per setting
  std::vector<std::size_t> atoms(data.size());
  for (std::size_t k = 0; k < data.size(); ++k) atoms[k] = data[k].size();
  FoldedNormalEquations ne(layout.columns(), std::move(fold_of_frame), folds, std::move(atoms), opt.weights.per_atom_energy);
  if (families) ne.set_families(families->of_frame, static_cast<int>(families->names.size()));
  if (comm.size() <= 1) {
    assemble_design<Map>(d, data, layout, opt, [&](const RowBlock& r) { ne.add(r); });
  } else {
    const std::vector<std::size_t> mine = rank_share(data, comm);
    Dataset part;
    for (std::size_t i : mine) part.push_back(data[i]);
    assemble_design<Map>(d, part, layout, opt, [&](const RowBlock& r) { ne.add(r, mine.at(r.frame)); });
    ne.reduce(comm);
  }
  ne.finish();
  return ne;
}

/// Builds the folded normal equations of a data set for feature map Map. With families, the
/// folds are stratified by family and score() also reports the energy error per family.
template <class Map, Descriptor D>
FoldedNormalEquations folded_normal_equations(const D& d, const Dataset& data, const DesignLayout& layout,
                                              DesignOptions opt, int folds, const Families* families = nullptr,
                                              unsigned seed = 2020, const Communicator& comm = serial_communicator()) {
  std::vector<int> fold_of_frame = families ? assign_folds_stratified(families->of_frame, folds, seed)
                                             : assign_folds(data.size(), folds, seed);
  return folded_normal_equations_with_errors<Map>(d, data, layout, opt, std::move(fold_of_frame), folds, families, comm);
}

}  // namespace pestle

#if !defined(PESTLE_COMPILED_FIT)
#include "pestle/fit/impl/cross_validation.hpp"
#endif
