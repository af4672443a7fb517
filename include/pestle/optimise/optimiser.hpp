#pragma once
// Bayesian optimiser with an ask/tell interface (minimisation).
//
//   Optimiser opt(space, options);
//   for (...) { Point p = opt.ask(); opt.tell(p, f(p)); }
//
// The first `initial_points` proposals come from the initial design (Hammersley, Sobol, ...);
// then a Gaussian-process surrogate (gaussian_process.hpp) is fitted to all observations and
// the next point maximises the acquisition: random feasible candidates (plus perturbations
// of the best points) scored by the acquisition, the best few refined by projected L-BFGS
// on the continuous coordinates. ask(q) proposes q points by the constant liar (CL-min,
// Ginsbourger et al. 2010): each proposal joins the data with the best observed value as a
// fake observation before the next is chosen; points asked and not yet told are handled
// the same way. A failed evaluation (tell_failure) is kept out of the best value and enters
// the surrogate with the worst observed value, so the search moves away from it.
//
// Determinism: the random numbers of an ask() are drawn from a generator seeded with
// (seed, number of observations, number of pending points), so a run that is replayed
// by tell() after an interruption proposes what the uninterrupted run would have, except
// that GP-hedge gains are only carried across by checkpoint()/restore().
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/error.hpp"
#include "pestle/optimise/acquisition.hpp"
#include "pestle/optimise/designs.hpp"
#include "pestle/optimise/gaussian_process.hpp"
#include "pestle/math/lbfgsb.hpp"
#include "pestle/optimise/space.hpp"

namespace pestle::optimise {

enum class OutputTransform { none, log };

struct OptimiserOptions {
  std::size_t initial_points = 10;
  DesignKind design = DesignKind::hammersley;
  AcquisitionKind acquisition = AcquisitionKind::hedge;
  AcquisitionParams params;
  std::uint64_t seed = 0;
  std::size_t candidates = 2000;  ///< random candidates per acquisition optimisation
  std::size_t refinements = 3;    ///< best candidates refined by L-BFGS (per acquisition)
  double hedge_eta = 1.0;         ///< GP-hedge learning rate
  double local_fraction = 0.25;   ///< share of candidates that perturb the best points (1: a local, trust-region-like search)
  OutputTransform transform = OutputTransform::none;  ///< log: the surrogate models log(y) (y > 0)
  GpOptions gp;
};

struct Observation {
  std::vector<double> u;  ///< unit-cube coordinates (snapped)
  double y = 0.0;
  bool failed = false;
};

class Optimiser {
 public:
  Optimiser(Space space, OptimiserOptions options) : space_(std::move(space)), opt_(options), gp_(options.gp) {
    if (space_.size() == 0) throw InputError("the search space has no dimensions");
    if (opt_.initial_points == 0) opt_.initial_points = 1;
    make_initial_design();
    gains_.assign(3, 0.0);
  }

  const Space& space() const { return space_; }
  const OptimiserOptions& options() const { return opt_; }
  const std::vector<Observation>& observations() const { return obs_; }
  const GaussianProcess& surrogate() const { return gp_; }
  const std::vector<double>& hedge_gains() const { return gains_; }
  std::size_t pending() const { return pending_.size(); }

  /// One proposal.
  Point ask() { return ask(1).front(); }

  /// q proposals to evaluate together (distinct unless the space runs out of points).
  std::vector<Point> ask(std::size_t q) {
    std::vector<Point> out;
    for (std::size_t k = 0; k < q; ++k) {
      const std::vector<double> u = propose();
      pending_.push_back(u);
      out.push_back(space_.from_unit(u));
    }
    return out;
  }

  /// The objective value at a point (asked or not).
  void tell(const Point& p, double y) {
    if (!std::isfinite(y)) {
      tell_failure(p);
      return;
    }
    record(p, y, false);
  }
  /// The evaluation at p failed (e.g. a singular fit).
  void tell_failure(const Point& p) { record(p, std::numeric_limits<double>::quiet_NaN(), true); }

  /// Best successful observation, if any.
  std::optional<std::pair<Point, double>> best() const {
    const Observation* b = nullptr;
    for (const auto& o : obs_)
      if (!o.failed && (!b || o.y < b->y)) b = &o;
    if (!b) return std::nullopt;
    return std::make_pair(space_.from_unit(b->u), b->y);
  }

