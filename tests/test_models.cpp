// Models (Linear, Quadratic), the Radial2B descriptor and Potential composition.
#include <catch2/catch.hpp>

#include <random>

#include "pestle/descriptors/radial2b.hpp"
#include "pestle/models.hpp"
#include "test_models_support.hpp"

using namespace pestle;

namespace {

std::vector<double> random_vector(std::size_t n, unsigned seed, double scale = 1.0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, scale);
  std::vector<double> v(n);
  for (auto& x : v) x = g(rng);
  return v;
}

Radial2B small_radial() {
  Radial2BParams p;
  p.count = 6;
  p.cutoff = 4.5;
  p.r_min = 2.0;
  p.sigma = 0.6;
  p.weights = {{28, 0.7}};
  return Radial2B(p);
}

template <class M>
M random_model(std::size_t features, std::vector<int> species, unsigned seed) {
  std::vector<std::vector<double>> c;
  for (std::size_t s = 0; s < species.size(); ++s)
    c.push_back(random_vector(1 + M::map_type::size(features), seed + static_cast<unsigned>(s), 0.1));
  return M(features, species, c);
}

}  // namespace

TEST_CASE("quadratic feature map: layout, energy and gradients agree", "[models]") {
  const std::vector<double> q = random_vector(5, 1), c = random_vector(QuadraticMap::size(5), 2);
  REQUIRE(QuadraticMap::size(5) == 5 + 15);
  std::vector<double> phi(QuadraticMap::size(5));
  QuadraticMap::expand(q, phi);
  CHECK(phi[5] == Approx(0.5 * q[0] * q[0]));  // ½q_0² first,
  CHECK(phi[6] == Approx(q[0] * q[1]));        // then q_0 q_1 ...
  CHECK(phi[10] == Approx(0.5 * q[1] * q[1]));  // row 1 starts after the 5 entries of row 0
  CHECK(phi.back() == Approx(0.5 * q[4] * q[4]));
  std::vector<double> g(5, 0.0);
  double dot = 0.0;
  for (std::size_t p = 0; p < phi.size(); ++p) dot += c[p] * phi[p];
  CHECK(QuadraticMap::energy(c, q, g) == Approx(dot).epsilon(1e-13));
  // gradient and the directional derivative of φ by central differences
  const std::vector<double> dir = random_vector(5, 3);
  std::vector<double> dphi(phi.size()), qp(q), qm(q), pp(phi.size()), pm(phi.size());
  QuadraticMap::expand_derivative(q, dir, dphi);
  const double h = 1e-6;
  for (std::size_t k = 0; k < 5; ++k) {
    qp[k] = q[k] + h * dir[k];
    qm[k] = q[k] - h * dir[k];
  }
  QuadraticMap::expand(qp, pp);
  QuadraticMap::expand(qm, pm);
  for (std::size_t p = 0; p < phi.size(); ++p) CHECK(dphi[p] == Approx((pp[p] - pm[p]) / (2 * h)).margin(1e-8));
  for (std::size_t k = 0; k < 5; ++k) {
    std::vector<double> a(q), b(q), ga(5), gb(5);
    a[k] += h;
    b[k] -= h;
    CHECK(g[k] == Approx((QuadraticMap::energy(c, a, ga) - QuadraticMap::energy(c, b, gb)) / (2 * h)).margin(1e-7));
  }
}

TEST_CASE("linear-in-parameters models validate their coefficients", "[models]") {
  CHECK_NOTHROW(Linear(3, {42}, {{1, 2, 3, 4}}));
  CHECK_THROWS_AS(Linear(3, {42}, {{1, 2, 3}}), InputError);
  CHECK_THROWS_AS(Quadratic(3, {42}, {{1, 2, 3, 4}}), InputError);  // needs 1 + 3 + 6
  CHECK_NOTHROW(Quadratic(3, {42}, {std::vector<double>(10, 0.0)}));
  CHECK_THROWS_AS(Linear(1, {42, 42}, {{1, 2}, {1, 2}}), InputError);
  CHECK_THROWS_AS(Linear(1, {0}, {{1, 2}}), InputError);
  CHECK_THROWS_AS(Linear(1, {}, {}), InputError);
  const Linear m(2, {28, 42}, {{-1, 2, 3}, {-5, 1, 0}});
  CHECK(m.species_index(42) == 1);
  CHECK(m.species_index(13) == -1);
  std::vector<double> g(2);
  CHECK(m.atom_energy(0, std::vector<double>{1.0, 2.0}, g) == Approx(-1 + 2 + 6));
  CHECK(g == std::vector<double>{2, 3});
}

