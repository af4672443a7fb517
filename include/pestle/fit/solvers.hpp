#pragma once
// Streamed weighted linear least squares. Rows arrive in blocks (A, b, w); the loss is
//   L(β) = Σ_r w_r² (a_r·β - b_r)²        (w multiplies the residual, as FitSNAP's weights)
// and only fixed-size summaries of the rows seen so far are kept, so memory is bounded by
// one block plus O(n²) for n columns, however many rows there are:
//   * svd: an incremental QR of the weighted, augmented matrix [WA | Wb]. Each block is
//     stacked under the current (n+1)×(n+1) triangle R and re-factored (Householder QR);
//     R's last column holds Qᵀ(Wb) and its corner the residual norm. The solution is the
//     truncated-SVD (pseudo-inverse) solution of R β = Qᵀb with a relative cut-off rcond.
//   * ridge, bayesian_ridge, ard: the normal equations G = AᵀW²A, h = AᵀW²b, s = bᵀW²b.
// Columns are standardised (scaled to unit weighted norm) before solving; the penalties and
// the rcond cut-off apply to the standardised problem, the coefficients returned are for the
// original columns. Formulas and references: docs/fitting.md.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <vector>
#include <string>

#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <Eigen/SVD>

#include "pestle/core/communicator.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/memory.hpp"
#include "pestle/fit/compiled.hpp"

namespace pestle {

enum class SolverKind { svd, ridge, bayesian_ridge, ard };

inline const char* solver_name(SolverKind k) {
  switch (k) {
    case SolverKind::svd: return "svd";
    case SolverKind::ridge: return "ridge";
    case SolverKind::bayesian_ridge: return "bayesian_ridge";
    case SolverKind::ard: return "ard";
  }
  return "?";
}

inline SolverKind solver_from_name(const std::string& name) {
  for (SolverKind k : {SolverKind::svd, SolverKind::ridge, SolverKind::bayesian_ridge, SolverKind::ard})
    if (name == solver_name(k)) return k;
  throw InputError("unknown solver '" + name + "' (expected svd, ridge, bayesian_ridge or ard)");
}

struct SolverOptions {
  SolverKind kind = SolverKind::svd;
  bool scale_columns = true;         ///< standardise columns to unit weighted norm
  double rcond = 1e-12;              ///< svd: singular values below rcond·σ_max are dropped
  bool allow_rank_deficient = false; ///< svd: accept rank < columns (minimum-norm solution)
  double ridge = 1e-8;               ///< ridge: λ on the standardised coefficients
  /// ridge: per-column factor s_c of λ (λ·s_c on the diagonal; empty: all 1), e.g. a smoothness
  /// prior that penalises high-degree ACE functions more (docs/ace.md, Fitting)
  std::vector<double> ridge_scale;
  int max_iterations = 300;          ///< bayesian_ridge / ard
  double tolerance = 1e-8;           ///< bayesian_ridge / ard: relative change that stops the iteration
  double ard_threshold = 1e10;       ///< ard: coefficients whose precision exceeds this are pruned
  std::size_t block_rows = 0;        ///< svd: rows buffered per QR update (0: max(4n, 1024))
};

struct Solution {
  Eigen::VectorXd coefficients;      ///< for the original (unscaled) columns
  std::size_t rows = 0;              ///< rows with non-zero weight
  std::size_t columns = 0;
  std::size_t rank = 0;              ///< svd: numerical rank; others: columns (ard: active columns)
  double residual = 0.0;             ///< sqrt(Σ w²(a·β - b)²)
  Eigen::VectorXd singular_values;   ///< svd: of the standardised weighted matrix
  double alpha = 0.0;                ///< bayesian_ridge: prior precision (standardised coefficients)
  double beta = 0.0;                 ///< bayesian_ridge / ard: noise precision (1/variance of w·residual)
  double effective_parameters = 0.0; ///< bayesian: γ = Σ well-determined directions
  double log_evidence = 0.0;         ///< bayesian_ridge
  int iterations = 0;
  Eigen::VectorXd coefficient_std;   ///< bayesian: posterior standard deviation per coefficient
};

namespace detail {

inline void check_finite_block(const Eigen::Ref<const Eigen::MatrixXd>& A, const Eigen::Ref<const Eigen::VectorXd>& b,
                               const Eigen::Ref<const Eigen::VectorXd>& w) {
  for (Eigen::Index r = 0; r < A.rows(); ++r)
    if (!A.row(r).allFinite() || !std::isfinite(b[r]) || !std::isfinite(w[r]) || w[r] < 0.0)
      throw NumericalError("design-matrix row " + std::to_string(r) +
                           " of a block has a non-finite entry or a negative weight");
}

/// Column scale factors from the squared column norms; zero columns keep scale 1.
inline Eigen::VectorXd column_scales(const Eigen::VectorXd& squared_norms, bool enabled) {
  Eigen::VectorXd d = Eigen::VectorXd::Ones(squared_norms.size());
  if (!enabled) return d;
  for (Eigen::Index j = 0; j < d.size(); ++j)
    if (squared_norms[j] > 0.0) d[j] = std::sqrt(squared_norms[j]);
  return d;
}

}  // namespace detail

/// Accumulates weighted rows and solves; use add() for every block, then solve().
/// (Member definitions: fit/impl/solvers.hpp, compiled once in pestle::runtime_fit.)
class LeastSquares {
 public:
  LeastSquares(std::size_t columns, SolverOptions options);

