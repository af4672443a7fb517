#pragma once
// Definitions of math/dense_solvers.hpp: inline in header-only use, compiled once in
// src/runtime/compile_dense_solvers.cpp with PESTLE_COMPILED_RUNTIME.
#include <Eigen/Dense>

#include "pestle/math/dense_solvers.hpp"

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

PESTLE_RUNTIME_INLINE ThinSvd thin_svd(const Eigen::MatrixXd& a) {
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(a, Eigen::ComputeThinV);
  return {svd.singularValues(), svd.matrixV()};
}

PESTLE_RUNTIME_INLINE ThinSvd thin_svd_jacobi(const Eigen::MatrixXd& a) {
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(a, Eigen::ComputeThinV);
  return {svd.singularValues(), svd.matrixV()};
}

PESTLE_RUNTIME_INLINE Eigen::MatrixXd solve_partial_lu(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.partialPivLu().solve(b);
}

PESTLE_RUNTIME_INLINE bool invert_full_lu(const Eigen::MatrixXd& a, Eigen::MatrixXd& inverse) {
  const Eigen::FullPivLU<Eigen::MatrixXd> lu(a);
  if (!lu.isInvertible()) return false;
  inverse = lu.inverse();
  return true;
}

PESTLE_RUNTIME_INLINE SymmetricEigen symmetric_eigen(const Eigen::MatrixXd& a) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(a);
  return {es.eigenvalues(), es.eigenvectors()};
}

PESTLE_RUNTIME_INLINE Eigen::VectorXd hermitian_eigenvalues(const Eigen::MatrixXcd& a) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> es(a, Eigen::EigenvaluesOnly);
  if (es.info() != Eigen::Success) return {};
  return es.eigenvalues();
}

}  // namespace pestle::dense
