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

#include "pestle/core/error.hpp"
#include "pestle/core/memory.hpp"

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
class LeastSquares {
 public:
  LeastSquares(std::size_t columns, SolverOptions options) : n_(columns), opt_(options) {
    if (columns == 0) throw InputError("least squares needs at least one column");
    const auto n = static_cast<Eigen::Index>(n_);
    if (opt_.kind == SolverKind::svd) cap_ = opt_.block_rows ? opt_.block_rows : std::max<std::size_t>(4 * n_, 1024);
    // svd: the row buffer, then R and the SVD's factors; otherwise the normal equations, a copy and a factor
    const double m = double(n_) + 1.0;
    require_memory(bytes_of_doubles(opt_.kind == SolverKind::svd ? (m + double(cap_)) * m + 3.0 * m * m : 3.0 * m * m),
                   "a least-squares fit of " + std::to_string(n_) + " columns",
                   "use fewer descriptor components or basis functions");
    if (opt_.kind == SolverKind::svd) {
      buffer_ = Eigen::MatrixXd::Zero(n + 1 + static_cast<Eigen::Index>(cap_), n + 1);
    } else {
      G_ = Eigen::MatrixXd::Zero(n, n);
      h_ = Eigen::VectorXd::Zero(n);
    }
  }

  std::size_t columns() const noexcept { return n_; }
  std::size_t rows() const noexcept { return rows_; }

  /// svd solver only: the (n+1)×(n+1) upper triangle R of the QR of the weighted augmented rows
  /// [WA | Wb] seen so far (RᵀR = [WA | Wb]ᵀ[WA | Wb]); its rows may be added to another
  /// LeastSquares in place of the rows they summarise.
  Eigen::MatrixXd triangle() {
    if (opt_.kind != SolverKind::svd) throw InputError("LeastSquares::triangle() needs the svd solver");
    factor_pending();
    return buffer_.topRows(static_cast<Eigen::Index>(n_ + 1));
  }

  /// Adds rows a_r·β ≈ b_r with weights w_r (rows with w_r = 0 are ignored).
  void add(const Eigen::Ref<const Eigen::MatrixXd>& A, const Eigen::Ref<const Eigen::VectorXd>& b,
           const Eigen::Ref<const Eigen::VectorXd>& w) {
    if (static_cast<std::size_t>(A.cols()) != n_ || A.rows() != b.size() || A.rows() != w.size())
      throw InputError("least-squares block has inconsistent shape");
    detail::check_finite_block(A, b, w);
    for (Eigen::Index r = 0; r < A.rows(); ++r) {
      if (w[r] == 0.0) continue;
      ++rows_;
      if (opt_.kind == SolverKind::svd) {
        const auto row = static_cast<Eigen::Index>(n_ + 1 + pending_);
        buffer_.row(row).head(static_cast<Eigen::Index>(n_)) = w[r] * A.row(r);
        buffer_(row, static_cast<Eigen::Index>(n_)) = w[r] * b[r];
        if (++pending_ == cap_) factor_pending();
      } else {
        const double w2 = w[r] * w[r];
        G_.selfadjointView<Eigen::Upper>().rankUpdate(A.row(r).transpose(), w2);
        h_ += (w2 * b[r]) * A.row(r).transpose();
        bb_ += w2 * b[r] * b[r];
      }
    }
  }

  /// Adds rows already summarised by their weighted normal equations G = AᵀW²A, h = AᵀW²b,
  /// s = bᵀW²b (e.g. cached per cross-validation fold). Normal-equation solvers only.
  void add_normal_equations(const Eigen::Ref<const Eigen::MatrixXd>& G, const Eigen::Ref<const Eigen::VectorXd>& h,
                            double s, std::size_t rows) {
    if (opt_.kind == SolverKind::svd)
      throw InputError("the svd solver needs rows, not normal equations; use ridge, bayesian_ridge or ard");
    if (G.rows() != G_.rows() || G.cols() != G_.cols() || h.size() != h_.size())
      throw InputError("normal equations have the wrong shape");
    if (!G.allFinite() || !h.allFinite() || !std::isfinite(s)) throw NumericalError("normal equations are not finite");
    G_.triangularView<Eigen::Upper>() += G;
    h_ += h;
    bb_ += s;
    rows_ += rows;
  }

