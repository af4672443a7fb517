// The ask/tell Bayesian optimiser (include/pestle/optimise/optimiser.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "pestle/optimise/optimiser.hpp"

using namespace pestle::optimise;

namespace {

Space square() { return Space({Dimension::real("x", -2.0, 2.0), Dimension::real("y", -2.0, 2.0)}); }

double quadratic(const Point& p) {
  const double x = std::get<double>(p[0]), y = std::get<double>(p[1]);
  return (x - 0.7) * (x - 0.7) + 3.0 * (y + 0.4) * (y + 0.4) + 0.5 * (x - 0.7) * (y + 0.4);
}

OptimiserOptions small_options(std::uint64_t seed, AcquisitionKind a = AcquisitionKind::ei) {
  OptimiserOptions o;
  o.seed = seed;
  o.initial_points = 5;
  o.acquisition = a;
  o.candidates = 500;
  return o;
}

}  // namespace

TEST_CASE("optimiser finds the minimum of a 2-D quadratic", "[optimise][optimiser]") {
  for (AcquisitionKind a : {AcquisitionKind::ei, AcquisitionKind::lcb, AcquisitionKind::hedge}) {
    Optimiser opt(square(), small_options(11, a));
    for (int k = 0; k < 20; ++k) {
      const Point p = opt.ask();
      opt.tell(p, quadratic(p));
    }
    const auto best = opt.best();
    REQUIRE(best);
    INFO("acquisition " << acquisition_name(a));
    CHECK(best->second < 1e-3);  // the design alone reaches ~0.1
    CHECK(std::get<double>(best->first[0]) == Approx(0.7).margin(0.05));
    CHECK(std::get<double>(best->first[1]) == Approx(-0.4).margin(0.05));
  }
}

TEST_CASE("optimiser: same seed gives the same proposals, another seed others", "[optimise][optimiser]") {
  const auto run = [](std::uint64_t seed) {
    OptimiserOptions o = small_options(seed, AcquisitionKind::hedge);
    o.design = DesignKind::latin_hypercube;
    Optimiser opt(square(), o);
    std::vector<Point> seen;
    for (int k = 0; k < 9; ++k) {
      const Point p = opt.ask();
      seen.push_back(p);
      opt.tell(p, quadratic(p));
    }
    return seen;
  };
  const auto a = run(5), b = run(5), c = run(6);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("optimiser: batch proposals are distinct and feasible (constant liar)", "[optimise][optimiser]") {
  Space s = square();
  s.constrain([](const Point& p) { return std::get<double>(p[0]) + std::get<double>(p[1]) < 1.0; });
  Optimiser opt(s, small_options(2));
  for (int round = 0; round < 4; ++round) {
    const std::vector<Point> batch = opt.ask(4);
    REQUIRE(batch.size() == 4);
    CHECK(opt.pending() == 4);
    std::set<std::vector<double>> distinct;
    for (const auto& p : batch) {
      distinct.insert(s.to_unit(p));
      CHECK(s.feasible(p));
    }
    CHECK(distinct.size() == 4);
    for (const auto& p : batch) opt.tell(p, quadratic(p));
    CHECK(opt.pending() == 0);
  }
  CHECK(opt.observations().size() == 16);
}

TEST_CASE("optimiser: checkpoint and restore continue with the same proposal", "[optimise][optimiser]") {
  OptimiserOptions o = small_options(9, AcquisitionKind::hedge);
  Optimiser a(square(), o);
  for (int k = 0; k < 8; ++k) {
    const Point p = a.ask();
    a.tell(p, quadratic(p));
  }
  const nlohmann::json saved = nlohmann::json::parse(a.checkpoint().dump());
  Optimiser b(square(), o);
  b.restore(saved);
  CHECK(b.observations().size() == 8);
  CHECK(b.hedge_gains() == a.hedge_gains());
  CHECK(a.ask() == b.ask());
  // A checkpoint of another space is refused.
  Optimiser other(Space({Dimension::real("z", 0, 1), Dimension::real("y", 0, 1)}), o);
  CHECK_THROWS_AS(other.restore(saved), pestle::InputError);
  CHECK_THROWS_AS(other.restore(nlohmann::json{{"dimensions", {"z", "y"}}}), pestle::InputError);
}

TEST_CASE("optimiser: failed evaluations are kept out of the best and do not stop proposals", "[optimise][optimiser]") {
  Optimiser opt(square(), small_options(4));
  for (int k = 0; k < 12; ++k) {
    const Point p = opt.ask();
    const bool fail = std::get<double>(p[0]) < -1.0;  // a region where "fits" fail
    if (fail) opt.tell_failure(p);
    else opt.tell(p, quadratic(p));
  }
  int failures = 0;
  for (const auto& o : opt.observations()) failures += o.failed;
  CHECK(failures >= 1);
  REQUIRE(opt.best());
  CHECK(std::isfinite(opt.best()->second));
  CHECK(std::get<double>(opt.best()->first[0]) >= -1.0);
  opt.tell(opt.ask(), std::numeric_limits<double>::infinity());  // non-finite counts as failed
  CHECK(opt.observations().back().failed);
}

TEST_CASE("optimiser: discrete spaces are not proposed twice until exhausted", "[optimise][optimiser]") {
  Space s({Dimension::integer("n", 1, 4), Dimension::categorical("kind", {"a", "b", "c"})});
  OptimiserOptions o = small_options(1);
  o.initial_points = 3;
  Optimiser opt(s, o);
  std::set<std::vector<double>> seen;
  for (int k = 0; k < 12; ++k) {
    const Point p = opt.ask();
    seen.insert(s.to_unit(p));
    const double v = std::abs(static_cast<double>(std::get<long long>(p[0])) - 3.0) + (std::get<std::string>(p[1]) == "b" ? 0.0 : 1.0);
    opt.tell(p, v);
  }
  CHECK(seen.size() == 12);  // all 4 x 3 combinations
  CHECK(opt.best()->second == 0.0);
}
