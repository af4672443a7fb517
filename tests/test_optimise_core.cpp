// Search spaces, initial designs, the projected L-BFGS, the Gaussian-process surrogate and
// the acquisition functions of include/pestle/optimise/.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <Eigen/LU>

#include "pestle/optimise/acquisition.hpp"
#include "pestle/optimise/designs.hpp"
#include "pestle/optimise/gaussian_process.hpp"
#include "pestle/math/lbfgsb.hpp"
#include "pestle/optimise/space.hpp"

using namespace pestle::optimise;

TEST_CASE("space maps the unit cube onto real, log-real, integer and categorical values", "[optimise][space]") {
  Space s({Dimension::real("rcut", 2.0, 6.0), Dimension::log_real("ew", 10.0, 1e5), Dimension::integer("twojmax", 2, 8),
           Dimension::categorical("radial", {"sbessel", "chebexpcos", "chebpow"})});
  const Point p = s.from_unit({0.25, 0.5, 0.0, 0.999});
  CHECK(std::get<double>(p[0]) == Approx(3.0));
  CHECK(std::get<double>(p[1]) == Approx(std::sqrt(10.0 * 1e5)));  // log midpoint = geometric mean
  CHECK(std::get<long long>(p[2]) == 2);
  CHECK(std::get<std::string>(p[3]) == "chebpow");
  CHECK(std::get<long long>(s.from_unit({0, 0, 1.0, 0})[2]) == 8);  // u = 1 is the last level, not past it
  // Every integer owns a bin of equal width: 7 levels.
  std::map<long long, int> counts;
  for (int k = 0; k < 7000; ++k) counts[std::get<long long>(s[2].from_unit((k + 0.5) / 7000.0))]++;
  REQUIRE(counts.size() == 7);
  for (const auto& [v, c] : counts) CHECK(c == 1000);
  // Round trip: to_unit(from_unit(u)) is the snapped u, and snapped points map to themselves.
  const std::vector<double> u = {0.3, 0.7, 0.41, 0.5};
  const std::vector<double> back = s.to_unit(s.from_unit(u));
  CHECK(back[0] == Approx(0.3));
  CHECK(back[1] == Approx(0.7));
  CHECK(back == s.snap(back));
  CHECK(s.from_unit(back) == s.from_unit(u));
}

TEST_CASE("space: fixed values, constraints and bad input", "[optimise][space]") {
  Space s({Dimension::real("rmin", 0.0, 2.0), Dimension::real("rcut", 1.0, 3.0)});
  s.fix("rfac0", 0.99).constrain(LessThan{"rmin", "rcut"});
  CHECK(s.feasible({0.5, 1.5}));
  CHECK_FALSE(s.feasible({1.8, 1.5}));
  CHECK(std::get<double>(s.value({0.1, 2.0}, "rfac0")) == 0.99);
  CHECK_THROWS_AS(s.constrain(LessThan{"rmin", "nope"}), pestle::InputError);
  CHECK_THROWS_AS(Space({Dimension::log_real("x", 0.0, 1.0)}), pestle::InputError);
  CHECK_THROWS_AS(Space({Dimension::real("x", 1.0, 1.0)}), pestle::InputError);
  CHECK_THROWS_AS(Space({Dimension::categorical("x", {})}), pestle::InputError);
  CHECK_THROWS_AS(Space({Dimension::real("x", 0, 1), Dimension::real("x", 0, 1)}), pestle::InputError);
  CHECK_THROWS_AS(s.from_unit({0.5}), pestle::InputError);
  Space c({Dimension::categorical("k", {"a", "b"})});
  CHECK_THROWS_AS(c.to_unit({std::string("zzz")}), pestle::InputError);
}

// Number of points of the design in [a/m, (a+1)/m) x [b/k, (b+1)/k) for every box of an
// m x k grid; a (0, log2 n, 2)-net in base 2 has exactly one point in every elementary box.
static bool one_point_per_box(const Design& d, std::size_t dim0, std::size_t dim1, std::size_t m, std::size_t k) {
  std::vector<int> count(m * k, 0);
  for (const auto& p : d) count[static_cast<std::size_t>(p[dim0] * m) * k + static_cast<std::size_t>(p[dim1] * k)]++;
  return std::all_of(count.begin(), count.end(), [](int c) { return c == 1; });
}

