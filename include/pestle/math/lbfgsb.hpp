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
#include "pestle/core/compiled.hpp"

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

PESTLE_RUNTIME_INLINE LbfgsbResult minimise_box(const Objective& f, Eigen::VectorXd x, const Eigen::VectorXd& lower,
                                                const Eigen::VectorXd& upper, const LbfgsbOptions& opt = {},
                                                LbfgsbMemory* memory = nullptr);

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

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/math/impl/lbfgsb.hpp"
#endif
