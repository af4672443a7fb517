#pragma once
// LU with partial and with full pivoting: the definitions of its functions in math/dense_solvers.hpp.
// Include this header where they are called. The definitions are inline in header-only use and
// compiled once in src/runtime/compile_dense_solvers.cpp with PESTLE_COMPILED_RUNTIME; one header
// per decomposition, so that a header-only unit instantiates only the decompositions it calls.
#include "pestle/math/dense_solvers.hpp"

#if !defined(PESTLE_COMPILED_RUNTIME) || defined(PESTLE_DENSE_DEFINITIONS)
#include <Eigen/Dense>

namespace pestle::dense {

PESTLE_RUNTIME_INLINE Eigen::MatrixXd solve_partial_lu(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.partialPivLu().solve(b);
}

PESTLE_RUNTIME_INLINE bool invert_full_lu(const Eigen::MatrixXd& a, Eigen::MatrixXd& inverse) {
  const Eigen::FullPivLU<Eigen::MatrixXd> lu(a);
  if (!lu.isInvertible()) return false;
  inverse = lu.inverse();
  return true;
}

}  // namespace pestle::dense
#endif
