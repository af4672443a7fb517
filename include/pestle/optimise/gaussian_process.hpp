#pragma once
// Gaussian-process regression surrogate for the optimiser (Rasmussen & Williams 2006,
// ch. 2 and 5; formulas in docs/optimise.md):
//   k(x, x') = σ_f² (1 + √5 r + 5r²/3) exp(−√5 r),   r² = Σ_j (x_j − x'_j)² / ℓ_j²   (Matérn 5/2, ARD)
//   K_y = K + (σ_n² + jitter) I
// Inputs are expected in the unit cube (Space::to_unit normalises them); outputs are
// standardised (mean 0, population standard deviation 1) before fitting. The
// hyperparameters θ = (log ℓ_1..log ℓ_d, log σ_f², log σ_n²) maximise the log marginal
// likelihood  log p(y|θ) = −½ yᵀK_y⁻¹y − ½ log|K_y| − n/2 log 2π  (analytic gradient), from
// several starting points.
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "pestle/core/error.hpp"
#include "pestle/optimise/designs.hpp"
#include "pestle/math/lbfgsb.hpp"

namespace pestle::optimise {

struct GpHyperparameters {
  Eigen::VectorXd length_scales;  ///< ℓ_j, in unit-cube coordinates
  double signal_variance = 1.0;   ///< σ_f², in standardised output units
  double noise_variance = 1e-6;   ///< σ_n², in standardised output units
};

struct GpOptions {
  bool optimise = true;        ///< false: keep the hyperparameters given by set_hyperparameters
  int restarts = 4;            ///< random starting points besides the default and the previous optimum
  double min_length = 1e-2, max_length = 2e1;
  double min_signal = 5e-2, max_signal = 2e1;
  double min_noise = 1e-6, max_noise = 1.0;
  double jitter = 1e-10;       ///< added to the diagonal for numerical safety
  bool standardise = true;     ///< false: outputs used as given (tests, comparisons)
  /// > 0: maximise the posterior of θ instead of the likelihood, with a log-normal prior on
  /// each length scale, log ℓ ~ N(log(ℓ₀ √d), length_prior_width²), ℓ₀ = length_prior_scale:
  /// longer length scales in more dimensions keep the search from chasing the cube's corners.
  double length_prior_width = 0.0;
  double length_prior_scale = 0.25;
};

struct GpPrediction {
  double mean = 0.0;
  double variance = 0.0;  ///< of the latent function (without the noise term)
  double sd() const { return std::sqrt(variance); }
};

class GaussianProcess {
 public:
  explicit GaussianProcess(GpOptions options = {}) : opt_(options) {}

  const GpHyperparameters& hyperparameters() const { return hyp_; }
  const GpOptions& options() const { return opt_; }
  std::size_t size() const { return static_cast<std::size_t>(X_.rows()); }
  double output_mean() const { return y_mean_; }
  double output_scale() const { return y_scale_; }

  void set_hyperparameters(GpHyperparameters h) { hyp_ = std::move(h); }

  /// Conditions on the data (rows of X are points); optimises the hyperparameters first if
  /// the options say so (random restarts drawn from rng).
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, Rng& rng) {
    set_data(X, y);
    if (opt_.optimise) optimise_hyperparameters(rng);
    else if (hyp_.length_scales.size() != X.cols())
      throw InputError("Gaussian process: hyperparameters for " + std::to_string(hyp_.length_scales.size()) +
                       " dimensions, data have " + std::to_string(X.cols()) + " (set_hyperparameters first)");
    factorise();
  }
  /// Conditions on the data with the current hyperparameters (no optimisation).
  void condition(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
    set_data(X, y);
    if (hyp_.length_scales.size() != X.cols()) hyp_.length_scales = Eigen::VectorXd::Constant(X.cols(), 0.3);
    factorise();
  }

  GpPrediction predict(const Eigen::VectorXd& x) const {
    if (X_.rows() == 0) throw InputError("the Gaussian process has no data");
    Eigen::VectorXd ks(X_.rows());
    for (Eigen::Index i = 0; i < X_.rows(); ++i) ks[i] = kernel(X_.row(i).transpose(), x);
    const Eigen::VectorXd v = llt_.matrixL().solve(ks);
    GpPrediction p;
    p.mean = y_mean_ + y_scale_ * ks.dot(alpha_);
    p.variance = y_scale_ * y_scale_ * std::max(0.0, hyp_.signal_variance - v.squaredNorm());
    return p;
  }

