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
  GpFoldSummaries(Eigen::Index columns, std::vector<int> fold_of_frame, int folds, Eigen::MatrixXd prior_factor)
      : n_(columns), folds_(folds), fold_of_(std::move(fold_of_frame)), Lt_(std::move(prior_factor)) {
    for (int p = 0; p < folds * quantities; ++p) {
      fit_.emplace_back(static_cast<std::size_t>(n_), qr_options(n_));
      error_.emplace_back(static_cast<std::size_t>(n_), qr_options(n_));
    }
  }

  /// Adds the rows of one structure of `natoms` atoms (a RowBlock of gp_structure_rows).
  void add(const RowBlock& r, std::size_t natoms) {
    if (finished_) throw InputError("GpFoldSummaries: rows added after finish()");
    const int f = fold_of_.at(r.frame);
    for (Eigen::Index i = 0; i < r.A.rows(); ++i) {
      if (!(r.w[i] > 0.0)) continue;
      const int k = static_cast<int>(r.kind[static_cast<std::size_t>(i)]);
      const double unit = k == static_cast<int>(RowKind::energy) ? 1.0 / static_cast<double>(natoms) : 1.0;
      const auto one = Eigen::VectorXd::Ones(1);
      fit_[index(f, k)].add(r.A.row(i), r.b.segment(i, 1), r.w[i] * one);
      error_[index(f, k)].add(r.A.row(i), r.b.segment(i, 1), unit * one);
      ++rows_[index(f, k)];
    }
  }

  /// Reduces the triangles of the other folds for every fold; call once, after the last add().
  void finish() {
    if (finished_) return;
    std::vector<Eigen::MatrixXd> T(fit_.size()), V(error_.size());
    for (std::size_t p = 0; p < fit_.size(); ++p)
      if (rows_[p]) {
        T[p] = fit_[p].triangle();
        V[p] = error_[p].triangle();
      }
    fit_.clear();
    error_.clear();
    for (int f = 0; f < folds_; ++f)
      for (int k = 0; k < quantities; ++k) {
        LeastSquares others(static_cast<std::size_t>(n_), qr_options(n_));
        bool any = false;
        for (int g = 0; g < folds_; ++g)
          if (g != f && rows_[index(g, k)]) {
            add_triangle(others, T[index(g, k)], 1.0);
            any = true;
          }
        trained_.push_back(any ? others.triangle() : Eigen::MatrixXd());
      }
    validation_ = std::move(V);
    finished_ = true;
  }

  /// Trains on all folds but each f in turn with every σ_k scaled by m_k and pools the validation
  /// errors of all folds.
  GpCvScore score(double m_energy, double m_force, double m_virial) const {
    if (!finished_) throw InputError("GpFoldSummaries: score() before finish()");
    GpCvScore out{m_energy, m_force, m_virial};
    const double m[quantities] = {m_energy, m_force, m_virial};
    double sq[quantities] = {0, 0, 0};
    std::size_t count[quantities] = {0, 0, 0};
    for (int f = 0; f < folds_; ++f) {
      LeastSquares ls(static_cast<std::size_t>(n_), qr_options(n_));
      Eigen::MatrixXd prior = Eigen::MatrixXd::Zero(n_ + 1, n_ + 1);
      prior.topLeftCorner(n_, n_) = Lt_;
      add_triangle(ls, prior, 1.0);
      for (int k = 0; k < quantities; ++k)
        if (trained_[index(f, k)].size()) add_triangle(ls, trained_[index(f, k)], 1.0 / m[k]);
      const Eigen::MatrixXd R = ls.triangle();
      const double smallest = R.topLeftCorner(n_, n_).diagonal().cwiseAbs().minCoeff();
      const double largest = R.topLeftCorner(n_, n_).diagonal().cwiseAbs().maxCoeff();
      if (!(smallest > 1e-14 * largest)) {
        out.solved = false;
        return out;
      }
      const Eigen::VectorXd alpha = R.topLeftCorner(n_, n_).triangularView<Eigen::Upper>().solve(R.col(n_).head(n_));
      for (int k = 0; k < quantities; ++k) {
        const std::size_t p = index(f, k);
        if (!rows_[p]) continue;
        const Eigen::MatrixXd& V = validation_[p];
        const Eigen::VectorXd e = V.topLeftCorner(n_, n_) * alpha - V.col(n_).head(n_);
        sq[k] += e.squaredNorm() + V(n_, n_) * V(n_, n_);
        count[k] += rows_[p];
      }
    }
    auto rmse = [&](int k) { return count[k] ? std::sqrt(sq[k] / static_cast<double>(count[k])) : 0.0; };
    out.energy_rmse = rmse(0);
    out.force_rmse = rmse(1);
    out.virial_rmse = rmse(2);
    return out;
  }

  int folds() const noexcept { return folds_; }

 private:
  static SolverOptions qr_options(Eigen::Index n) {
    SolverOptions o;
    o.kind = SolverKind::svd;
    o.scale_columns = false;
    o.block_rows = static_cast<std::size_t>(n + 1);  // bounds each buffer to 2(M+1)² doubles
    return o;
  }
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

/// The fold summaries of a GAP fit config (its terms, σ, e0 and sparse points as `fit_gap` uses them).
template <class Progress>
GpFoldSummaries gap_fold_summaries(const Dataset& data, const GapFitSettings& s, int folds, unsigned seed,
                                   Progress&& progress) {
  if (data.empty()) throw InputError("GAP cross-validation: the training set is empty");
  auto specs = gap_fit_terms(s.gap, data.species()).second;
  return gp_fold_summaries(data, specs, gap_fit_options(data, s), folds, seed, progress);
}

}  // namespace pestle
