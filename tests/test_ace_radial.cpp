// Radial bases of ACE (include/pestle/descriptors/ace_radial.hpp): the simplified spherical Bessel
// base against its defining properties, which the implementation does not use directly:
// orthonormality on [0, rc] with weight r², value and slope zero at rc, and derivatives.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "pestle/descriptors/ace_radial.hpp"

using namespace pestle;

namespace {

AceRadialBasis sbessel_basis(int nradbase, double rcut) {
  AceRadialBasis rb;
  rb.kind = AceRadialKind::sbessel;
  rb.nradbase = nradbase;
  rb.nradmax = 0;
  rb.cutoff = rcut;
  AceRadialPair p;
  p.rcut = rcut;
  rb.pairs = {p};
  rb.validate();
  return rb;
}

std::vector<double> values(const AceRadialBasis& rb, double r, std::vector<double>* slopes = nullptr) {
  std::vector<double> g(std::size_t(rb.nradbase)), dg(g.size());
  rb.base(rb.pairs[0], r, g.data(), dg.data());
  if (slopes) *slopes = dg;
  return g;
}

}  // namespace

TEST_CASE("ACE SBessel radial base: orthonormal on [0, rc] with weight r^2", "[ace][ace_radial]") {
  const double rc = 5.2;
  const int K = 10;
  const AceRadialBasis rb = sbessel_basis(K, rc);
  // composite Simpson on 4000 intervals: the integrands are smooth, error far below the tolerance
  const int intervals = 4000;
  const double h = rc / intervals;
  std::vector<std::vector<double>> gram(K, std::vector<double>(K, 0.0));
  for (int i = 0; i <= intervals; ++i) {
    const double r = i * h, w = (i == 0 || i == intervals) ? 1.0 : (i % 2 ? 4.0 : 2.0);
    const std::vector<double> g = values(rb, r);
    for (int a = 0; a < K; ++a)
      for (int b = 0; b < K; ++b) gram[a][b] += w * h / 3.0 * g[std::size_t(a)] * g[std::size_t(b)] * r * r;
  }
  for (int a = 0; a < K; ++a)
    for (int b = 0; b < K; ++b) {
      INFO("<g_" << a << ", g_" << b << ">");
      CHECK(gram[a][b] == Approx(a == b ? 1.0 : 0.0).margin(1e-7));
    }
}

TEST_CASE("ACE SBessel radial base: zero value and slope at the cutoff, derivatives by differences", "[ace][ace_radial]") {
  const double rc = 4.6;
  const AceRadialBasis rb = sbessel_basis(8, rc);
  std::vector<double> slope;
  const std::vector<double> at_cut = values(rb, rc * (1 - 1e-9), &slope);
  for (std::size_t k = 0; k < at_cut.size(); ++k) {
    CHECK(std::abs(at_cut[k]) < 1e-7);
    CHECK(std::abs(slope[k]) < 1e-6);
  }
  for (double x : values(rb, rc)) CHECK(x == 0.0);
  // r = 0 and just above it: finite (sinc series), the same as at 1e-7 Å
  const std::vector<double> g0 = values(rb, 0.0), g1 = values(rb, 1e-7);
  for (std::size_t k = 0; k < g0.size(); ++k) {
    CHECK(std::isfinite(g0[k]));
    CHECK(g0[k] == Approx(g1[k]).epsilon(1e-10));
  }
  const double h = 1e-6;
  for (double r : {1e-5, 0.37, 1.9, 2.75, 4.1, 4.59}) {
    const std::vector<double> gp = values(rb, r + h), gm = values(rb, r - h);
    values(rb, r, &slope);
    for (std::size_t k = 0; k < slope.size(); ++k) {
      INFO("r = " << r << ", k = " << k);
      CHECK(slope[k] == Approx((gp[k] - gm[k]) / (2 * h)).margin(1e-6));
    }
  }
  CHECK(to_string(AceRadialKind::sbessel) == "SBessel");
}
