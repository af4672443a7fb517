// ACE embeddings (models/ace.hpp): derivatives against central differences, the limits that
// define them (F = ρ for m = 1, F ≈ sign(ρ)|ρ|^m away from 0, smooth through 0), the core-density
// energy cutoff, and linear ACE (E = Σ c·B + E0) on pestle's own B-basis.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "pestle/descriptors/ace_coupling.hpp"
#include "pestle/models/ace.hpp"

using namespace pestle;

namespace {

template <class E>
void check_derivative(double m) {
  for (double rho : {-7.3, -1.2, -0.3, -1e-3, 2e-7, 1e-3, 0.4, 1.0, 3.7, 25.0}) {
    INFO(E::name << " m=" << m << " rho=" << rho);
    double dF = 0.0, d1 = 0.0, d2 = 0.0;
    E::value(rho, m, dF);
    const double h = 1e-6 * std::max(1e-3, std::abs(rho));
    const double fd = (E::value(rho + h, m, d1) - E::value(rho - h, m, d2)) / (2 * h);
    CHECK(std::abs(fd - dF) <= 1e-6 * std::max(1.0, std::abs(dF)));
  }
}

}  // namespace

TEST_CASE("ACE embeddings: derivatives and defining limits", "[ace]") {
  for (double m : {1.0, 0.5, 0.75, 1.5, 2.0}) {
    check_derivative<AceSmoothPowerEmbedding>(m);
    check_derivative<AceShiftedScaledEmbedding>(m);
  }
  check_derivative<AceLinearEmbedding>(1.0);
  double d = 0.0;
  // m = 1: both are the identity
  CHECK(AceSmoothPowerEmbedding::value(-2.5, 1.0, d) == Approx(-2.5).epsilon(1e-14));
  CHECK(AceShiftedScaledEmbedding::value(-2.5, 1.0, d) == -2.5);
  // Finnis–Sinclair √: sign(ρ)√|ρ| away from 0, linear (slope w^{1/2} = 1000) at 0
  CHECK(AceSmoothPowerEmbedding::value(4.0, 0.5, d) == Approx(2.0).epsilon(1e-14));
  CHECK(AceSmoothPowerEmbedding::value(-9.0, 0.5, d) == Approx(-3.0).epsilon(1e-14));
  CHECK(AceSmoothPowerEmbedding::value(1e-12, 0.5, d) == Approx(1e-9).epsilon(1e-12));
  CHECK(std::isfinite(d));
  // shifted-scaled: F(0) = 0 for every exponent, finite slope there; odd in ρ
  for (double m : {0.5, 0.8, 1.7}) {
    CHECK(std::abs(AceShiftedScaledEmbedding::value(0.0, m, d)) < 1e-15);
    CHECK(std::isfinite(d));
    CHECK(d > 0.0);
    double d2 = 0.0;
    CHECK(AceShiftedScaledEmbedding::value(-1.3, m, d2) == Approx(-AceShiftedScaledEmbedding::value(1.3, m, d)).epsilon(1e-14));
  }
}

TEST_CASE("ACE model: core-density cutoff switches the embedding off smoothly", "[ace]") {
  AceElementModel p;
  p.weights = {1.0, 1.0};
  p.exponents = {1.0, 0.5};
  p.rho_core_cut = 10.0, p.drho_core_cut = 2.0, p.e0 = -0.25;
  const AceModel<AceSmoothPowerEmbedding> model({29}, {p}, true);
  REQUIRE(model.feature_count() == 3);
  std::vector<double> g(3);
  const std::vector<double> low = {2.0, 9.0, 1.0}, high = {2.0, 9.0, 11.0};
  CHECK(model.atom_energy(0, low, g) == Approx(2.0 + 3.0 + 1.0 - 0.25));
  CHECK(model.atom_energy(0, high, g) == Approx(11.0 - 0.25));
  CHECK(g[0] == 0.0);
  // inside the switch: derivative with respect to ρ_core by central differences
  std::vector<double> mid = {2.0, 9.0, 9.1}, a = mid, b = mid;
  model.atom_energy(0, mid, g);
  a[2] += 1e-6, b[2] -= 1e-6;
  std::vector<double> scratch(3);
  const double fd = (model.atom_energy(0, a, scratch) - model.atom_energy(0, b, scratch)) / 2e-6;
  CHECK(g[2] == Approx(fd).epsilon(1e-7));
}

TEST_CASE("Linear ACE: E_i = Σ c·B + E0 on pestle's own basis", "[ace]") {
  AceBasisSpec spec;
  spec.elements = {29};
  spec.nmax = {3, 2, 1};
  spec.lmax = {0, 1, 1};
  AceBasisSet basis = ace_b_basis(spec);
  AceDescriptor d(basis, {.core_density = false});
  std::mt19937 rng(3);
  std::normal_distribution<double> nd(0.0, 1.0);
  AceElementModel p;
  for (std::size_t c = 0; c < d.size(); ++c) p.weights.push_back(nd(rng)), p.exponents.push_back(1.0);
  p.e0 = -1.5;
  const AceModel<AceLinearEmbedding> model({29}, {p}, false);
  std::vector<double> q(d.size()), g(d.size());
  for (std::size_t c = 0; c < q.size(); ++c) q[c] = nd(rng);
  double expect = p.e0;
  for (std::size_t c = 0; c < q.size(); ++c) expect += p.weights[c] * q[c];
  CHECK(model.atom_energy(0, q, g) == Approx(expect).epsilon(1e-14));
  for (std::size_t c = 0; c < q.size(); ++c) CHECK(g[c] == p.weights[c]);
  // and it runs as a potential
  Potential<AceDescriptor, AceModel<AceLinearEmbedding>> pot(d, model);
  Structure s;
  s.add_atom(29, Vec3(0, 0, 0));
  s.add_atom(29, Vec3(2.1, 0.3, 0.1));
  s.add_atom(29, Vec3(0.2, 2.3, -0.4));
  const auto r = pot.compute(s);
  CHECK(r.forces[0].norm() > 1e-6);
  CHECK((r.forces[0] + r.forces[1] + r.forces[2]).norm() < 1e-12);
}
