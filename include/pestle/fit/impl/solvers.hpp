#pragma once
// The members of LeastSquares (declared in fit/solvers.hpp): inline in the header-only mode, compiled
// once into pestle::runtime_fit otherwise (fit/compiled.hpp). Eigen's QR, SVD and Cholesky
// factorisations behind them are the costliest code of the solvers to compile.
#include <algorithm>
#include <cmath>
#include <string>

#include "pestle/fit/solvers.hpp"

namespace pestle {

PESTLE_FIT_INLINE LeastSquares::LeastSquares(std::size_t columns, SolverOptions options) : n_(columns), opt_(options) {
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

PESTLE_FIT_INLINE Eigen::MatrixXd LeastSquares::triangle() {
  if (opt_.kind != SolverKind::svd) throw InputError("LeastSquares::triangle() needs the svd solver");
  factor_pending();
  return buffer_.topRows(static_cast<Eigen::Index>(n_ + 1));
}

PESTLE_FIT_INLINE void LeastSquares::add(const Eigen::Ref<const Eigen::MatrixXd>& A,
                                         const Eigen::Ref<const Eigen::VectorXd>& b,
                                         const Eigen::Ref<const Eigen::VectorXd>& w) {
  if (static_cast<std::size_t>(A.cols()) != n_ || A.rows() != b.size() || A.rows() != w.size())
    throw InputError("least-squares block has inconsistent shape");
  detail::check_finite_block(A, b, w);
  if (opt_.kind != SolverKind::svd) {
    add_to_normal_equations(A, b, w);
    return;
  }
  for (Eigen::Index r = 0; r < A.rows(); ++r) {
    if (w[r] == 0.0) continue;
    ++rows_;
    const auto row = static_cast<Eigen::Index>(n_ + 1 + pending_);
    buffer_.row(row).head(static_cast<Eigen::Index>(n_)) = w[r] * A.row(r);
    buffer_(row, static_cast<Eigen::Index>(n_)) = w[r] * b[r];
    if (++pending_ == cap_) factor_pending();
  }
}

PESTLE_FIT_INLINE void LeastSquares::add_to_normal_equations(const Eigen::Ref<const Eigen::MatrixXd>& A,
                                                             const Eigen::Ref<const Eigen::VectorXd>& b,
                                                             const Eigen::Ref<const Eigen::VectorXd>& w) {
  // The weighted rows of the block, then one rank-k update G += (WA)ᵀ(WA): a matrix product that runs
  // at the machine's FLOP rate, where one rank-1 update per row streamed all of G through memory per
  // row (for the 2050 columns of the InP ACE basis, 17 MB per row).
  Eigen::Index kept = 0;
  for (Eigen::Index r = 0; r < A.rows(); ++r) kept += w[r] != 0.0 ? 1 : 0;
  if (kept == 0) return;
  Eigen::MatrixXd Aw(kept, static_cast<Eigen::Index>(n_));
  Eigen::VectorXd bw(kept);
  for (Eigen::Index r = 0, m = 0; r < A.rows(); ++r) {
    if (w[r] == 0.0) continue;
    Aw.row(m) = w[r] * A.row(r);
    bw[m++] = w[r] * b[r];
  }
  G_.selfadjointView<Eigen::Upper>().rankUpdate(Aw.transpose());
  h_.noalias() += Aw.transpose() * bw;
  bb_ += bw.squaredNorm();
  rows_ += static_cast<std::size_t>(kept);
}

PESTLE_FIT_INLINE void LeastSquares::add_normal_equations(const Eigen::Ref<const Eigen::MatrixXd>& G,
                                                          const Eigen::Ref<const Eigen::VectorXd>& h, double s,
                                                          std::size_t rows) {
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

PESTLE_FIT_INLINE void LeastSquares::reduce(const Communicator& comm) {
  if (comm.size() <= 1) return;
  rows_ = static_cast<std::size_t>(comm.sum(static_cast<double>(rows_)));
  if (opt_.kind != SolverKind::svd) {
    comm.sum(G_.data(), static_cast<std::size_t>(G_.size()));  // upper triangles; the lower ones are all zero
    comm.sum(h_.data(), static_cast<std::size_t>(h_.size()));
    bb_ = comm.sum(bb_);
    return;
  }
  // A binary tree of merges: at step d, rank r (a multiple of 2d) stacks the triangle of rank r + d
  // under its own and factors the two again, so each rank holds at most two triangles at a time.
  // Rank 0 ends with R of every rank's rows and sends it to all, so every rank solves the same system.
  factor_pending();
  const auto k = static_cast<Eigen::Index>(n_ + 1);
  const auto doubles = static_cast<std::size_t>(k * k);
  const int rank = comm.rank(), size = comm.size();
  Eigen::MatrixXd other(k, k);
  for (int d = 1; d < size; d *= 2) {
    if (rank % (2 * d) == d) {
      const Eigen::MatrixXd mine = buffer_.topRows(k);
      comm.send(mine.data(), doubles, rank - d);
    } else if (rank % (2 * d) == 0 && rank + d < size) {
      comm.receive(other.data(), doubles, rank + d);
      for (Eigen::Index r = 0; r < k; ++r) {
        buffer_.row(k + static_cast<Eigen::Index>(pending_)) = other.row(r);
        if (++pending_ == cap_) factor_pending();
      }
      factor_pending();
    }
  }
  Eigen::MatrixXd R = buffer_.topRows(k);
  broadcast_from_root(comm, R.data(), doubles);
  buffer_.topRows(k) = R;
}

PESTLE_FIT_INLINE Solution LeastSquares::solve() {
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

PESTLE_FIT_INLINE void LeastSquares::factor_pending() {
  if (pending_ == 0) return;
  const auto m = static_cast<Eigen::Index>(n_ + 1 + pending_);
  Eigen::Ref<Eigen::MatrixXd> stacked(buffer_.topRows(m));
  Eigen::HouseholderQR<Eigen::Ref<Eigen::MatrixXd>> qr(stacked);  // in place: R overwrites the top
  const auto k = static_cast<Eigen::Index>(n_ + 1);
  buffer_.topRows(k).triangularView<Eigen::StrictlyLower>().setZero();  // drop the Householder vectors
  buffer_.bottomRows(buffer_.rows() - k).setZero();
  pending_ = 0;
}

PESTLE_FIT_INLINE Solution LeastSquares::solve_svd() const {
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

PESTLE_FIT_INLINE void LeastSquares::standardised(Eigen::VectorXd& d, Eigen::MatrixXd& Gs, Eigen::VectorXd& hs) const {
  d = detail::column_scales(G_.diagonal(), opt_.scale_columns);
  const Eigen::VectorXd inv = d.cwiseInverse();
  Gs = inv.asDiagonal() * G_ * inv.asDiagonal();
  hs = inv.cwiseProduct(h_);
}

PESTLE_FIT_INLINE Solution LeastSquares::solve_ridge() const {
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

PESTLE_FIT_INLINE Solution LeastSquares::solve_bayesian_ridge() const {
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
    const double beta_new = std::max(N - gamma, 1e-12) / std::max(rss, residual_floor());
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

PESTLE_FIT_INLINE Solution LeastSquares::solve_ard() const {
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
    beta = std::max(N - gamma_sum, 1e-12) / std::max(rss, residual_floor());
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

}  // namespace pestle