TEST_CASE("Radial2B derivatives match finite differences of the positions", "[models][radial2b]") {
  const Radial2B d = small_radial();
  Structure s = test::jittered_bcc(42, 3.16, 2, 0.15, 7);
  test::substitute(s, 28, 3);
  const NeighbourList nl = build_neighbour_list(s, d.neighbour_options());
  auto ws = d.make_workspace();
  const std::size_t i = 1, n = d.size();
  std::vector<double> q(n), dq(nl.count(i) * 3 * n);
  d.compute_with_derivatives(s, nl, i, ws, q, dq);
  // moving neighbour entry e's atom j moves all its images: compare the summed derivative over entries of j
  const int j = nl.index[nl.begin(i) + 2];
  const double h = 1e-6;
  for (int dim = 0; dim < 3; ++dim) {
    Structure a = s, b = s;
    a.positions[static_cast<std::size_t>(j)][dim] += h;
    b.positions[static_cast<std::size_t>(j)][dim] -= h;
    std::vector<double> qa(n), qb(n);
    d.compute(a, build_neighbour_list(a, d.neighbour_options()), i, ws, qa);
    d.compute(b, build_neighbour_list(b, d.neighbour_options()), i, ws, qb);
    for (std::size_t c = 0; c < n; ++c) {
      double analytic = 0.0;
      for (std::size_t e = nl.begin(i); e < nl.end(i); ++e)
        if (nl.index[e] == j) analytic += dq[((e - nl.begin(i)) * 3 + static_cast<std::size_t>(dim)) * n + c];
      CHECK(analytic == Approx((qa[c] - qb[c]) / (2 * h)).margin(1e-7));
    }
  }
  CHECK_THROWS_AS(Radial2B(Radial2BParams{0, 5.0, 1.0, 0.5, {}}), InputError);
}

TEMPLATE_TEST_CASE("Potential forces, virial and stress are derivatives of its energy", "[models][potential]", Linear,
                   Quadratic) {
  const Radial2B d = small_radial();
  const Potential<Radial2B, TestType> pot(d, random_model<TestType>(d.size(), {28, 42}, 11));
  Structure s = test::jittered_bcc(42, 3.16, 2, 0.2, 3);
  test::substitute(s, 28, 4, 1);
  const auto r = pot.compute(s);
  REQUIRE(r.forces.size() == s.size());
  CHECK(pot.energy(s) == Approx(r.energy).epsilon(1e-13));
  double sum = 0.0;
  for (double e : r.atom_energies) sum += e;
  CHECK(sum == Approx(r.energy).epsilon(1e-13));
  const double h = 1e-5;
  for (std::size_t k : {std::size_t{0}, std::size_t{5}, s.size() - 1})
    for (int dim = 0; dim < 3; ++dim) {
      Structure a = s, b = s;
      a.positions[k][dim] += h;
      b.positions[k][dim] -= h;
      CHECK(r.forces[k][dim] == Approx(-(pot.energy(a) - pot.energy(b)) / (2 * h)).margin(1e-6));
    }
  // stress = (1/V) dE/dε (ASE sign); virial = -V·stress
  const Mat3 dEde = test::strain_derivative(s, [&](const Structure& t) { return pot.energy(t); });
  REQUIRE(r.stress.has_value());
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      CHECK((*r.stress)(a, b) == Approx(dEde(a, b) / s.volume()).margin(1e-7));
      CHECK(r.virial(a, b) == Approx(-dEde(a, b)).margin(1e-5));
    }
  Vec3 total = Vec3::Zero();
  for (const auto& f : r.forces) total += f;
  CHECK(total.norm() < 1e-10);
  // repeated evaluation (different thread schedules) agrees to round-off
  const auto r2 = pot.compute(s);
  CHECK(r2.energy == r.energy);
  for (std::size_t k = 0; k < s.size(); ++k) CHECK((r2.forces[k] - r.forces[k]).norm() < 1e-12);
}

TEST_CASE("Potential: open boundaries give no stress; unknown species and mismatched sizes are input errors",
          "[models][potential]") {
  const Radial2B d = small_radial();
  const Potential<Radial2B, Linear> pot(d, random_model<Linear>(d.size(), {42}, 5));
  Structure s = test::jittered_bcc(42, 3.16, 2, 0.1, 9);
  s.pbc = {false, false, false};
  const auto r = pot.compute(s);
  CHECK_FALSE(r.stress.has_value());
  CHECK(std::isfinite(r.energy));
  s.numbers[0] = 28;
  CHECK_THROWS_AS(pot.compute(s), InputError);
  CHECK_THROWS_AS(pot.energy(s), InputError);
  CHECK_THROWS_AS((Potential<Radial2B, Linear>(d, Linear(3, {42}, {{0, 1, 2, 3}}))), InputError);
}
