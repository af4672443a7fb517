#pragma once
// Definitions of pestle/descriptors/soap.hpp: inline in header-only use; compiled once in
// src/runtime/compile_foundations.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/descriptors/soap.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE QuipGaussRadial::QuipGaussRadial(const SoapParams& p)
    : n_(p.n_max), l_max_(p.l_max) {
  alpha_ = 0.5 / (p.atom_sigma * p.atom_sigma);
  const double r_basis = p.cutoff + p.atom_sigma * std::sqrt(2.0 * p.basis_error_exponent * std::log(10.0));
  const double spacing = r_basis / n_;
  centres_.resize(static_cast<std::size_t>(n_));
  for (int a = 0; a < n_; ++a) centres_[static_cast<std::size_t>(a)] = a * spacing;
  Eigen::MatrixXd cov(n_, n_), overlap(n_, n_);
  const double a = alpha_;
  for (int i = 0; i < n_; ++i)
    for (int j = 0; j < n_; ++j) {
      const double ri = centres_[static_cast<std::size_t>(i)], rj = centres_[static_cast<std::size_t>(j)];
      cov(j, i) = std::exp(-a * (ri - rj) * (ri - rj));
      // ∫_0^∞ r² g_i(r) g_j(r) dr of two Gaussians exp(-α(r - r_i)²) (docs/soap.md)
      overlap(j, i) = (std::exp(-a * (ri * ri + rj * rj)) * std::numbers::sqrt2 * std::pow(a, 1.5) * (ri + rj) +
                       a * std::exp(-0.5 * a * (ri - rj) * (ri - rj)) * std::sqrt(std::numbers::pi) *
                           (1.0 + a * (ri + rj) * (ri + rj)) * (1.0 + std::erf(std::sqrt(a / 2.0) * (ri + rj)))) /
                      std::sqrt(128.0 * std::pow(a, 5));
    }
  Eigen::LLT<Eigen::MatrixXd> llt_s(overlap);
  if (llt_s.info() != Eigen::Success) throw NumericalError("SOAP radial basis: overlap matrix is not positive definite");
  const Eigen::MatrixXd L = llt_s.matrixL();
  Eigen::LLT<Eigen::MatrixXd> llt_c(cov);
  if (llt_c.info() != Eigen::Success)
    throw NumericalError("SOAP radial basis: Gaussian covariance matrix is not positive definite (n_max too large?)");
  const Eigen::MatrixXd T = llt_c.solve(L);
  transform_.resize(static_cast<std::size_t>(n_ * n_));
  for (int i = 0; i < n_; ++i)
    for (int j = 0; j < n_; ++j) transform_[static_cast<std::size_t>(i * n_ + j)] = T(i, j);
  central_.resize(static_cast<std::size_t>(n_));
  for (int j = 0; j < n_; ++j) central_[static_cast<std::size_t>(j)] = L(0, j);
  if (!std::all_of(transform_.begin(), transform_.end(), [](double v) { return std::isfinite(v); }))
    throw NumericalError("SOAP radial basis: non-finite orthonormalisation");
}

}  // namespace pestle