TEST_CASE("Sobol and Hammersley points form (0,m,2)-nets; every Sobol coordinate is stratified", "[optimise][design]") {
  const std::size_t n = 256;  // 2^8
  const Design sob = sobol(n, sobol_max_dimension);
  const Design ham = hammersley(n, 2);
  for (std::size_t m = 1; m <= n; m *= 2) {
    INFO("boxes " << m << " x " << n / m);
    CHECK(one_point_per_box(sob, 0, 1, m, n / m));
    CHECK(one_point_per_box(ham, 0, 1, m, n / m));
  }
  for (std::size_t j = 0; j < sobol_max_dimension; ++j) CHECK(one_point_per_box(sob, j, j, n, 1));
  // Reference values (scipy.stats.qmc.Sobol(d, scramble=False) gives the same points; the
  // full comparison runs in tests/optimise_sklearn_check.py).
  CHECK(sob[1][0] == 0.5);
  CHECK(sob[2][0] == 0.75);
  CHECK(sob[2][1] == 0.25);
  CHECK(sob[3][2] == 0.75);
  CHECK(sob[3][3] == 0.75);
  CHECK_THROWS_AS(sobol(4, sobol_max_dimension + 1), pestle::InputError);
  // Halton: bases 2 and 3.
  const Design hal = halton(4, 2);
  CHECK(hal[0][0] == 0.5);
  CHECK(hal[1][1] == Approx(2.0 / 3.0));
  CHECK(hal[3][1] == Approx(4.0 / 9.0));
}

TEST_CASE("Latin hypercube: one point per stratum in every dimension; seeded", "[optimise][design]") {
  const std::size_t n = 37, d = 5;
  const Design a = make_design(DesignKind::latin_hypercube, n, d, 7);
  for (std::size_t j = 0; j < d; ++j) {
    std::set<std::size_t> strata;
    for (const auto& p : a) strata.insert(static_cast<std::size_t>(p[j] * n));
    CHECK(strata.size() == n);
  }
  CHECK(a == make_design(DesignKind::latin_hypercube, n, d, 7));
  CHECK(a != make_design(DesignKind::latin_hypercube, n, d, 8));
  for (const auto& p : make_design(DesignKind::random, 100, 3, 1))
    for (double x : p) CHECK((x >= 0.0 && x < 1.0));
}

TEST_CASE("projected L-BFGS minimises a quadratic inside and on the edge of a box", "[optimise][lbfgsb]") {
  const Objective f = [](const Eigen::VectorXd& x, Eigen::VectorXd& g) {
    g.resize(2);
    g[0] = 2.0 * (x[0] - 0.3) + 0.5 * x[1];
    g[1] = 8.0 * (x[1] - 2.0) + 0.5 * x[0];
    return (x[0] - 0.3) * (x[0] - 0.3) + 4.0 * (x[1] - 2.0) * (x[1] - 2.0) + 0.5 * x[0] * x[1];
  };
  // Unconstrained minimum solves [2 .5; .5 8] x = [0.6; 16].
  const Eigen::Vector2d exact = (Eigen::Matrix2d() << 2, 0.5, 0.5, 8).finished().inverse() * Eigen::Vector2d(0.6, 16);
  LbfgsbResult r = minimise_box(f, Eigen::Vector2d(-3, -3), Eigen::Vector2d(-10, -10), Eigen::Vector2d(10, 10));
  CHECK(r.converged);
  CHECK((r.x - exact).norm() < 1e-6);
  // With x1 <= 1 the minimum sits on that bound: x0 minimises the rest, 2(x0 - 0.3) + 0.5 = 0.
  r = minimise_box(f, Eigen::Vector2d(0, 0), Eigen::Vector2d(-10, -10), Eigen::Vector2d(10, 1));
  CHECK(r.x[1] == Approx(1.0));
  CHECK(r.x[0] == Approx(0.05).margin(1e-6));
}

namespace {
Eigen::MatrixXd grid_1d(int n) {
  Eigen::MatrixXd X(n, 1);
  for (int i = 0; i < n; ++i) X(i, 0) = (i + 0.5) / n;
  return X;
}
}  // namespace

