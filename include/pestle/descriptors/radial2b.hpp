#pragma once
// A simple two-body radial descriptor: Gaussians of the neighbour distances with a smooth
// cosine cutoff,
//   q_c(i) = Σ_j w(Z_j) · exp(-(r_ij - μ_c)² / (2σ²)) · f(r_ij),   f(r) = ½(cos(π r / r_c) + 1)
// with centres μ_c evenly spaced on [r_min, r_c]. Cheap and exactly differentiable; used to
// test models, potentials and fitting independently of the many-body descriptors, and as a
// baseline feature set.
#include <cmath>
#include <numbers>
#include <span>
#include <utility>
#include <vector>

#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

struct Radial2BParams {
  int count = 8;           ///< number of Gaussians
  double cutoff = 5.0;     ///< r_c, Å
  double r_min = 1.0;      ///< first centre, Å
  double sigma = 0.5;      ///< Gaussian width, Å
  std::vector<std::pair<int, double>> weights;  ///< optional neighbour weight per atomic number (default 1)

  void validate() const {
    if (count < 1) throw InputError("radial2b: count must be at least 1");
    if (!(cutoff > 0.0) || !std::isfinite(cutoff)) throw InputError("radial2b: cutoff must be positive");
    if (!(sigma > 0.0)) throw InputError("radial2b: sigma must be positive");
    if (!(r_min >= 0.0 && r_min < cutoff)) throw InputError("radial2b: r_min must lie in [0, cutoff)");
  }
  double weight(int z) const {
    for (const auto& [zz, w] : weights)
      if (zz == z) return w;
    return 1.0;
  }
};

class Radial2B {
 public:
  struct Workspace {
    std::vector<double> q;  ///< features, for the adjoint evaluation
    std::vector<double> g;  ///< dE/dq, for the adjoint evaluation
  };

  explicit Radial2B(Radial2BParams p) : p_(std::move(p)) { p_.validate(); }
  const Radial2BParams& params() const noexcept { return p_; }
  std::size_t size() const noexcept { return static_cast<std::size_t>(p_.count); }
  NeighbourOptions neighbour_options() const {
    NeighbourOptions o;
    o.cutoff = p_.cutoff;
    return o;
  }
  Workspace make_workspace() const { return Workspace{std::vector<double>(size()), std::vector<double>(size())}; }

  void compute(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace&, std::span<double> q) const {
    std::fill(q.begin(), q.end(), 0.0);
    for (std::size_t e = nl.begin(i); e < nl.end(i); ++e) {
      const double r = nl.distance[e], w = p_.weight(s.numbers[static_cast<std::size_t>(nl.index[e])]);
      for (std::size_t c = 0; c < size(); ++c) q[c] += w * basis(c, r).first;
    }
  }

  void compute_with_derivatives(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace&,
                                std::span<double> q, std::span<double> dq) const {
    std::fill(q.begin(), q.end(), 0.0);
    const std::size_t n = size();
    for (std::size_t e = nl.begin(i); e < nl.end(i); ++e) {
      const double r = nl.distance[e], w = p_.weight(s.numbers[static_cast<std::size_t>(nl.index[e])]);
      const Vec3 u = nl.displacement[e] / r;
      const std::size_t k = e - nl.begin(i);
      for (std::size_t c = 0; c < n; ++c) {
        const auto [b, db] = basis(c, r);
        q[c] += w * b;
        for (int d = 0; d < 3; ++d) dq[(k * 3 + static_cast<std::size_t>(d)) * n + c] = w * db * u[d];
      }
    }
  }

  /// Adjoint evaluation (contract of descriptor.hpp).
  template <class EnergyOf>
  double evaluate(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws, EnergyOf&& energy_of,
                  std::span<Vec3> forces, Mat3& virial) const {
    compute(s, nl, i, ws, ws.q);
    std::fill(ws.g.begin(), ws.g.end(), 0.0);
    const double e = energy_of(std::span<const double>(ws.q), std::span<double>(ws.g));
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
      const double r = nl.distance[k], w = p_.weight(s.numbers[static_cast<std::size_t>(nl.index[k])]);
      double dE_dr = 0.0;
      for (std::size_t c = 0; c < size(); ++c) dE_dr += ws.g[c] * w * basis(c, r).second;
      const Vec3 g = dE_dr / r * nl.displacement[k];
      forces[i] += g;
      forces[static_cast<std::size_t>(nl.index[k])] -= g;
      virial -= nl.displacement[k] * g.transpose();
    }
    return e;
  }

 private:
  /// Basis function c and its radial derivative at r.
  std::pair<double, double> basis(std::size_t c, double r) const {
    if (r >= p_.cutoff) return {0.0, 0.0};
    const double step = p_.count > 1 ? (p_.cutoff - p_.r_min) / (p_.count - 1) : 0.0;
    const double mu = p_.r_min + step * static_cast<double>(c);
    const double x = (r - mu) / p_.sigma;
    const double gauss = std::exp(-0.5 * x * x), dgauss = -x / p_.sigma * gauss;
    const double a = std::numbers::pi / p_.cutoff;
    const double f = 0.5 * (std::cos(a * r) + 1.0), df = -0.5 * a * std::sin(a * r);
    return {gauss * f, dgauss * f + gauss * df};
  }

  Radial2BParams p_;
};

}  // namespace pestle
