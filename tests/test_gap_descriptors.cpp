// distance_2b / distance_Nb cluster enumeration and derivatives, and a GAP-RSS-style potential
// (distance_Nb order 2 + order 3 + SOAP, libAtoms/testing-framework's B model layout) built from
// tests/data/gap/gap_rss_like.xml.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <tuple>

#include "pestle/descriptors/distance_nb.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/models/gap.hpp"
#include "test_helpers.hpp"

using pestle::test::testdata;

namespace {

/// A rattled boron-like cell (periodic or not).
pestle::Structure boron(std::size_t n, double side, bool periodic, unsigned seed) {
  pestle::Structure s;
  s.cell = side * pestle::Mat3::Identity();
  s.cell(1, 0) = 0.3;  // a little triclinic
  s.pbc = {periodic, periodic, periodic};
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  while (s.size() < n) {
    const pestle::Vec3 r = s.cartesian(pestle::Vec3(u(rng), u(rng), u(rng)));
    bool ok = true;
    for (const auto& p : s.positions) ok = ok && (p - r).norm() > 1.3;
    if (ok) s.add_atom(5, r);
  }
  return s;
}

pestle::Structure supercell_x2(const pestle::Structure& s) {
  pestle::Structure t = s;
  for (std::size_t i = 0; i < s.size(); ++i) t.add_atom(s.numbers[i], s.positions[i] + pestle::Vec3(s.cell.row(0)));
  t.cell.row(0) *= 2.0;
  return t;
}

template <class D>
std::vector<pestle::ClusterInstance> instances(const D& d, const pestle::Structure& s) {
  const auto nl = pestle::build_neighbour_list(s, d.neighbour_options());
  std::vector<pestle::ClusterInstance> out;
  for (std::size_t i = 0; i < s.size(); ++i) d.for_each(s, nl, i, [&](const pestle::ClusterInstance& c) { out.push_back(c); });
  return out;
}

double fcut(double r, double rc, double w) { return pestle::CoordinationCutoff{rc, w}.value(r); }

}  // namespace

TEST_CASE("distance_Nb clusters of an open structure match a brute-force enumeration", "[gap][distance_nb]") {
  const pestle::Structure s = boron(9, 5.0, false, 3);
  const double rc = 2.6, w = 0.5;
  auto dist = [&](std::size_t a, std::size_t b) { return (s.positions[a] - s.positions[b]).norm(); };
  SECTION("order 3, compact: centre + any two neighbours, f_c = f(r_ij) f(r_ik)") {
    pestle::io::QuipDistanceNb p{3, rc, w, true, {0, 0, 0}};
    const auto got = instances(pestle::DistanceNb(p), s);
    double want_sum = 0, got_sum = 0;
    std::size_t want = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t j = 0; j < s.size(); ++j)
        for (std::size_t k = j + 1; k < s.size(); ++k)
          if (j != i && k != i && dist(i, j) < rc && dist(i, k) < rc) {
            ++want;
            want_sum += fcut(dist(i, j), rc, w) * fcut(dist(i, k), rc, w);
          }
    for (const auto& c : got) got_sum += c.fc;
    CHECK(got.size() == want);
    CHECK(got_sum == Approx(want_sum).epsilon(1e-13));
    REQUIRE(want > 5);
  }
  SECTION("order 3, not compact: connected triplets, f_c summed over connected graphs") {
    pestle::io::QuipDistanceNb p{3, rc, w, false, {0, 0, 0}};
    const auto got = instances(pestle::DistanceNb(p), s);
    double want_sum = 0, got_sum = 0;
    std::size_t want = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t j = i + 1; j < s.size(); ++j)
        for (std::size_t k = j + 1; k < s.size(); ++k) {
          const double a = dist(i, j), b = dist(i, k), c = dist(j, k);
          const int edges = (a < rc) + (b < rc) + (c < rc);
          if (edges < 2) continue;
          ++want;
          const double fa = fcut(a, rc, w), fb = fcut(b, rc, w), fc = fcut(c, rc, w);
          want_sum += fa * fb * (1 - fc) + fa * (1 - fb) * fc + (1 - fa) * fb * fc + fa * fb * fc;
        }
    for (const auto& c : got) got_sum += c.fc;
    CHECK(got.size() == want);
    CHECK(got_sum == Approx(want_sum).epsilon(1e-13));
  }
  SECTION("order 2: compact = distance_2b (both directions), not compact = each pair once") {
    const auto two_b = instances(pestle::Distance2b(pestle::io::QuipDistance2b{rc, w, 0, 0, {1.0}}), s);
    const auto compact = instances(pestle::DistanceNb(pestle::io::QuipDistanceNb{2, rc, w, true, {0, 0}}), s);
    const auto loose = instances(pestle::DistanceNb(pestle::io::QuipDistanceNb{2, rc, w, false, {0, 0}}), s);
    REQUIRE(two_b.size() == compact.size());
    CHECK(loose.size() * 2 == compact.size());
    for (std::size_t k = 0; k < two_b.size(); ++k) {
      CHECK(two_b[k].atom[1] == compact[k].atom[1]);
      CHECK(two_b[k].x[0] == compact[k].x[0]);
      CHECK(two_b[k].fc == compact[k].fc);
    }
  }
  SECTION("species filters") {
    pestle::Structure mixed = s;
    for (std::size_t i = 0; i < mixed.size(); i += 3) mixed.numbers[i] = 6;
    std::size_t bbc = 0;
    for (const auto& c : instances(pestle::DistanceNb(pestle::io::QuipDistanceNb{3, rc, w, true, {5, 5, 6}}), mixed)) {
      std::vector<int> z;
      for (int k = 0; k < 3; ++k) z.push_back(mixed.numbers[std::size_t(c.atom[std::size_t(k)])]);
      // atoms 2 and 3 ordered by species: a carbon, if not the centre, comes last
      if (z[0] != 6) CHECK(z[2] == 6);
      std::sort(z.begin(), z.end());
      CHECK(z == std::vector<int>{5, 5, 6});
      ++bbc;
    }
    CHECK(bbc > 0);
    for (const auto& c : instances(pestle::Distance2b(pestle::io::QuipDistance2b{rc, w, 5, 6, {1.0}}), mixed)) {
      const int a = mixed.numbers[std::size_t(c.atom[0])], b = mixed.numbers[std::size_t(c.atom[1])];
      CHECK(((a == 5 && b == 6) || (a == 6 && b == 5)));
    }
  }
}

