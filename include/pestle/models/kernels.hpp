#pragma once
// Covariance kernels of GAP models (QUIP's gp_predict.F90 conventions), as policies with a value and
// a gradient with respect to the descriptor. Each kernel carries its sparse set: the sparse points
// x_s, their weights α_s, their "sparse cutoffs" f_s (the covariance cutoff of the environment each
// point was taken from) and the term's signal variance δ. The local energy of a descriptor x is
//
//   DotProduct (covariance_type 2):   e(x) = Σ_s α_s f_s δ² (x·x_s)^ζ
//   ArdSquaredExponential (type 1):   e(x) = Σ_s α_s f_s [δ² k̃(x, x_s) + f0²],
//       k(x, y) = Σ_p exp(−½ |y_π(p)/θ − x/θ|²) over the permutations π(p) of the descriptor entries,
//       k̃(x, y) = k(x, y) / sqrt(k(x, x) k(y, y)) when there is more than one permutation, else k.
//
// (f0 is the `signal_mean` attribute.) Formulas and references: docs/gap-xml.md.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "pestle/core/error.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The sparse set of one GAP term.
struct SparseSet {
  RowMatrix points;             ///< M × d, one sparse point per row
  Eigen::VectorXd alpha;        ///< M weights
  Eigen::VectorXd cutoff;       ///< M sparse cutoffs f_s
  double delta = 1.0;           ///< signal variance δ (an energy scale, eV)
  double f0 = 0.0;              ///< signal mean (added as f0² in the ARD kernel)
  std::size_t size() const noexcept { return std::size_t(points.rows()); }
  std::size_t dimensions() const noexcept { return std::size_t(points.cols()); }
};

/// x^ζ for the dot-product kernel; integer ζ by repeated multiplication (exact for negative x).
class DotProductKernel {
 public:
  explicit DotProductKernel(double zeta) : zeta_(zeta) {
    if (!(zeta > 0.0) || !std::isfinite(zeta)) throw InputError("dot_product kernel: zeta must be positive");
    const double r = std::round(zeta);
    integer_ = (r == zeta && r <= 64) ? int(r) : 0;
  }
  double zeta() const noexcept { return zeta_; }

  /// c^ζ and ζ c^(ζ−1).
  void power(double c, double& value, double& derivative) const noexcept {
    if (integer_ > 0) {
      double p = 1.0;
      for (int k = 1; k < integer_; ++k) p *= c;
      derivative = zeta_ * p;
      value = p * c;
    } else {
      value = std::pow(c, zeta_);
      derivative = zeta_ * std::pow(c, zeta_ - 1.0);
    }
  }

  /// Weights w_s = α_s f_s δ² that multiply (x·x_s)^ζ.
  static Eigen::VectorXd weights(const SparseSet& sp) {
    return (sp.alpha.array() * sp.cutoff.array() * (sp.delta * sp.delta)).matrix();
  }

  /// e(x) and ∂e/∂x for one descriptor vector (`grad` may be empty).
  double predict(const SparseSet& sp, const Eigen::VectorXd& w, std::span<const double> x,
                 std::span<double> grad) const {
    const Eigen::Map<const Eigen::VectorXd> q(x.data(), Eigen::Index(x.size()));
    const Eigen::VectorXd c = sp.points * q;
    double e = 0.0;
    Eigen::VectorXd g(c.size());
    for (Eigen::Index s = 0; s < c.size(); ++s) {
      double v, dv;
      power(c[s], v, dv);
      e += w[s] * v;
      g[s] = w[s] * dv;
    }
    if (!grad.empty()) Eigen::Map<Eigen::VectorXd>(grad.data(), Eigen::Index(grad.size())) = sp.points.transpose() * g;
    return e;
  }

  /// QUIP's K_MM for the variance estimate: δ² (x_s·x_t)^ζ + f0² (no sparse cutoffs in QUIP's
  /// dot-product K_MM), plus regularisation² on the diagonal.
  Eigen::MatrixXd sparse_covariance(const SparseSet& sp, double regularisation) const {
    Eigen::MatrixXd k = sp.points * sp.points.transpose();
    for (Eigen::Index a = 0; a < k.rows(); ++a)
      for (Eigen::Index b = 0; b < k.cols(); ++b) {
        double v, dv;
        power(k(a, b), v, dv);
        k(a, b) = sp.delta * sp.delta * v + sp.f0 * sp.f0;
      }
    k.diagonal().array() += regularisation * regularisation;
    return k;
  }

