#pragma once
// Definitions of pestle/fit/sparse_gp.hpp: inline in header-only use; compiled once in
// src/runtime_fit/compile_fit_foundations.cpp with PESTLE_COMPILED_FIT (docs/architecture.md, "Compiled once").
#include "pestle/fit/sparse_gp.hpp"

namespace pestle {

PESTLE_FIT_INLINE std::vector<std::size_t> select_cur(const Eigen::MatrixXd& Q, std::size_t m) {
  detail::check_sparse_request(static_cast<std::size_t>(Q.rows()), m, "CUR selection");
  const std::vector<bool> dup = detail::duplicate_rows(Q);
  const auto distinct = static_cast<std::size_t>(std::count(dup.begin(), dup.end(), false));
  if (m > distinct)
    throw TooFewEnvironments("CUR selection: " + std::to_string(m) + " sparse points requested but only " +
                                 std::to_string(distinct) + " distinct environments exist", distinct);
  std::vector<bool> taken(dup);
  std::vector<std::size_t> chosen;
  chosen.reserve(m);
  while (chosen.size() < m) {
    std::vector<Eigen::Index> rows;
    for (std::size_t i = 0; i < taken.size(); ++i)
      if (!taken[i]) rows.push_back(static_cast<Eigen::Index>(i));
    const Eigen::MatrixXd Qr = Q(rows, Eigen::all);
    // Left singular vectors through the small d×d Gram matrix: QᵀQ = V S² Vᵀ, U = Q V S⁻¹.
    const dense::SymmetricEigen eig = dense::symmetric_eigen(Qr.transpose() * Qr);
    const Eigen::VectorXd& ev = eig.values;  // ascending
    const double top = ev.size() ? ev[ev.size() - 1] : 0.0;
    Eigen::Index k = 0;
    while (k < ev.size() && ev[ev.size() - 1 - k] > 1e-12 * top) ++k;
    if (k == 0) {  // all remaining rows are zero: take them in order
      for (Eigen::Index r : rows)
        if (chosen.size() < m) chosen.push_back(static_cast<std::size_t>(r));
      break;
    }
    Eigen::MatrixXd U = Qr * eig.vectors.rightCols(k);
    U = U * ev.tail(k).cwiseSqrt().cwiseInverse().asDiagonal();
    for (Eigen::Index pick = 0; pick < k && chosen.size() < m; ++pick) {
      Eigen::Index best = 0;
      const double score = U.rowwise().squaredNorm().maxCoeff(&best);
      if (!(score > 1e-12)) break;
      chosen.push_back(static_cast<std::size_t>(rows[static_cast<std::size_t>(best)]));
      taken[static_cast<std::size_t>(rows[static_cast<std::size_t>(best)])] = true;
      const Eigen::RowVectorXd u = U.row(best) / std::sqrt(score);
      U -= (U * u.transpose()) * u;
      U.row(best).setZero();
    }
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace pestle