TEST_CASE("A GAP-RSS-style XML (distance_Nb 2 + 3 + soap) reads and evaluates consistently", "[gap][gap-rss]") {
  const pestle::GapModel m = pestle::io::read_gap_xml(testdata("data/gap/gap_rss_like.xml"));
  REQUIRE(m.terms.size() == 3);
  CHECK(m.gap_version == 1527620619);
  const auto& two = std::get<pestle::io::QuipDistanceNb>(m.terms[0].descriptor);
  const auto& three = std::get<pestle::io::QuipDistanceNb>(m.terms[1].descriptor);
  CHECK(two.order == 2);
  CHECK(three.order == 3);
  CHECK_FALSE(three.compact_clusters);  // old file: QUIP's default was F then
  CHECK(m.terms[1].permutations.size() == 6);
  CHECK(std::get<pestle::io::QuipSoap>(m.terms[2].descriptor).dimensions() == 10);
  CHECK(m.e0_of(5) == -0.1);
  const pestle::GapPotential gap(m);

  SECTION("energy per cell is extensive (each periodic cluster counted once)") {
    const pestle::Structure s = boron(6, 4.2, true, 11);
    const double e1 = gap.energy(s), e2 = gap.energy(supercell_x2(s));
    CHECK(e2 == Approx(2 * e1).epsilon(1e-12));
  }
  SECTION("forces and virial are derivatives of the energy") {
    const pestle::Structure s = boron(6, 4.2, true, 5);
    const auto r = gap.compute(s);
    const double h = 1e-5;
    for (std::size_t i : {0u, 3u})
      for (int c = 0; c < 3; ++c) {
        pestle::Structure p = s, q = s;
        p.positions[i][c] += h;
        q.positions[i][c] -= h;
        CHECK(-(gap.energy(p) - gap.energy(q)) / (2 * h) == Approx(r.forces[i][c]).margin(1e-6));
      }
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) {
        auto strained = [&](double e) {
          pestle::Mat3 f = pestle::Mat3::Identity();
          f(a, b) += e;
          pestle::Structure t = s;
          t.cell = s.cell * f.transpose();
          for (auto& x : t.positions) x = f * x;
          return t;
        };
        CHECK(-(gap.energy(strained(h)) - gap.energy(strained(-h))) / (2 * h) == Approx(r.virial(a, b)).margin(1e-5));
      }
    pestle::Vec3 total = pestle::Vec3::Zero();
    for (const auto& f : r.forces) total += f;
    CHECK(total.norm() < 1e-10);
  }
  SECTION("an open cluster") {
    const pestle::Structure s = boron(7, 5.0, false, 9);
    const auto r = gap.compute(s);
    CHECK_FALSE(r.stress);
    double sum = 0;
    for (double e : r.atom_energies) sum += e;
    CHECK(sum == Approx(r.energy).epsilon(1e-14));
  }
}