  /// Everything needed to continue: observations, pending points, hedge state.
  nlohmann::json checkpoint() const {
    nlohmann::json j;
    j["version"] = 1;
    j["seed"] = opt_.seed;
    std::vector<std::string> names;
    for (const auto& d : space_.dimensions()) names.push_back(d.name);
    j["dimensions"] = names;
    j["observations"] = nlohmann::json::array();
    for (const auto& o : obs_)
      j["observations"].push_back({{"u", o.u}, {"y", o.failed ? nlohmann::json() : nlohmann::json(o.y)}, {"failed", o.failed}});
    j["pending"] = pending_;
    j["hedge_gains"] = gains_;
    j["hedge_nominees"] = nominees_;
    return j;
  }

  /// Restores a checkpoint written by an optimiser over the same space.
  void restore(const nlohmann::json& j) {
    try {
      std::vector<std::string> names = j.at("dimensions").get<std::vector<std::string>>();
      if (names.size() != space_.size()) throw InputError("checkpoint is for a different search space");
      for (std::size_t k = 0; k < names.size(); ++k)
        if (names[k] != space_[k].name) throw InputError("checkpoint is for a different search space");
      obs_.clear();
      for (const auto& o : j.at("observations")) {
        Observation ob;
        ob.u = o.at("u").get<std::vector<double>>();
        ob.failed = o.at("failed").get<bool>();
        ob.y = ob.failed ? std::numeric_limits<double>::quiet_NaN() : o.at("y").get<double>();
        if (ob.u.size() != space_.size()) throw InputError("checkpoint observation has the wrong size");
        obs_.push_back(ob);
      }
      pending_ = j.at("pending").get<std::vector<std::vector<double>>>();
      gains_ = j.at("hedge_gains").get<std::vector<double>>();
      nominees_ = j.at("hedge_nominees").get<std::vector<std::vector<double>>>();
    } catch (const nlohmann::json::exception& e) {
      throw InputError(std::string("malformed optimiser checkpoint: ") + e.what());
    }
  }

 private:
  void record(const Point& p, double y, bool failed) {
    const std::vector<double> u = space_.snap(space_.to_unit(p));
    for (auto it = pending_.begin(); it != pending_.end(); ++it)
      if (same(*it, u)) {
        pending_.erase(it);
        break;
      }
    obs_.push_back({u, y, failed});
  }

  static bool same(const std::vector<double>& a, const std::vector<double>& b) {
    for (std::size_t k = 0; k < a.size(); ++k)
      if (std::abs(a[k] - b[k]) > 1e-12) return false;
    return true;
  }
  bool seen(const std::vector<double>& u) const {
    for (const auto& o : obs_)
      if (same(o.u, u)) return true;
    for (const auto& p : pending_)
      if (same(p, u)) return true;
    return false;
  }

  Rng ask_rng() const {
    std::seed_seq seq{static_cast<std::uint32_t>(opt_.seed), static_cast<std::uint32_t>(opt_.seed >> 32),
                      static_cast<std::uint32_t>(obs_.size()), static_cast<std::uint32_t>(pending_.size()), 0x9e3779b9u};
    return Rng(seq);
  }

  std::vector<double> random_feasible(Rng& rng) const {
    for (int tries = 0; tries < 100000; ++tries) {
      std::vector<double> u(space_.size());
      for (auto& x : u) x = uniform01(rng);
      u = space_.snap(u);
      if (space_.feasible_unit(u)) return u;
    }
    throw InputError("no feasible point found in 100000 random draws: are the constraints satisfiable?");
  }

  void make_initial_design() {
    const std::size_t n = opt_.initial_points, d = space_.size();
    Rng rng(opt_.seed ^ 0x5bd1e995u);
    const bool sequence = opt_.design == DesignKind::sobol || opt_.design == DesignKind::halton;
    // Sequences continue past infeasible points; finite sets replace them by random feasible ones.
    const Design raw = make_design(opt_.design, sequence ? 64 * n : n, d, opt_.seed);
    for (const auto& p : raw) {
      if (design_.size() == n) break;
      const std::vector<double> u = space_.snap(p);
      if (space_.feasible_unit(u)) design_.push_back(u);
      else if (!sequence) design_.push_back(random_feasible(rng));
    }
    while (design_.size() < n) design_.push_back(random_feasible(rng));
  }

  std::vector<double> propose() {
    const std::size_t used = obs_.size() + pending_.size();
    if (used < design_.size()) return design_[used];
    Rng rng = ask_rng();
    std::size_t successes = 0;
    for (const auto& o : obs_) successes += o.failed ? 0 : 1;
    if (successes < 2) return random_feasible(rng);
    fit_surrogate(rng);
    return maximise_acquisition(rng);
  }