  /// Covariances k_bs = δ² (q_b·x_s)^ζ f_s of the rows of Q with the sparse points (B × M).
  Eigen::MatrixXd covariances(const SparseSet& sp, const RowMatrix& Q) const {
    Eigen::MatrixXd k = Q * sp.points.transpose();
    for (Eigen::Index a = 0; a < k.rows(); ++a)
      for (Eigen::Index b = 0; b < k.cols(); ++b) {
        double v, dv;
        power(k(a, b), v, dv);
        k(a, b) = sp.delta * sp.delta * v * sp.cutoff[b];
      }
    return k;
  }

  /// Blocked prediction for B descriptor vectors at once (rows of Q): two matrix products,
  /// C = Q Xᵀ (B × M), then E_b = Σ_s w_s C_bs^ζ and G = (w_s ζ C_bs^(ζ−1)) X (B × d).
  void predict_block(const SparseSet& sp, const Eigen::VectorXd& w, const RowMatrix& Q, RowMatrix& C,
                     Eigen::VectorXd& energies, RowMatrix& gradients) const {
    C.noalias() = Q * sp.points.transpose();
    energies.resize(Q.rows());
    for (Eigen::Index b = 0; b < C.rows(); ++b) {
      double e = 0.0;
      for (Eigen::Index s = 0; s < C.cols(); ++s) {
        double v, dv;
        power(C(b, s), v, dv);
        e += w[s] * v;
        C(b, s) = w[s] * dv;
      }
      energies[b] = e;
    }
    gradients.noalias() = C * sp.points;
  }

 private:
  double zeta_;
  int integer_ = 0;
};

/// QUIP's ARD squared-exponential kernel with permutational symmetrisation.
class ArdSquaredExponential {
 public:
  /// theta: one length scale per descriptor entry; permutations: 0-based index maps (each of size d).
  PESTLE_RUNTIME_INLINE ArdSquaredExponential(std::vector<double> theta, std::vector<std::vector<int>> permutations);
  const std::vector<double>& theta() const noexcept { return theta_; }
  const std::vector<std::vector<int>>& permutations() const noexcept { return perms_; }
  std::size_t dimensions() const noexcept { return theta_.size(); }

  /// Precomputes what depends on the sparse points only: their self-covariances.
  Eigen::VectorXd sparse_self(const SparseSet& sp) const {
    Eigen::VectorXd out = Eigen::VectorXd::Ones(Eigen::Index(sp.size()));
    if (perms_.size() > 1)
      for (std::size_t s = 0; s < sp.size(); ++s) {
        std::vector<double> x(sp.points.row(Eigen::Index(s)).data(), sp.points.row(Eigen::Index(s)).data() + dimensions());
        out[Eigen::Index(s)] = self(x, {});
      }
    return out;
  }

  /// k(x, x) = Σ_p exp(−½|x_π/θ − x/θ|²) and its gradient (if `grad` is not empty).
  double self(std::span<const double> x, std::span<double> grad) const {
    const std::size_t d = dimensions();
    double k = 0.0;
    if (!grad.empty()) std::fill(grad.begin(), grad.end(), 0.0);
    std::array<double, max_dimensions> v{};
    for (const auto& p : perms_) {
      double r2 = 0.0;
      for (std::size_t c = 0; c < d; ++c) {
        v[c] = x[std::size_t(p[c])] / theta_[std::size_t(p[c])] - x[c] / theta_[c];
        r2 += v[c] * v[c];
      }
      const double e = std::exp(-0.5 * r2);
      k += e;
      if (!grad.empty())
        for (std::size_t c = 0; c < d; ++c) {
          grad[c] += e * v[c] / theta_[c];
          grad[std::size_t(p[c])] -= e * v[c] / theta_[std::size_t(p[c])];
        }
    }
    return k;
  }

  /// Covariances k_s = [δ² k̃(x, x_s) + f0²] f_s of one descriptor with every sparse point.
  Eigen::VectorXd covariances(const SparseSet& sp, const Eigen::VectorXd& sparse_self_cov, std::span<const double> x) const {
    Eigen::VectorXd k(Eigen::Index(sp.size()));
    const double kxx = perms_.size() > 1 ? self(x, {}) : 1.0;
    for (std::size_t s = 0; s < sp.size(); ++s) {
      const double* xs = sp.points.row(Eigen::Index(s)).data();
      double v = 0.0;
      for (const auto& p : perms_) {
        double r2 = 0.0;
        for (std::size_t c = 0; c < dimensions(); ++c) {
          const double t = xs[p[c]] / theta_[c] - x[c] / theta_[c];
          r2 += t * t;
        }
        v += std::exp(-0.5 * r2);
      }
      if (perms_.size() > 1) v /= std::sqrt(sparse_self_cov[Eigen::Index(s)] * kxx);
      k[Eigen::Index(s)] = (sp.delta * sp.delta * v + sp.f0 * sp.f0) * sp.cutoff[Eigen::Index(s)];
    }
    return k;
  }

