#pragma once
// Definitions of pestle/math/lbfgsb.hpp: inline in header-only use; compiled once in
// src/runtime/compile_foundations.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/math/lbfgsb.hpp"

namespace pestle::optimise {

PESTLE_RUNTIME_INLINE LbfgsbResult minimise_box(const Objective& f, Eigen::VectorXd x, const Eigen::VectorXd& lower,
                                                const Eigen::VectorXd& upper, const LbfgsbOptions& opt,
                                                LbfgsbMemory* memory) {
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

}  // namespace pestle::optimise
