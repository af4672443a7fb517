#pragma once
// Minimisation of a smooth function over a box l <= x <= u by projected L-BFGS: the
// L-BFGS direction (two-loop recursion, Nocedal & Wright 2006, Alg. 7.4) restricted to
// the variables that are not held at a bound by their gradient, followed by a
// backtracking (Armijo) search along the projected path P(x + t d). This is simpler than
// the generalised-Cauchy-point L-BFGS-B of Byrd, Lu, Nocedal & Zhu (1995) but converges
// on the small, smooth problems the optimiser has (GP hyperparameters, acquisition
// refinement). Boost.Math 1.74 has no bound-constrained quasi-Newton method.
#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "pestle/core/error.hpp"

namespace pestle::optimise {

struct LbfgsbOptions {
  int max_iterations = 200;
  int memory = 8;
  double gradient_tolerance = 1e-6;  ///< stop when the projected gradient's max-norm is below this
  double relative_tolerance = 1e-10; ///< stop when f changes by less than this (relative)
};

struct LbfgsbResult {
  Eigen::VectorXd x;
  double value = 0.0;
  int iterations = 0;
  bool converged = false;
};

/// f(x, gradient) returns the value and writes the gradient.
using Objective = std::function<double(const Eigen::VectorXd&, Eigen::VectorXd&)>;

/// The curvature pairs (s, y) of the last iterations: passing the same memory to consecutive calls
/// continues one L-BFGS run across them (e.g. across checkpoints of a long fit).
struct LbfgsbMemory {
  std::deque<Eigen::VectorXd> S, Y;
};

inline LbfgsbResult minimise_box(const Objective& f, Eigen::VectorXd x, const Eigen::VectorXd& lower,
                                 const Eigen::VectorXd& upper, const LbfgsbOptions& opt = {},
                                 LbfgsbMemory* memory = nullptr) {
  const Eigen::Index n = x.size();
  if (lower.size() != n || upper.size() != n) throw InputError("minimise_box: bounds have the wrong size");
  const auto project = [&](Eigen::VectorXd v) { return v.cwiseMax(lower).cwiseMin(upper); };
  x = project(x);
  Eigen::VectorXd g(n);
  double fx = f(x, g);
  LbfgsbResult r;
  if (!std::isfinite(fx)) {
    r.x = x;
    r.value = fx;
    return r;
  }
  LbfgsbMemory local;
  LbfgsbMemory& mem = memory ? *memory : local;
  std::deque<Eigen::VectorXd>&S = mem.S, &Y = mem.Y;
  for (int it = 0; it < opt.max_iterations; ++it) {
    r.iterations = it;
    const Eigen::VectorXd pg = project(x - g) - x;
    if (pg.lpNorm<Eigen::Infinity>() < opt.gradient_tolerance) {
      r.converged = true;
      break;
    }
    // Variables at a bound whose gradient pushes outwards stay fixed this step.
    Eigen::VectorXd free = Eigen::VectorXd::Ones(n);
    for (Eigen::Index i = 0; i < n; ++i)
      if ((x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0)) free[i] = 0.0;
    Eigen::VectorXd q = g.cwiseProduct(free);
    std::vector<double> alpha(S.size());
    for (std::size_t k = S.size(); k-- > 0;) {
      alpha[k] = S[k].dot(q) / Y[k].dot(S[k]);
      q -= alpha[k] * Y[k];
    }
    if (!S.empty()) q *= S.back().dot(Y.back()) / Y.back().squaredNorm();
    for (std::size_t k = 0; k < S.size(); ++k) {
      const double beta = Y[k].dot(q) / Y[k].dot(S[k]);
      q += (alpha[k] - beta) * S[k];
    }
    Eigen::VectorXd d = -q.cwiseProduct(free);
    if (!(d.dot(g) < 0.0)) {  // not a descent direction: fall back to steepest descent
      d = -g.cwiseProduct(free);
      S.clear();
      Y.clear();
    }
    // First step of steepest descent is scaled so that it moves at most a unit.
    double t = S.empty() ? std::min(1.0, 1.0 / std::max(d.lpNorm<Eigen::Infinity>(), 1e-300)) : 1.0;
    Eigen::VectorXd xn, gn(n);
    double fn = 0.0;
    bool accepted = false;
    for (int ls = 0; ls < 40; ++ls, t *= 0.5) {
      xn = project(x + t * d);
      fn = f(xn, gn);
      if (std::isfinite(fn) && fn <= fx + 1e-4 * g.dot(xn - x)) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    const Eigen::VectorXd s = xn - x, y = gn - g;
    const double change = fx - fn;
    x = xn;
    g = gn;
    const double previous = fx;
    fx = fn;
    if (s.dot(y) > 1e-12 * y.squaredNorm() && s.dot(y) > 0.0) {
      S.push_back(s);
      Y.push_back(y);
      if (static_cast<int>(S.size()) > opt.memory) {
        S.pop_front();
        Y.pop_front();
      }
    }
    if (std::abs(change) <= opt.relative_tolerance * std::max({std::abs(previous), std::abs(fx), 1.0})) {
      r.converged = true;
      break;
    }
  }
  r.x = x;
  r.value = fx;
  return r;
}

/// Central finite-difference gradient (step h relative to the box width), for objectives
/// without an analytic gradient; steps are kept inside the box.
inline Objective with_numerical_gradient(std::function<double(const Eigen::VectorXd&)> f, const Eigen::VectorXd& lower,
                                         const Eigen::VectorXd& upper, double h = 1e-5) {
  return [f = std::move(f), lower, upper, h](const Eigen::VectorXd& x, Eigen::VectorXd& g) {
    const double fx = f(x);
    g.resize(x.size());
    Eigen::VectorXd y = x;
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      const double step = h * std::max(upper[i] - lower[i], 1e-12);
      const double a = std::max(lower[i], x[i] - step), b = std::min(upper[i], x[i] + step);
      if (b <= a) {
        g[i] = 0.0;
        continue;
      }
      y[i] = b;
      const double fb = f(y);
      y[i] = a;
      const double fa = f(y);
      y[i] = x[i];
      g[i] = (fb - fa) / (b - a);
    }
    return fx;
  };
}

}  // namespace pestle::optimise