TEST_CASE("GP interpolates noiseless data; variance ~0 at the data and the prior far away", "[optimise][gp]") {
  const Eigen::MatrixXd X = grid_1d(8);
  Eigen::VectorXd y(8);
  for (int i = 0; i < 8; ++i) y[i] = std::sin(6.0 * X(i, 0)) + 3.0;
  GaussianProcess gp;
  Rng rng(1);
  gp.fit(X, y, rng);
  for (int i = 0; i < 8; ++i) {
    const GpPrediction p = gp.predict(X.row(i).transpose());
    CHECK(p.mean == Approx(y[i]).margin(1e-3));
    CHECK(p.sd() < 1e-2 * gp.output_scale());
  }
  // Between the data the smooth function is still followed.
  CHECK(gp.predict(Eigen::VectorXd::Constant(1, 0.5)).mean == Approx(std::sin(3.0) + 3.0).margin(0.02));
  // Far away: prior mean (the data mean) and prior variance σ_f² s².
  const GpPrediction far = gp.predict(Eigen::VectorXd::Constant(1, 1e3));
  CHECK(far.mean == Approx(y.mean()).margin(1e-9));
  const double prior = gp.hyperparameters().signal_variance * gp.output_scale() * gp.output_scale();
  CHECK(far.variance == Approx(prior).epsilon(1e-9));
  CHECK(gp.hyperparameters().noise_variance < 1e-3);
}

TEST_CASE("GP: marginal-likelihood gradient agrees with finite differences", "[optimise][gp]") {
  Rng rng(3);
  const Design pts = make_design(DesignKind::sobol, 12, 3, 0);
  Eigen::MatrixXd X(12, 3);
  Eigen::VectorXd y(12);
  for (int i = 0; i < 12; ++i) {
    for (int k = 0; k < 3; ++k) X(i, k) = pts[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)];
    y[i] = std::cos(3 * X(i, 0)) + X(i, 1) * X(i, 2) + 0.05 * std::sin(40.0 * i);
  }
  GpOptions o;
  o.optimise = false;
  GaussianProcess gp(o);
  CHECK_THROWS_AS(gp.fit(X, y, rng), pestle::InputError);  // no hyperparameters given
  gp.set_hyperparameters({Eigen::VectorXd::Constant(3, 0.3), 1.0, 1e-4});
  gp.fit(X, y, rng);
  for (const Eigen::VectorXd& theta : {Eigen::VectorXd((Eigen::VectorXd(5) << -1.0, 0.2, -0.5, 0.3, -4.0).finished()),
                                       Eigen::VectorXd((Eigen::VectorXd(5) << 0.5, -2.0, 1.0, -0.7, -1.0).finished())}) {
    Eigen::VectorXd g;
    gp.log_marginal_likelihood(theta, &g);
    for (int k = 0; k < 5; ++k) {
      const double h = 1e-5;
      Eigen::VectorXd tp = theta, tm = theta;
      tp[k] += h;
      tm[k] -= h;
      const double fd = (gp.log_marginal_likelihood(tp) - gp.log_marginal_likelihood(tm)) / (2 * h);
      INFO("theta component " << k);
      CHECK(g[k] == Approx(fd).epsilon(1e-5).margin(1e-6));
    }
  }
  // The optimised hyperparameters beat the default start.
  GaussianProcess opt;
  opt.fit(X, y, rng);
  Eigen::VectorXd t0(5);
  t0 << std::log(0.3), std::log(0.3), std::log(0.3), 0.0, std::log(1e-4);
  CHECK(opt.log_marginal_likelihood() > opt.log_marginal_likelihood(t0));
}

TEST_CASE("GP: bad data are typed errors", "[optimise][gp]") {
  GaussianProcess gp;
  Rng rng(0);
  CHECK_THROWS_AS(gp.fit(Eigen::MatrixXd(0, 1), Eigen::VectorXd(0), rng), pestle::InputError);
  CHECK_THROWS_AS(gp.fit(Eigen::MatrixXd::Zero(2, 1), Eigen::VectorXd::Zero(3), rng), pestle::InputError);
  CHECK_THROWS_AS(gp.fit(Eigen::MatrixXd::Zero(1, 1), Eigen::VectorXd::Constant(1, NAN), rng), pestle::NumericalError);
  CHECK_THROWS_AS(gp.predict(Eigen::VectorXd::Zero(1)), pestle::InputError);
}