  std::size_t columns() const noexcept { return n_; }
  std::size_t rows() const noexcept { return rows_; }

  /// svd solver only: the (n+1)×(n+1) upper triangle R of the QR of the weighted augmented rows
  /// [WA | Wb] seen so far (RᵀR = [WA | Wb]ᵀ[WA | Wb]); its rows may be added to another
  /// LeastSquares in place of the rows they summarise.
  Eigen::MatrixXd triangle();

  /// Adds rows a_r·β ≈ b_r with weights w_r (rows with w_r = 0 are ignored).
  void add(const Eigen::Ref<const Eigen::MatrixXd>& A, const Eigen::Ref<const Eigen::VectorXd>& b,
           const Eigen::Ref<const Eigen::VectorXd>& w);

  /// Adds rows already summarised by their weighted normal equations G = AᵀW²A, h = AᵀW²b,
  /// s = bᵀW²b (e.g. cached per cross-validation fold). Normal-equation solvers only.
  void add_normal_equations(const Eigen::Ref<const Eigen::MatrixXd>& G, const Eigen::Ref<const Eigen::VectorXd>& h,
                            double s, std::size_t rows);

  /// Combines the rows every rank of `comm` has added, so that each rank holds all of them (as if one
  /// LeastSquares had seen every rank's rows; equal to round-off, as sums are taken in another
  /// order). Normal-equation solvers sum G, h and bᵀb; the svd solver merges the ranks' triangles R
  /// pairwise in a binary tree (stacked and factored again; no rank holds more than two) and sends the
  /// last one to every rank. Call it on every rank, after the last add(), before solve().
  void reduce(const Communicator& comm);

  /// Solves with the accumulated rows. Throws InputError when no row has weight and
  /// NumericalError for a singular or under-determined problem that is not regularised.
  Solution solve();

 private:
  /// Stacks the buffered rows under R and re-factors; R stays in the top (n+1) rows.
  void factor_pending();

  /// The normal-equation solvers' add: G, h and bᵀb of the block's weighted rows.
  void add_to_normal_equations(const Eigen::Ref<const Eigen::MatrixXd>& A, const Eigen::Ref<const Eigen::VectorXd>& b,
                               const Eigen::Ref<const Eigen::VectorXd>& w);

  Solution solve_svd() const;

  /// Standardised normal equations: Gs = D⁻¹GD⁻¹, hs = D⁻¹h.
  void standardised(Eigen::VectorXd& d, Eigen::MatrixXd& Gs, Eigen::VectorXd& hs) const;

  double residual_of(const Eigen::MatrixXd& Gs, const Eigen::VectorXd& hs, const Eigen::VectorXd& y) const {
    return std::max(0.0, bb_ - 2.0 * y.dot(hs) + y.dot(Gs * y));
  }

  Solution solve_ridge() const;

  /// The smallest squared residual the normal equations can tell from zero: bᵀb − 2yᵀh + yᵀGy cancels
  /// to round-off of bᵀb, so noise-free labels (an exact fit) give ~1e-16 bᵀb or exactly 0, and the
  /// evidence updates' noise precision N/rss would run to infinity.
  double residual_floor() const {
    return std::max(64.0 * std::numeric_limits<double>::epsilon() * bb_, std::numeric_limits<double>::min());
  }

  /// Bayesian ridge (MacKay 1992): prior β ~ N(0, α⁻¹I), noise precision β_n; both maximise
  /// the evidence by the fixed-point updates α = γ/|m|², β_n = (N-γ)/|r|².
  Solution solve_bayesian_ridge() const;

  /// Automatic relevance determination (Tipping 2001): one prior precision α_i per
  /// coefficient; α_i = γ_i/m_i², γ_i = 1 - α_i Σ_ii; coefficients with α_i above the
  /// threshold are pruned (set to zero).
  Solution solve_ard() const;

  std::size_t n_;
  SolverOptions opt_;
  std::size_t rows_ = 0;
  // svd path
  std::size_t cap_ = 0, pending_ = 0;
  Eigen::MatrixXd buffer_;  ///< top n+1 rows: R of [WA|Wb]; below: pending rows
  // normal-equation path
  Eigen::MatrixXd G_;
  Eigen::VectorXd h_;
  double bb_ = 0.0;
};

/// One-shot weighted least squares of a dense matrix (convenience for small problems).
inline Solution solve_least_squares(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, const Eigen::VectorXd& w,
                                    const SolverOptions& options = {}) {
  LeastSquares ls(static_cast<std::size_t>(A.cols()), options);
  ls.add(A, b, w);
  return ls.solve();
}

}  // namespace pestle

#if !defined(PESTLE_COMPILED_FIT)
#include "pestle/fit/impl/solvers.hpp"
#endif
