#pragma once
// k-fold cross-validation of a sparse GP (GAP) fit over its regularisation σ_E, σ_F, σ_V, at the
// cost of ONE covariance assembly per descriptor setting (docs/gap-fit.md, "Cross-validation").
//
// The sparse points are chosen once from the environments of all training structures: the choice is
// unsupervised (no label of a validation structure enters it). The covariance rows of every
// structure are assembled once and reduced, per fold f and quantity k (energy, force, virial), to two
// (M+1)×(M+1) triangles by incremental QR:
//     T_fk  of the fit's weighted rows [w a | w b]  (w = 1/σ of the structure's config_type)
//     V_fk  of the rows in the unit of the reported error [e | c]: energy per atom (a/N, b/N),
//           force and virial components as they are.
// Scaling every σ of quantity k (default and config_type ones alike) by m_k scales T_fk by 1/m_k.
// Training on all folds but f is the real fit's least-squares problem with the observation rows
// replaced by their triangles: the QR of
//     [ Lᵀ  0 ;  C_fE / m_E ;  C_fF / m_F ;  C_fV / m_V ],     C_fk = triangle of {T_gk : g ≠ f},
// (Lᵀ the prior factor, L Lᵀ = K_MM + jitter), solved by back substitution; the validation error of
// fold f is then exact without the rows: Σ (eᵀα − c)² = |V_fk[:M,:M] α − V_fk[:M,M]|² + V_fk(M,M)².
// Orthogonal reductions only: the normal equations of a GAP (cond(K_MM) ~ 1/jitter, squared) lose
// most digits, as a test against refitting every fold shows.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include <Eigen/Dense>

#include "pestle/fit/compiled.hpp"
#include "pestle/fit/cross_validation.hpp"
#include "pestle/fit/gap_fit.hpp"
#include "pestle/fit/solvers.hpp"
#include "pestle/fit/sparse_gp.hpp"

namespace pestle {

/// Validation errors of one σ setting, pooled over folds.
struct GpCvScore {
  double energy_sigma_factor = 1.0, force_sigma_factor = 1.0, virial_sigma_factor = 1.0;  ///< m_k
  double energy_rmse = 0.0;  ///< eV/atom
  double force_rmse = 0.0;   ///< eV/Å, force components
  double virial_rmse = 0.0;  ///< eV, virial components
  bool solved = true;        ///< false if some fold's system was singular
};

/// Per-fold, per-quantity QR summaries of a sparse GP's rows (see the file comment).
class GpFoldSummaries {
 public:
  static constexpr int quantities = 3;  // RowKind energy, force, virial

  /// `prior_factor` is Lᵀ (upper triangular) with L Lᵀ = K_MM + jitter, block diagonal over terms.
  GpFoldSummaries(Eigen::Index columns, std::vector<int> fold_of_frame, int folds, Eigen::MatrixXd prior_factor);

  /// Adds the rows of one structure of `natoms` atoms (a RowBlock of gp_structure_rows).
  void add(const RowBlock& r, std::size_t natoms);

  /// Reduces the triangles of the other folds for every fold; call once, after the last add().
  void finish();

  /// Trains on all folds but each f in turn with every σ_k scaled by m_k and pools the validation
  /// errors of all folds.
  GpCvScore score(double m_energy, double m_force, double m_virial) const;

  int folds() const noexcept { return folds_; }

 private:
  static SolverOptions qr_options(Eigen::Index n);
  /// Adds the rows of an augmented triangle [R | z] scaled by s.
  void add_triangle(LeastSquares& ls, const Eigen::MatrixXd& T, double s) const {
    ls.add(T.leftCols(n_), T.col(n_), Eigen::VectorXd::Constant(T.rows(), s));
  }
  std::size_t index(int f, int k) const { return static_cast<std::size_t>(f * quantities + k); }

  Eigen::Index n_;
  int folds_;
  std::vector<int> fold_of_;
  Eigen::MatrixXd Lt_;
  std::vector<LeastSquares> fit_, error_;           // while adding
  std::vector<std::size_t> rows_ = std::vector<std::size_t>(static_cast<std::size_t>(folds_ * quantities), 0);
  std::vector<Eigen::MatrixXd> trained_, validation_;  // after finish()
  bool finished_ = false;
};

/// Assembles the fold summaries of a sparse GP fit (one pass over the data).
template <class Terms, class Progress>
GpFoldSummaries gp_fold_summaries(const Dataset& data, const Terms& terms, const GpFitOptions& opt, int folds,
                                  unsigned seed, Progress&& progress) {
  std::vector<int> fold_of = assign_folds(data.size(), folds, seed);
  const detail::GpSetup g = detail::gp_setup(data, terms, opt);
  Eigen::MatrixXd Lt = Eigen::MatrixXd::Zero(g.columns, g.columns);
  for (std::size_t t = 0; t < g.prior.size(); ++t)
    Lt.block(g.col0[t], g.col0[t], g.prior[t].rows(), g.prior[t].cols()) = g.prior[t];
  GpFoldSummaries out(g.columns, std::move(fold_of), folds, std::move(Lt));
  detail::for_each_structure_rows(
      data, terms, g, opt, [&](const RowBlock& b) { out.add(b, data[b.frame].size()); }, progress);
  out.finish();
  return out;
}

/// The fold summaries of a GAP fit config (its terms, σ, e0 and sparse points as `fit_gap` uses them);
/// progress as for fit_gap. (Definition: fit/impl/gap_cross_validation.hpp, compiled once in pestle::runtime_fit.)
PESTLE_FIT_INLINE GpFoldSummaries gap_fold_summaries(const Dataset& data, const GapFitSettings& s, int folds, unsigned seed,
                                                     const GapFitProgress& progress = {});

}  // namespace pestle

#if !defined(PESTLE_COMPILED_FIT)
#include "pestle/fit/impl/gp_fold_summaries.hpp"
#include "pestle/fit/impl/gap_cross_validation.hpp"
#endif