  /// Solves with the accumulated rows. Throws InputError when no row has weight and
  /// NumericalError for a singular or under-determined problem that is not regularised.
  Solution solve() {
    if (rows_ == 0) throw InputError("no rows with non-zero weight to fit (are all weights zero?)");
    if (opt_.kind == SolverKind::svd) {
      factor_pending();
      return solve_svd();
    }
    G_ = G_.selfadjointView<Eigen::Upper>();
    switch (opt_.kind) {
      case SolverKind::ridge: return solve_ridge();
      case SolverKind::bayesian_ridge: return solve_bayesian_ridge();
      case SolverKind::ard: return solve_ard();
      default: break;
    }
    throw InputError("unknown solver");
  }

 private:
  /// Stacks the buffered rows under R and re-factors; R stays in the top (n+1) rows.
  void factor_pending() {
    if (pending_ == 0) return;
    const auto m = static_cast<Eigen::Index>(n_ + 1 + pending_);
    Eigen::Ref<Eigen::MatrixXd> stacked(buffer_.topRows(m));
    Eigen::HouseholderQR<Eigen::Ref<Eigen::MatrixXd>> qr(stacked);  // in place: R overwrites the top
    const auto k = static_cast<Eigen::Index>(n_ + 1);
    buffer_.topRows(k).triangularView<Eigen::StrictlyLower>().setZero();  // drop the Householder vectors
    buffer_.bottomRows(buffer_.rows() - k).setZero();
    pending_ = 0;
  }

  Solution solve_svd() const {
    const auto n = static_cast<Eigen::Index>(n_);
    const Eigen::MatrixXd R = buffer_.topLeftCorner(n, n);
    const Eigen::VectorXd z = buffer_.col(n).head(n);
    const double rho = buffer_(n, n);
    const Eigen::VectorXd d = detail::column_scales(R.colwise().squaredNorm().transpose(), opt_.scale_columns);
    const Eigen::MatrixXd Rs = R * d.cwiseInverse().asDiagonal();
    Eigen::BDCSVD<Eigen::MatrixXd> svd(Rs, Eigen::ComputeFullU | Eigen::ComputeFullV);
    const Eigen::VectorXd& s = svd.singularValues();
    Solution sol;
    sol.rows = rows_;
    sol.columns = n_;
    sol.singular_values = s;
    const double cut = opt_.rcond * (s.size() ? s[0] : 0.0);
    Eigen::VectorXd uz = svd.matrixU().transpose() * z;
    Eigen::VectorXd y = Eigen::VectorXd::Zero(n);
    for (Eigen::Index i = 0; i < s.size(); ++i)
      if (s[i] > cut && s[i] > 0.0) {
        y += (uz[i] / s[i]) * svd.matrixV().col(i);
        ++sol.rank;
      }
    if (sol.rank < n_ && !opt_.allow_rank_deficient) {
      std::string why = rows_ < n_ ? "under-determined: " + std::to_string(rows_) + " weighted rows for " +
                                         std::to_string(n_) + " coefficients"
                                   : "rank-deficient design matrix";
      throw NumericalError(why + " (numerical rank " + std::to_string(sol.rank) + " of " + std::to_string(n_) +
                           " at rcond " + std::to_string(opt_.rcond) +
                           "); add data, use a regularised solver (ridge, bayesian_ridge, ard) or allow a "
                           "minimum-norm solution");
    }
    sol.coefficients = y.cwiseQuotient(d);
    sol.residual = std::sqrt(rho * rho + (z - Rs * y).squaredNorm());
    return sol;
  }

  /// Standardised normal equations: Gs = D⁻¹GD⁻¹, hs = D⁻¹h.
  void standardised(Eigen::VectorXd& d, Eigen::MatrixXd& Gs, Eigen::VectorXd& hs) const {
    d = detail::column_scales(G_.diagonal(), opt_.scale_columns);
    const Eigen::VectorXd inv = d.cwiseInverse();
    Gs = inv.asDiagonal() * G_ * inv.asDiagonal();
    hs = inv.cwiseProduct(h_);
  }

  double residual_of(const Eigen::MatrixXd& Gs, const Eigen::VectorXd& hs, const Eigen::VectorXd& y) const {
    return std::max(0.0, bb_ - 2.0 * y.dot(hs) + y.dot(Gs * y));
  }

