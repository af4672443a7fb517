#pragma once
// Non-negative least squares: min ‖A x − b‖₂ subject to x ≥ 0, by the active-set method of Lawson and
// Hanson ("Solving Least Squares Problems", 1974, ch. 23; docs/eddp.md). Used to pick the members of an
// EDDP ensemble: the columns of A are the members' predictions, and a member whose weight ends at zero
// is dropped.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Dense>

#include "pestle/math/dense/qr.hpp"
#include "pestle/core/error.hpp"

namespace pestle {

struct NnlsResult {
  Eigen::VectorXd x;
  double residual = 0.0;  ///< ‖A x − b‖₂
  int iterations = 0;
};

inline NnlsResult nnls(const Eigen::MatrixXd& A, const Eigen::VectorXd& b) {
  const Eigen::Index m = A.rows(), n = A.cols();
  if (b.size() != m) throw InputError("nnls: A has " + std::to_string(m) + " rows but b has " + std::to_string(b.size()));
  if (!A.allFinite() || !b.allFinite()) throw InputError("nnls: A and b must be finite");
  NnlsResult r;
  r.x = Eigen::VectorXd::Zero(n);
  if (n == 0) {
    r.residual = b.norm();
    return r;
  }
  const double tol = 10.0 * std::numeric_limits<double>::epsilon() * A.cwiseAbs().colwise().sum().maxCoeff() *
                     double(std::max(m, n));
  std::vector<char> passive(std::size_t(n), 0);
  // The unconstrained least-squares solution on the passive columns (others zero).
  auto solve_passive = [&] {
    std::vector<Eigen::Index> cols;
    for (Eigen::Index j = 0; j < n; ++j)
      if (passive[std::size_t(j)]) cols.push_back(j);
    Eigen::MatrixXd Ap(m, Eigen::Index(cols.size()));
    for (std::size_t k = 0; k < cols.size(); ++k) Ap.col(Eigen::Index(k)) = A.col(cols[k]);
    const Eigen::VectorXd sp = dense::least_squares_qr(Ap, b);
    Eigen::VectorXd s = Eigen::VectorXd::Zero(n);
    for (std::size_t k = 0; k < cols.size(); ++k) s[cols[k]] = sp[Eigen::Index(k)];
    return s;
  };
  const int max_iterations = 3 * int(n) + 10;
  Eigen::VectorXd w = A.transpose() * (b - A * r.x);
  while (r.iterations < max_iterations) {
    Eigen::Index best = -1;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!passive[std::size_t(j)] && w[j] > tol && (best < 0 || w[j] > w[best])) best = j;
    if (best < 0) break;  // Kuhn–Tucker conditions hold
    passive[std::size_t(best)] = 1;
    for (;;) {
      ++r.iterations;
      Eigen::VectorXd s = solve_passive();
      double alpha = 1.0;
      bool feasible = true;
      for (Eigen::Index j = 0; j < n; ++j)
        if (passive[std::size_t(j)] && s[j] <= 0.0) {
          feasible = false;
          alpha = std::min(alpha, r.x[j] / (r.x[j] - s[j]));
        }
      if (feasible || r.iterations >= max_iterations) {
        r.x = s.cwiseMax(0.0);
        break;
      }
      // Step back to the boundary and free the columns that reached zero.
      r.x += alpha * (s - r.x);
      for (Eigen::Index j = 0; j < n; ++j)
        if (passive[std::size_t(j)] && r.x[j] <= tol) {
          passive[std::size_t(j)] = 0;
          r.x[j] = 0.0;
        }
    }
    w = A.transpose() * (b - A * r.x);
  }
  r.residual = (A * r.x - b).norm();
  return r;
}

}  // namespace pestle