TEST_CASE("acquisitions: closed forms", "[optimise][acquisition]") {
  // At μ = f* − ξ: EI = σ φ(0), PI = 1/2.
  CHECK(expected_improvement(1.0, 2.0, 1.5, 0.5) == Approx(2.0 / std::sqrt(2.0 * M_PI)));
  CHECK(probability_of_improvement(1.0, 2.0, 1.5, 0.5) == Approx(0.5));
  // One standard deviation better than needed: PI = Φ(1) = 0.841344746..., EI = σ(zΦ(z) + φ(z)).
  CHECK(probability_of_improvement(0.0, 1.0, 1.0, 0.0) == Approx(0.8413447460685429));
  CHECK(expected_improvement(0.0, 1.0, 1.0, 0.0) == Approx(0.8413447460685429 + 0.24197072451914337));
  // PI is minimisation-oriented: a larger ξ lowers it (Φ((f* − ξ − μ)/σ), not +ξ).
  CHECK(probability_of_improvement(0.0, 1.0, 1.0, 0.5) < probability_of_improvement(0.0, 1.0, 1.0, 0.0));
  // Zero variance: improvement is certain or impossible.
  CHECK(expected_improvement(0.2, 0.0, 1.0, 0.0) == Approx(0.8));
  CHECK(expected_improvement(2.0, 0.0, 1.0, 0.0) == 0.0);
  CHECK(probability_of_improvement(2.0, 0.0, 1.0, 0.0) == 0.0);
  CHECK(lower_confidence_bound(1.0, 0.5, 2.0) == 0.0);
  AcquisitionParams p;
  p.kappa = 2.0;
  CHECK(acquisition_utility(AcquisitionKind::lcb, 1.0, 0.5, 0.0, p) == 0.0);
  CHECK_THROWS_AS(acquisition_utility(AcquisitionKind::hedge, 0, 1, 0, p), pestle::InputError);
  CHECK_THROWS_AS(acquisition_from_name("ucb"), pestle::InputError);
  // EI grows with σ at fixed mean (exploration) and is never negative.
  CHECK(expected_improvement(2.0, 1.0, 1.0, 0.0) > expected_improvement(2.0, 0.5, 1.0, 0.0));
  CHECK(expected_improvement(50.0, 1.0, 1.0, 0.0) >= 0.0);
}

#include "pestle/optimise/svg_plot.hpp"

TEST_CASE("SVG plots: ticks, escaping, a well-formed document", "[optimise][svg]") {
  namespace svgd = pestle::optimise::svg::detail;
  using pestle::optimise::svg::figure;
  using pestle::optimise::svg::Style;
  CHECK(svgd::nice_ticks(0.0, 10.0) == std::vector<double>{0, 2, 4, 6, 8, 10});
  CHECK(svgd::nice_ticks(-0.013, 0.021).size() >= 3);
  // A log axis inside one decade still gets labelled ticks (1..9 mantissas).
  const auto t = svgd::log_ticks(std::log10(0.12), std::log10(0.59));
  REQUIRE(t.size() >= 3);
  CHECK(std::pow(10.0, t.front()) == Approx(0.2));
  CHECK(svgd::log_ticks(-3.2, 0.5).size() == 4);  // decades 1e-3, 1e-2, 1e-1, 1
  const std::string svg = figure({{"a < b & c", "x", "y", true, false, {{"s", {1, 2, 3}, {0.1, 0.01, 0.2}, "#000", Style::step}}},
                                  {"parity", "ref", "pred", false, true, {{"", {0, 1}, {0.1, 0.9}, "#f00", Style::points}}}},
                                 2);
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(svg.find("a &lt; b &amp; c") != std::string::npos);
  CHECK(svg.find("<polyline") != std::string::npos);
  CHECK(svg.find("stroke-dasharray") != std::string::npos);  // the y = x line of the parity panel
  CHECK(svg.find("width='920'") != std::string::npos);        // two columns
}
