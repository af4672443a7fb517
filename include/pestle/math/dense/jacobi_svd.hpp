#pragma once
// The Jacobi SVD: the definitions of its functions in math/dense_solvers.hpp.
// Include this header where they are called. The definitions are inline in header-only use and
// compiled once in src/runtime/compile_dense_solvers.cpp with PESTLE_COMPILED_RUNTIME; one header
// per decomposition, so that a header-only unit instantiates only the decompositions it calls.
#include "pestle/math/dense_solvers.hpp"

#if !defined(PESTLE_COMPILED_RUNTIME) || defined(PESTLE_DENSE_DEFINITIONS)
#include <Eigen/Dense>

namespace pestle::dense {

PESTLE_RUNTIME_INLINE ThinSvd thin_svd_jacobi(const Eigen::MatrixXd& a) {
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(a, Eigen::ComputeThinV);
  return {svd.singularValues(), svd.matrixV()};
}

}  // namespace pestle::dense
#endif
