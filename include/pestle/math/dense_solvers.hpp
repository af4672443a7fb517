#pragma once
// The dense Eigen decompositions pestle uses, behind plain non-template functions.
// Why not call Eigen where needed: a decomposition used inside an inline function is instantiated in
// every translation unit that includes the header, called or not, and the big ones cost much compiler
// memory and time each (alone, at -O3: BDCSVD 0.54 GB and 6.7 s, column-pivoted QR with full-pivot LU
// 0.2 GB, the self-adjoint eigensolver 0.16 GB; docs/architecture.md "Compiler memory"). Here they are
// declared; a caller includes the header of its decomposition (math/dense/qr.hpp, lu, svd, jacobi_svd,
// symmetric_eigen, hermitian_eigen), whose definitions are inline by default and compiled once into
// pestle::runtime with PESTLE_COMPILED_RUNTIME. Each function runs exactly the Eigen algorithm the
// call site used before, so results do not change.
#include <vector>

#include <Eigen/Core>

#include "pestle/core/compiled.hpp"

namespace pestle::dense {

/// Least-squares solution of A x = b by column-pivoted Householder QR (Eigen's default rank threshold).
PESTLE_RUNTIME_INLINE Eigen::VectorXd least_squares_qr(const Eigen::MatrixXd& a, const Eigen::VectorXd& b);

/// Column-pivoted Householder QR of A: its numerical rank (|R_ii| above threshold × |R_11|; a negative
/// threshold keeps Eigen's default) and the column permutation, most independent columns first.
struct PivotedQr {
  Eigen::Index rank = 0;
  std::vector<Eigen::Index> pivots;
};
PESTLE_RUNTIME_INLINE PivotedQr column_pivoted_qr(const Eigen::MatrixXd& a, double threshold = -1.0);

/// Rank of A by column-pivoted QR (Eigen's default threshold) and, through `x`, the least-squares
/// solution of A x = b from the same factorisation.
PESTLE_RUNTIME_INLINE Eigen::Index qr_rank_and_solve(const Eigen::MatrixXd& a, const Eigen::VectorXd& b, Eigen::VectorXd& x);

/// Singular values (descending) and the thin right singular vectors V.
struct ThinSvd {
  Eigen::VectorXd singular_values;
  Eigen::MatrixXd v;
};
/// By divide and conquer (Eigen::BDCSVD).
PESTLE_RUNTIME_INLINE ThinSvd thin_svd(const Eigen::MatrixXd& a);
/// By two-sided Jacobi rotations (Eigen::JacobiSVD): slower, and kept where a basis is built from V,
/// so that the basis stays the one earlier model files were written with.
PESTLE_RUNTIME_INLINE ThinSvd thin_svd_jacobi(const Eigen::MatrixXd& a);

/// X with A X = B, by LU with partial pivoting (A square and invertible).
PESTLE_RUNTIME_INLINE Eigen::MatrixXd solve_partial_lu(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b);

/// A⁻¹ by LU with full pivoting into `inverse`; false (and `inverse` untouched) when A is singular to
/// Eigen's default threshold.
PESTLE_RUNTIME_INLINE bool invert_full_lu(const Eigen::MatrixXd& a, Eigen::MatrixXd& inverse);

/// Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix.
struct SymmetricEigen {
  Eigen::VectorXd values;
  Eigen::MatrixXd vectors;
};
PESTLE_RUNTIME_INLINE SymmetricEigen symmetric_eigen(const Eigen::MatrixXd& a);

/// Eigenvalues (ascending) of a non-empty Hermitian matrix; empty when the iteration did not converge.
PESTLE_RUNTIME_INLINE Eigen::VectorXd hermitian_eigenvalues(const Eigen::MatrixXcd& a);

}  // namespace pestle::dense