  double kernel(const Eigen::VectorXd& a, const Eigen::VectorXd& b) const {
    const double r = std::sqrt((a - b).cwiseQuotient(hyp_.length_scales).squaredNorm());
    return hyp_.signal_variance * matern52(r);
  }

  /// θ = (log ℓ, log σ_f², log σ_n²) of the current hyperparameters.
  Eigen::VectorXd theta() const {
    Eigen::VectorXd t(hyp_.length_scales.size() + 2);
    t.head(hyp_.length_scales.size()) = hyp_.length_scales.array().log();
    t[t.size() - 2] = std::log(hyp_.signal_variance);
    t[t.size() - 1] = std::log(hyp_.noise_variance);
    return t;
  }

  /// Log marginal likelihood of the (standardised) data at θ and its gradient
  /// (∂/∂θ_j = ½ tr((ααᵀ − K_y⁻¹) ∂K_y/∂θ_j)); −inf if K_y is not positive definite.
  double log_marginal_likelihood(const Eigen::VectorXd& theta, Eigen::VectorXd* gradient = nullptr) const {
    const Eigen::Index n = X_.rows(), d = X_.cols();
    if (theta.size() != d + 2) throw InputError("theta has the wrong size");
    const Eigen::VectorXd ell = theta.head(d).array().exp();
    const double sf2 = std::exp(theta[d]), sn2 = std::exp(theta[d + 1]);
    Eigen::ArrayXXd r2 = Eigen::ArrayXXd::Zero(n, n);
    for (Eigen::Index k = 0; k < d; ++k) r2 += D_[static_cast<std::size_t>(k)] / (ell[k] * ell[k]);
    const Eigen::ArrayXXd r = r2.sqrt(), e = (-std::sqrt(5.0) * r).exp();
    const Eigen::MatrixXd K = (sf2 * (1.0 + std::sqrt(5.0) * r + (5.0 / 3.0) * r2) * e).matrix();
    Eigen::MatrixXd Ky = K;
    Ky.diagonal().array() += sn2 + opt_.jitter;
    Eigen::LLT<Eigen::MatrixXd> llt(Ky);
    if (llt.info() != Eigen::Success) return -std::numeric_limits<double>::infinity();
    const Eigen::VectorXd a = llt.solve(z_);
    const double logdet = 2.0 * llt.matrixLLT().diagonal().array().log().sum();
    const double lml = -0.5 * z_.dot(a) - 0.5 * logdet - 0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
    if (gradient) {
      const Eigen::MatrixXd W = a * a.transpose() - llt.solve(Eigen::MatrixXd::Identity(n, n));
      gradient->resize(d + 2);
      // ∂k/∂log ℓ_k = σ_f² (5/3) (1 + √5 r) exp(−√5 r) Δ_k²/ℓ_k²
      const Eigen::ArrayXXd common = W.array() * (sf2 * (5.0 / 3.0)) * e * (1.0 + std::sqrt(5.0) * r);
      for (Eigen::Index k = 0; k < d; ++k)
        (*gradient)[k] = 0.5 * (common * D_[static_cast<std::size_t>(k)]).sum() / (ell[k] * ell[k]);
      (*gradient)[d] = 0.5 * (W.array() * K.array()).sum();
      (*gradient)[d + 1] = 0.5 * sn2 * W.trace();
    }
    return lml;
  }

  double log_marginal_likelihood() const { return log_marginal_likelihood(theta()); }

  static double matern52(double r) {
    const double s = std::sqrt(5.0) * r;
    return (1.0 + s + s * s / 3.0) * std::exp(-s);
  }

 private:
  void set_data(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
    if (X.rows() != y.size()) throw InputError("Gaussian process: X and y have different lengths");
    if (X.rows() == 0) throw InputError("Gaussian process: no data");
    if (!X.allFinite() || !y.allFinite()) throw NumericalError("Gaussian process: data are not finite");
    X_ = X;
    D_.assign(static_cast<std::size_t>(X.cols()), Eigen::ArrayXXd(X.rows(), X.rows()));
    for (Eigen::Index k = 0; k < X.cols(); ++k)
      for (Eigen::Index i = 0; i < X.rows(); ++i)
        for (Eigen::Index j = 0; j < X.rows(); ++j)
          D_[static_cast<std::size_t>(k)](i, j) = (X(i, k) - X(j, k)) * (X(i, k) - X(j, k));
    y_mean_ = 0.0;
    y_scale_ = 1.0;
    if (opt_.standardise) {
      y_mean_ = y.mean();
      const double var = (y.array() - y_mean_).square().mean();
      y_scale_ = var > 0.0 ? std::sqrt(var) : 1.0;
    }
    z_ = (y.array() - y_mean_) / y_scale_;
  }