  /// QUIP's K_MM for the variance estimate: normalised permutation-summed covariances times
  /// f_s f_t (f_s² on the diagonal), times δ², plus f0², plus regularisation² on the diagonal.
  Eigen::MatrixXd sparse_covariance(const SparseSet& sp, double regularisation) const {
    const auto m = Eigen::Index(sp.size());
    Eigen::MatrixXd k(m, m);
    for (Eigen::Index a = 0; a < m; ++a)
      for (Eigen::Index b = 0; b < m; ++b) {
        double v = 0.0;
        for (const auto& p : perms_) {
          double r2 = 0.0;
          for (std::size_t c = 0; c < dimensions(); ++c) {
            const double t = (sp.points(a, p[c]) - sp.points(b, Eigen::Index(c))) / theta_[c];
            r2 += t * t;
          }
          v += std::exp(-0.5 * r2);
        }
        k(a, b) = v;
      }
    Eigen::MatrixXd out(m, m);
    for (Eigen::Index a = 0; a < m; ++a)
      for (Eigen::Index b = 0; b < m; ++b)
        out(a, b) = a == b ? sp.cutoff[a] * sp.cutoff[a]
                           : k(a, b) * sp.cutoff[a] * sp.cutoff[b] / std::sqrt(k(a, a) * k(b, b));
    out = (out * (sp.delta * sp.delta)).array() + sp.f0 * sp.f0;
    out.diagonal().array() += regularisation * regularisation;
    return out;
  }

  /// Largest descriptor dimension (the distance descriptors have at most 8).
  static constexpr std::size_t max_dimensions = 16;

  /// e(x) and ∂e/∂x (if `grad` is not empty); `sparse_self` from sparse_self().
  double predict(const SparseSet& sp, const Eigen::VectorXd& sparse_self_cov, std::span<const double> x,
                 std::span<double> grad) const {
    const std::size_t d = dimensions();
    const bool symmetrised = perms_.size() > 1;
    std::array<double, max_dimensions> dself{}, gk{}, v{};
    const double kxx = symmetrised ? self(x, grad.empty() ? std::span<double>() : std::span<double>(dself.data(), d)) : 1.0;
    if (!grad.empty()) std::fill(grad.begin(), grad.end(), 0.0);
    const double delta2 = sp.delta * sp.delta, f02 = sp.f0 * sp.f0;
    double energy = 0.0;
    for (std::size_t s = 0; s < sp.size(); ++s) {
      const double* xs = sp.points.row(Eigen::Index(s)).data();
      double k = 0.0;
      std::fill(gk.begin(), gk.end(), 0.0);
      for (const auto& p : perms_) {
        double r2 = 0.0;
        for (std::size_t c = 0; c < d; ++c) {
          v[c] = xs[p[c]] / theta_[c] - x[c] / theta_[c];
          r2 += v[c] * v[c];
        }
        const double e = delta2 * std::exp(-0.5 * r2);
        k += e;
        if (!grad.empty())
          for (std::size_t c = 0; c < d; ++c) gk[c] += e * v[c] / theta_[c];
      }
      if (symmetrised) {
        const double norm = std::sqrt(sparse_self_cov[Eigen::Index(s)] * kxx);
        if (!grad.empty())
          for (std::size_t c = 0; c < d; ++c) gk[c] = gk[c] / norm - 0.5 * dself[c] * k / norm / kxx;
        k /= norm;
      }
      const double weight = sp.alpha[Eigen::Index(s)] * sp.cutoff[Eigen::Index(s)];
      energy += weight * (k + f02);
      if (!grad.empty())
        for (std::size_t c = 0; c < d; ++c) grad[c] += weight * gk[c];
    }
    return energy;
  }

 private:
  static std::vector<int> identity(std::size_t d) {
    std::vector<int> p(d);
    for (std::size_t c = 0; c < d; ++c) p[c] = int(c);
    return p;
  }
  std::vector<double> theta_;
  std::vector<std::vector<int>> perms_;
};

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/models/impl/kernels.hpp"
#endif