  Solution solve_ridge() const {
    Eigen::VectorXd d, hs;
    Eigen::MatrixXd Gs;
    standardised(d, Gs, hs);
    if (!(opt_.ridge >= 0.0)) throw InputError("ridge parameter must be >= 0");
    if (opt_.ridge == 0.0 && rows_ < n_)
      throw NumericalError("under-determined: " + std::to_string(rows_) + " weighted rows for " + std::to_string(n_) +
                           " coefficients and no ridge regularisation");
    Eigen::MatrixXd M = Gs;
    if (opt_.ridge_scale.empty()) {
      M.diagonal().array() += opt_.ridge;
    } else {
      if (opt_.ridge_scale.size() != n_)
        throw InputError("ridge_scale has " + std::to_string(opt_.ridge_scale.size()) + " entries for " +
                         std::to_string(n_) + " columns");
      for (std::size_t c = 0; c < n_; ++c) {
        if (!(opt_.ridge_scale[c] >= 0.0) || !std::isfinite(opt_.ridge_scale[c]))
          throw InputError("ridge_scale entries must be finite and >= 0");
        M(static_cast<Eigen::Index>(c), static_cast<Eigen::Index>(c)) += opt_.ridge * opt_.ridge_scale[c];
      }
    }
    Eigen::LLT<Eigen::MatrixXd> llt(M);
    if (llt.info() != Eigen::Success || llt.rcond() < 1e3 * std::numeric_limits<double>::epsilon())
      throw NumericalError("ridge normal equations are singular (reciprocal condition " + std::to_string(llt.rcond()) +
                           "); increase the ridge parameter");
    const Eigen::VectorXd y = llt.solve(hs);
    Solution sol;
    sol.rows = rows_;
    sol.columns = sol.rank = n_;
    sol.coefficients = y.cwiseQuotient(d);
    sol.residual = std::sqrt(residual_of(Gs, hs, y));
    return sol;
  }

  /// Bayesian ridge (MacKay 1992): prior β ~ N(0, α⁻¹I), noise precision β_n; both maximise
  /// the evidence by the fixed-point updates α = γ/|m|², β_n = (N-γ)/|r|².
  Solution solve_bayesian_ridge() const {
    Eigen::VectorXd d, hs;
    Eigen::MatrixXd Gs;
    standardised(d, Gs, hs);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(Gs);
    const Eigen::VectorXd e = eig.eigenvalues().cwiseMax(0.0);
    const Eigen::MatrixXd& V = eig.eigenvectors();
    const Eigen::VectorXd vh = V.transpose() * hs;
    const double N = static_cast<double>(rows_);
    double alpha = 1.0, beta = bb_ > 0.0 ? N / bb_ : 1.0;
    Eigen::VectorXd y(static_cast<Eigen::Index>(n_));
    double gamma = 0.0, rss = 0.0;
    int it = 0;
    for (; it < opt_.max_iterations; ++it) {
      const Eigen::ArrayXd denom = alpha + beta * e.array();
      y = V * (beta * vh.array() / denom).matrix();
      gamma = (beta * e.array() / denom).sum();
      rss = residual_of(Gs, hs, y);
      const double alpha_new = gamma / std::max(y.squaredNorm(), std::numeric_limits<double>::min());
      const double beta_new = std::max(N - gamma, 1e-12) / std::max(rss, std::numeric_limits<double>::min());
      const bool done = std::abs(alpha_new - alpha) <= opt_.tolerance * alpha &&
                        std::abs(beta_new - beta) <= opt_.tolerance * beta;
      alpha = alpha_new;
      beta = beta_new;
      if (!std::isfinite(alpha) || !std::isfinite(beta))
        throw NumericalError("Bayesian ridge evidence maximisation diverged");
      if (done) break;
    }
    const Eigen::ArrayXd denom = alpha + beta * e.array();
    y = V * (beta * vh.array() / denom).matrix();
    rss = residual_of(Gs, hs, y);
    Solution sol;
    sol.rows = rows_;
    sol.columns = sol.rank = n_;
    sol.coefficients = y.cwiseQuotient(d);
    sol.residual = std::sqrt(rss);
    sol.alpha = alpha;
    sol.beta = beta;
    sol.effective_parameters = (beta * e.array() / denom).sum();
    sol.iterations = it + 1;
    const double n = static_cast<double>(n_);
    sol.log_evidence = 0.5 * (n * std::log(alpha) + N * std::log(beta) - beta * rss - alpha * y.squaredNorm() -
                              denom.log().sum() - N * std::log(2.0 * std::numbers::pi));
    // posterior covariance (αI + β_n Gs)⁻¹ in the standardised basis, mapped back by D⁻¹
    const Eigen::VectorXd var_s = (V.array().square().matrix() * denom.inverse().matrix());
    sol.coefficient_std = var_s.cwiseSqrt().cwiseQuotient(d);
    return sol;
  }