  Eigen::VectorXd lower_bounds(Eigen::Index d) const {
    Eigen::VectorXd l(d + 2);
    l.head(d).setConstant(std::log(opt_.min_length));
    l[d] = std::log(opt_.min_signal);
    l[d + 1] = std::log(opt_.min_noise);
    return l;
  }
  Eigen::VectorXd upper_bounds(Eigen::Index d) const {
    Eigen::VectorXd u(d + 2);
    u.head(d).setConstant(std::log(opt_.max_length));
    u[d] = std::log(opt_.max_signal);
    u[d + 1] = std::log(opt_.max_noise);
    return u;
  }

  void optimise_hyperparameters(Rng& rng) {
    const Eigen::Index d = X_.cols();
    const Eigen::VectorXd lo = lower_bounds(d), hi = upper_bounds(d);
    std::vector<Eigen::VectorXd> starts;
    Eigen::VectorXd t0(d + 2);
    t0.head(d).setConstant(std::log(0.3));
    t0[d] = 0.0;
    t0[d + 1] = std::log(std::max(opt_.min_noise, 1e-4));
    starts.push_back(t0);
    if (hyp_.length_scales.size() == d) starts.push_back(theta().cwiseMax(lo).cwiseMin(hi));  // warm start
    for (int r = 0; r < opt_.restarts; ++r) {
      Eigen::VectorXd t(d + 2);
      for (Eigen::Index k = 0; k < d + 2; ++k) t[k] = lo[k] + uniform01(rng) * (hi[k] - lo[k]);
      starts.push_back(t);
    }
    const double prior_mean = std::log(opt_.length_prior_scale * std::sqrt(static_cast<double>(d)));
    const double prior_var = opt_.length_prior_width * opt_.length_prior_width;
    const Objective negative_lml = [&](const Eigen::VectorXd& t, Eigen::VectorXd& g) {
      double v = log_marginal_likelihood(t, &g);
      if (!std::isfinite(v)) return std::numeric_limits<double>::infinity();
      if (prior_var > 0.0)
        for (Eigen::Index k = 0; k < d; ++k) {
          v -= 0.5 * (t[k] - prior_mean) * (t[k] - prior_mean) / prior_var;
          g[k] -= (t[k] - prior_mean) / prior_var;
        }
      g = -g;
      return -v;
    };
    LbfgsbOptions lo_opt;
    lo_opt.max_iterations = 100;
    lo_opt.gradient_tolerance = 1e-5;
    double best = std::numeric_limits<double>::infinity();
    Eigen::VectorXd best_theta = t0;
    for (const auto& s : starts) {
      const LbfgsbResult r = minimise_box(negative_lml, s, lo, hi, lo_opt);
      if (r.value < best) {
        best = r.value;
        best_theta = r.x;
      }
    }
    if (!std::isfinite(best)) throw NumericalError("Gaussian process: no hyperparameters give a positive-definite kernel");
    hyp_.length_scales = best_theta.head(d).array().exp();
    hyp_.signal_variance = std::exp(best_theta[d]);
    hyp_.noise_variance = std::exp(best_theta[d + 1]);
  }

  void factorise() {
    const Eigen::Index n = X_.rows();
    Eigen::MatrixXd K(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = 0; j <= i; ++j) K(i, j) = K(j, i) = kernel(X_.row(i).transpose(), X_.row(j).transpose());
    K.diagonal().array() += hyp_.noise_variance + opt_.jitter;
    llt_.compute(K);
    if (llt_.info() != Eigen::Success) throw NumericalError("Gaussian process: kernel matrix is not positive definite");
    alpha_ = llt_.solve(z_);
  }

  GpOptions opt_;
  GpHyperparameters hyp_;
  Eigen::MatrixXd X_;
  std::vector<Eigen::ArrayXXd> D_;  ///< squared coordinate differences per dimension
  Eigen::VectorXd z_, alpha_;
  double y_mean_ = 0.0, y_scale_ = 1.0;
  // Factorised on construction: a default-constructed Eigen 3.4 LLT leaves its info flag uninitialised,
  // and copying or moving the GP would read it (UBSan: invalid ComputationInfo).
  Eigen::LLT<Eigen::MatrixXd> llt_{Eigen::MatrixXd::Identity(1, 1)};
};

}  // namespace pestle::optimise