  double transformed(double y) const { return opt_.transform == OutputTransform::log ? std::log(y) : y; }

  /// Fits the GP to the observations; pending points enter with the best value (constant liar).
  void fit_surrogate(Rng& rng) {
    double best = std::numeric_limits<double>::infinity(), worst = -best;
    for (const auto& o : obs_)
      if (!o.failed) {
        if (opt_.transform == OutputTransform::log && !(o.y > 0.0))
          throw InputError("the log output transform needs positive objective values");
        best = std::min(best, transformed(o.y));
        worst = std::max(worst, transformed(o.y));
      }
    const Eigen::Index d = static_cast<Eigen::Index>(space_.size());
    const Eigen::Index n_real = static_cast<Eigen::Index>(obs_.size());
    Eigen::MatrixXd X(n_real, d);
    Eigen::VectorXd y(n_real);
    for (Eigen::Index i = 0; i < n_real; ++i) {
      const auto& o = obs_[static_cast<std::size_t>(i)];
      for (Eigen::Index k = 0; k < d; ++k) X(i, k) = o.u[static_cast<std::size_t>(k)];
      y[i] = o.failed ? worst : transformed(o.y);
    }
    if (fitted_on_ != obs_.size()) {  // hyperparameters from the real data only
      gp_.fit(X, y, rng);
      fitted_on_ = obs_.size();
      update_hedge_gains();
    }
    best_ = best;
    if (!pending_.empty()) {
      Eigen::MatrixXd Xa(n_real + static_cast<Eigen::Index>(pending_.size()), d);
      Eigen::VectorXd ya(Xa.rows());
      Xa.topRows(n_real) = X;
      ya.head(n_real) = y;
      for (std::size_t p = 0; p < pending_.size(); ++p)
        for (Eigen::Index k = 0; k < d; ++k) {
          Xa(n_real + static_cast<Eigen::Index>(p), k) = pending_[p][static_cast<std::size_t>(k)];
          ya[n_real + static_cast<Eigen::Index>(p)] = best;
        }
      gp_.condition(Xa, ya);
    } else {
      gp_.condition(X, y);
    }
  }

  /// GP-hedge: each acquisition earns the (negated, standardised) posterior mean of its last nominee.
  void update_hedge_gains() {
    if (nominees_.size() != gains_.size()) return;
    for (std::size_t a = 0; a < gains_.size(); ++a) {
      const GpPrediction p = gp_.predict(to_eigen(nominees_[a]));
      gains_[a] -= (p.mean - gp_.output_mean()) / gp_.output_scale();
    }
    nominees_.clear();
  }

  static Eigen::VectorXd to_eigen(const std::vector<double>& u) {
    return Eigen::Map<const Eigen::VectorXd>(u.data(), static_cast<Eigen::Index>(u.size()));
  }

  double utility(AcquisitionKind k, const std::vector<double>& u) const {
    // In standardised units, so that ξ and κ do not depend on the scale of the objective.
    const GpPrediction p = gp_.predict(to_eigen(u));
    const double s = gp_.output_scale(), m = gp_.output_mean();
    return acquisition_utility(k, (p.mean - m) / s, p.sd() / s, (best_ - m) / s, opt_.params);
  }

  std::vector<std::vector<double>> candidates(Rng& rng) const {
    std::vector<std::vector<double>> c;
    c.reserve(opt_.candidates);
    // A quarter of the candidates perturb the best observations (local exploitation).
    std::vector<const Observation*> ranked;
    for (const auto& o : obs_)
      if (!o.failed) ranked.push_back(&o);
    std::sort(ranked.begin(), ranked.end(), [](auto* a, auto* b) { return a->y < b->y; });
    ranked.resize(std::min<std::size_t>(ranked.size(), 5));
    const std::size_t local =
        ranked.empty() ? 0 : static_cast<std::size_t>(opt_.local_fraction * static_cast<double>(opt_.candidates));
    std::normal_distribution<double> gauss(0.0, 1.0);
    for (std::size_t k = 0; k < local; ++k) {
      std::vector<double> u = ranked[k % ranked.size()]->u;
      static constexpr double scales[3] = {0.2, 0.1, 0.02};
      const double scale = scales[k % 3];
      for (std::size_t j = 0; j < u.size(); ++j) {
        // Box-Muller from uniform01 keeps the stream library-independent.
        const double z = std::sqrt(-2.0 * std::log(1.0 - uniform01(rng))) * std::cos(2.0 * std::numbers::pi * uniform01(rng));
        u[j] = std::clamp(u[j] + scale * z, 0.0, 1.0);
      }
      u = space_.snap(u);
      if (space_.feasible_unit(u) && !seen(u)) c.push_back(u);
    }
    const std::size_t wanted = std::max<std::size_t>(c.size() + (local < opt_.candidates ? opt_.candidates - local : 0), 1);
    for (std::size_t tries = 0; c.size() < wanted && tries < 20 * opt_.candidates; ++tries) {
      std::vector<double> u(space_.size());
      for (auto& x : u) x = uniform01(rng);
      u = space_.snap(u);
      if (space_.feasible_unit(u) && !seen(u)) c.push_back(u);
    }
    return c;
  }

