#pragma once
// Column-pivoted Householder QR: the definitions of its functions in math/dense_solvers.hpp.
// Include this header where they are called. The definitions are inline in header-only use and
// compiled once in src/runtime/compile_dense_solvers.cpp with PESTLE_COMPILED_RUNTIME; one header
// per decomposition, so that a header-only unit instantiates only the decompositions it calls.
#include "pestle/math/dense_solvers.hpp"

#if !defined(PESTLE_COMPILED_RUNTIME) || defined(PESTLE_DENSE_DEFINITIONS)
#include <Eigen/Dense>

namespace pestle::dense {

PESTLE_RUNTIME_INLINE Eigen::VectorXd least_squares_qr(const Eigen::MatrixXd& a, const Eigen::VectorXd& b) {
  return a.colPivHouseholderQr().solve(b);
}

PESTLE_RUNTIME_INLINE PivotedQr column_pivoted_qr(const Eigen::MatrixXd& a, double threshold) {
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(a);
  if (threshold >= 0.0) qr.setThreshold(threshold);
  PivotedQr out;
  out.rank = qr.rank();
  const auto& indices = qr.colsPermutation().indices();
  out.pivots.assign(indices.data(), indices.data() + indices.size());
  return out;
}

PESTLE_RUNTIME_INLINE Eigen::Index qr_rank_and_solve(const Eigen::MatrixXd& a, const Eigen::VectorXd& b, Eigen::VectorXd& x) {
  const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(a);
  x = qr.solve(b);
  return qr.rank();
}

}  // namespace pestle::dense
#endif
