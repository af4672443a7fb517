#pragma once
// The members of GpFoldSummaries (declared in fit/gp_cross_validation.hpp):
// inline in the header-only mode, compiled once into pestle::runtime_fit otherwise (fit/compiled.hpp).
#include <utility>
#include <vector>

#include "pestle/fit/gp_cross_validation.hpp"

namespace pestle {

PESTLE_FIT_INLINE GpFoldSummaries::GpFoldSummaries(Eigen::Index columns, std::vector<int> fold_of_frame, int folds,
                                                   Eigen::MatrixXd prior_factor) : n_(columns), folds_(folds),
                                                   fold_of_(std::move(fold_of_frame)), Lt_(std::move(prior_factor)) {
  for (int p = 0; p < folds * quantities; ++p) {
    fit_.emplace_back(static_cast<std::size_t>(n_), qr_options(n_));
    error_.emplace_back(static_cast<std::size_t>(n_), qr_options(n_));
  }
}

PESTLE_FIT_INLINE void GpFoldSummaries::add(const RowBlock& r, std::size_t natoms) {
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

PESTLE_FIT_INLINE void GpFoldSummaries::finish() {
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

PESTLE_FIT_INLINE GpCvScore GpFoldSummaries::score(double m_energy, double m_force, double m_virial) const {
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

PESTLE_FIT_INLINE SolverOptions GpFoldSummaries::qr_options(Eigen::Index n) {
  SolverOptions o;
  o.kind = SolverKind::svd;
  o.scale_columns = false;
  o.block_rows = static_cast<std::size_t>(n + 1);  // bounds each buffer to 2(M+1)² doubles
  return o;
}

}  // namespace pestle