  /// Refines u by projected L-BFGS on the continuous coordinates (discrete ones held).
  std::vector<double> refine(AcquisitionKind k, const std::vector<double>& u) const {
    const Eigen::Index d = static_cast<Eigen::Index>(u.size());
    Eigen::VectorXd lo(d), hi(d);
    for (Eigen::Index j = 0; j < d; ++j) {
      const bool fixed = space_[static_cast<std::size_t>(j)].discrete();
      lo[j] = fixed ? u[static_cast<std::size_t>(j)] : 0.0;
      hi[j] = fixed ? u[static_cast<std::size_t>(j)] : 1.0;
    }
    const auto negative = [&](const Eigen::VectorXd& x) {
      return -utility(k, std::vector<double>(x.data(), x.data() + x.size()));
    };
    LbfgsbOptions o;
    o.max_iterations = 30;
    o.gradient_tolerance = 1e-9;
    const LbfgsbResult r = minimise_box(with_numerical_gradient(negative, lo, hi, 1e-6), to_eigen(u), lo, hi, o);
    std::vector<double> v(r.x.data(), r.x.data() + r.x.size());
    v = space_.snap(v);
    if (!space_.feasible_unit(v) || seen(v) || utility(k, v) < utility(k, u)) return u;
    return v;
  }

  std::vector<double> best_for(AcquisitionKind k, const std::vector<std::vector<double>>& cand) const {
    std::vector<std::pair<double, std::size_t>> scored;
    scored.reserve(cand.size());
    for (std::size_t i = 0; i < cand.size(); ++i) scored.emplace_back(utility(k, cand[i]), i);
    const std::size_t top = std::min(opt_.refinements, scored.size());
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(top), scored.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    std::vector<double> best = cand[scored.front().second];
    double best_u = scored.front().first;
    for (std::size_t t = 0; t < top; ++t) {
      const std::vector<double> v = refine(k, cand[scored[t].second]);
      const double uv = utility(k, v);
      if (uv > best_u) {
        best_u = uv;
        best = v;
      }
    }
    return best;
  }

  std::vector<double> maximise_acquisition(Rng& rng) {
    const auto cand = candidates(rng);
    if (cand.empty()) return random_feasible(rng);  // every feasible point has been tried
    if (opt_.acquisition != AcquisitionKind::hedge) return best_for(opt_.acquisition, cand);
    static constexpr AcquisitionKind kinds[3] = {AcquisitionKind::ei, AcquisitionKind::pi, AcquisitionKind::lcb};
    nominees_.clear();
    for (AcquisitionKind k : kinds) nominees_.push_back(best_for(k, cand));
    const double gmax = *std::max_element(gains_.begin(), gains_.end());
    std::vector<double> w(3);
    double total = 0.0;
    for (std::size_t a = 0; a < 3; ++a) total += w[a] = std::exp(opt_.hedge_eta * (gains_[a] - gmax));
    double r = uniform01(rng) * total;
    std::size_t chosen = 0;
    while (chosen + 1 < 3 && r >= w[chosen]) r -= w[chosen++];
    return nominees_[chosen];
  }

  Space space_;
  OptimiserOptions opt_;
  GaussianProcess gp_;
  Design design_;
  std::vector<Observation> obs_;
  std::vector<std::vector<double>> pending_;
  std::vector<double> gains_;
  std::vector<std::vector<double>> nominees_;
  std::size_t fitted_on_ = static_cast<std::size_t>(-1);
  double best_ = 0.0;
};

}  // namespace pestle::optimise