  /// Automatic relevance determination (Tipping 2001): one prior precision α_i per
  /// coefficient; α_i = γ_i/m_i², γ_i = 1 - α_i Σ_ii; coefficients with α_i above the
  /// threshold are pruned (set to zero).
  Solution solve_ard() const {
    Eigen::VectorXd d, hs;
    Eigen::MatrixXd Gs;
    standardised(d, Gs, hs);
    const auto n = static_cast<Eigen::Index>(n_);
    const double N = static_cast<double>(rows_);
    Eigen::VectorXd alpha = Eigen::VectorXd::Ones(n), y = Eigen::VectorXd::Zero(n), var = Eigen::VectorXd::Zero(n);
    double beta = bb_ > 0.0 ? N / bb_ : 1.0;
    int it = 0;
    std::vector<Eigen::Index> active;
    for (; it < opt_.max_iterations; ++it) {
      active.clear();
      for (Eigen::Index j = 0; j < n; ++j)
        if (alpha[j] < opt_.ard_threshold) active.push_back(j);
      if (active.empty()) break;
      const auto k = static_cast<Eigen::Index>(active.size());
      Eigen::MatrixXd P(k, k);
      Eigen::VectorXd ha(k);
      for (Eigen::Index a = 0; a < k; ++a) {
        ha[a] = hs[active[static_cast<std::size_t>(a)]];
        for (Eigen::Index c = 0; c < k; ++c)
          P(a, c) = beta * Gs(active[static_cast<std::size_t>(a)], active[static_cast<std::size_t>(c)]);
        P(a, a) += alpha[active[static_cast<std::size_t>(a)]];
      }
      Eigen::LLT<Eigen::MatrixXd> llt(P);
      if (llt.info() != Eigen::Success) throw NumericalError("ARD posterior precision is not positive definite");
      const Eigen::MatrixXd Sigma = llt.solve(Eigen::MatrixXd::Identity(k, k));
      const Eigen::VectorXd ma = beta * (Sigma * ha);
      Eigen::VectorXd y_new = Eigen::VectorXd::Zero(n);
      var.setZero();
      double gamma_sum = 0.0;
      Eigen::VectorXd alpha_new = alpha;
      for (Eigen::Index a = 0; a < k; ++a) {
        const Eigen::Index j = active[static_cast<std::size_t>(a)];
        y_new[j] = ma[a];
        var[j] = Sigma(a, a);
        const double gamma = std::clamp(1.0 - alpha[j] * Sigma(a, a), 1e-12, 1.0);
        gamma_sum += gamma;
        alpha_new[j] = gamma / std::max(ma[a] * ma[a], std::numeric_limits<double>::min());
      }
      const double rss = residual_of(Gs, hs, y_new);
      const double change = (y_new - y).norm() / std::max(y_new.norm(), 1e-300);
      y = y_new;
      alpha = alpha_new;
      beta = std::max(N - gamma_sum, 1e-12) / std::max(rss, std::numeric_limits<double>::min());
      if (!std::isfinite(beta)) throw NumericalError("ARD evidence maximisation diverged");
      if (change <= opt_.tolerance && it > 0) break;
    }
    Solution sol;
    sol.rows = rows_;
    sol.columns = n_;
    sol.rank = static_cast<std::size_t>(std::count_if(alpha.data(), alpha.data() + n,
                                                      [&](double a) { return a < opt_.ard_threshold; }));
    sol.coefficients = y.cwiseQuotient(d);
    sol.residual = std::sqrt(residual_of(Gs, hs, y));
    sol.beta = beta;
    sol.iterations = it + 1;
    sol.coefficient_std = var.cwiseSqrt().cwiseQuotient(d);
    return sol;
  }

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
