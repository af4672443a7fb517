// Amorphous and liquid structure analyses (include/pestle/validate/amorphous.hpp): SOAP crystallinity,
// shortest-path rings, S(Q) by two routes, ALTBC and MSD/diffusion, each on structures whose answer is
// known in closed form (docs/amorphous-draft.md).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <random>

#include <Eigen/Geometry>

#include "pestle/validate/amorphous.hpp"
#include "test_helpers.hpp"

using namespace pestle;
using namespace pestle::validate;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace amorphous_test {

constexpr double kPi = std::numbers::pi;

/// Rotation by three angles (radians) about z, y, x: a generic orientation.
inline Mat3 rotation(double a, double b, double c) {
  return (Eigen::AngleAxisd(a, Vec3::UnitZ()) * Eigen::AngleAxisd(b, Vec3::UnitY()) *
          Eigen::AngleAxisd(c, Vec3::UnitX())).toRotationMatrix();
}

/// The atoms of s reordered: atom k of the result is atom perm[k] of s.
inline Structure permuted(const Structure& s, const std::vector<std::size_t>& perm) {
  Structure out = s;
  for (std::size_t k = 0; k < perm.size(); ++k) {
    out.positions[k] = s.positions[perm[k]];
    out.numbers[k] = s.numbers[perm[k]];
  }
  return out;
}

inline std::vector<std::size_t> shuffled_indices(std::size_t n, unsigned seed) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), std::size_t(0));
  std::shuffle(p.begin(), p.end(), std::mt19937(seed));
  return p;
}

/// A molecule (no periodic axes) of carbon atoms at the given positions.
inline Structure molecule(const std::vector<Vec3>& r) {
  Structure s;
  for (const Vec3& x : r) s.add_atom(6, x);
  return s;
}

/// Regular n-gon of side `side` in the xy plane.
inline Structure polygon(int n, double side) {
  const double R = side / (2 * std::sin(kPi / n));
  std::vector<Vec3> r;
  for (int k = 0; k < n; ++k) r.emplace_back(R * std::cos(2 * kPi * k / n), R * std::sin(2 * kPi * k / n), 0.0);
  return molecule(r);
}

/// Graphene (C–C = d) in its two-atom hexagonal cell repeated n×n times, periodic in the plane only.
inline Structure graphene(double d, int n) {
  const double a = d * std::sqrt(3.0);
  const Vec3 a1(a, 0, 0), a2(a / 2, a * std::sqrt(3.0) / 2, 0);
  Structure s;
  s.cell.row(0) = n * a1;
  s.cell.row(1) = n * a2;
  s.cell.row(2) = Vec3(0, 0, 15.0);
  s.pbc = {true, true, false};
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const Vec3 o = i * a1 + j * a2;
      s.add_atom(6, o);
      s.add_atom(6, o + (a1 + a2) / 3.0);
    }
  return s;
}

/// Total number of rings of every size except n.
inline std::size_t rings_other_than(const RingStatistics& r, int n) {
  std::size_t k = 0;
  for (std::size_t m = 0; m < r.count.size(); ++m)
    if (int(m) != n) k += r.count[m];
  return k;
}

/// Uniform random atoms (an ideal gas) in a cubic periodic box.
inline Structure ideal_gas(int n, double box, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, box);
  Structure s;
  s.cell = Mat3::Identity() * box;
  s.pbc = {true, true, true};
  for (int i = 0; i < n; ++i) {
    const double x = u(rng), y = u(rng), z = u(rng);
    s.add_atom(14, Vec3(x, y, z));
  }
  return s;
}

/// Positions of s wrapped into its cell (as an MD code writes them).
inline Structure wrapped(Structure s) {
  for (Vec3& r : s.positions) {
    Vec3 f = s.fractional(r);
    for (int a = 0; a < 3; ++a) f[a] -= std::floor(f[a]);
    r = s.cartesian(f);
  }
  return s;
}

}  // namespace amorphous_test

TEST_CASE("Shortest-path rings of molecules with known rings", "[amorphous]") {
  using namespace amorphous_test;
  SECTION("a hexagon: one 6-ring through every atom") {
    const RingStatistics r = shortest_path_rings(polygon(6, 1.4), 1.6);
    CHECK(r.count[6] == 1);
    CHECK(rings_other_than(r, 6) == 0);
    for (const auto& a : r.per_atom) CHECK(a[6] == 1);
    REQUIRE(r.rings.size() == 1);
    CHECK(r.rings[0].size() == 6);
  }
  SECTION("a pentagon (cyclopentane skeleton): one 5-ring") {
    const RingStatistics r = shortest_path_rings(polygon(5, 1.5), 1.7);
    CHECK(r.count[5] == 1);
    CHECK(rings_other_than(r, 5) == 0);
  }
  SECTION("a chain and a 12-ring beyond max_size: no rings") {
    CHECK(rings_other_than(shortest_path_rings(polygon(12, 1.5), 1.7, 11), 0) == 0);
    CHECK(shortest_path_rings(polygon(12, 1.5), 1.7, 12).count[12] == 1);
    CHECK(rings_other_than(shortest_path_rings(molecule({Vec3(0, 0, 0), Vec3(1.5, 0, 0), Vec3(3, 0, 0)}), 1.7), 0) == 0);
  }
  SECTION("naphthalene skeleton: two 6-rings, the 10-atom perimeter is not a shortest-path ring") {
    // two hexagons of a graphene sheet sharing one bond
    const double d = 1.4, h = d * std::sqrt(3.0) / 2;
    const Structure s = molecule({Vec3(0, d / 2, 0), Vec3(0, -d / 2, 0), Vec3(h, d, 0), Vec3(h, -d, 0),
                                  Vec3(2 * h, d / 2, 0), Vec3(2 * h, -d / 2, 0), Vec3(-h, d, 0), Vec3(-h, -d, 0),
                                  Vec3(-2 * h, d / 2, 0), Vec3(-2 * h, -d / 2, 0)});
    const RingStatistics r = shortest_path_rings(s, 1.6);
    CHECK(r.count[6] == 2);
    CHECK(r.count[10] == 0);
    CHECK(rings_other_than(r, 6) == 0);
    CHECK(r.per_atom[0][6] == 2);  // the shared bond's atoms
    CHECK(r.per_atom[1][6] == 2);
    for (std::size_t i = 2; i < s.size(); ++i) CHECK(r.per_atom[i][6] == 1);
  }
  SECTION("a cube: six 4-rings (faces) and four 6-rings (Petrie hexagons), no 8-rings") {
    std::vector<Vec3> c;
    for (int k = 0; k < 8; ++k) c.emplace_back(1.5 * (k & 1), 1.5 * ((k >> 1) & 1), 1.5 * ((k >> 2) & 1));
    const RingStatistics r = shortest_path_rings(molecule(c), 1.7);
    CHECK(r.count[4] == 6);
    CHECK(r.count[6] == 4);
    CHECK(r.count[8] == 0);
    CHECK(rings_other_than(r, 4) == 4);
    for (const auto& a : r.per_atom) {
      CHECK(a[4] == 3);
      CHECK(a[6] == 3);
    }
  }
  CHECK_THROWS_AS(shortest_path_rings(polygon(6, 1.4), 1.6, 2), InputError);
}

TEST_CASE("Shortest-path rings of periodic crystals", "[amorphous]") {
  using namespace amorphous_test;
  SECTION("diamond Si: only 6-rings, 12 through every atom, 2 per atom in the cell") {
    for (int n : {1, 2}) {
      const Structure s = crystal("diamond", 5.43, n, 14);
      const RingStatistics r = shortest_path_rings(s, 2.8);
      CHECK(r.count[6] == 2 * s.size());
      CHECK(rings_other_than(r, 6) == 0);
      for (const auto& a : r.per_atom) CHECK(a[6] == 12);
      CHECK(r.mean_per_atom(6) == 12.0);
      CHECK(r.per_cell_atom(6) == 2.0);
    }
  }
  SECTION("graphene, triclinic in-plane cell (2 atoms up to 32): only 6-rings, 3 through every atom") {
    for (int n : {1, 4}) {
      const Structure s = graphene(1.42, n);
      const RingStatistics r = shortest_path_rings(s, 1.6);
      CHECK(r.count[6] == s.size() / 2);
      CHECK(rings_other_than(r, 6) == 0);
      for (const auto& a : r.per_atom) CHECK(a[6] == 3);
    }
  }
  SECTION("a 1-D periodic chain closes only through a lattice translation: no ring") {
    Structure s;
    s.cell = Mat3::Identity() * 10.0;
    s.cell(0, 0) = 4.5;
    s.pbc = {true, false, false};
    for (int k = 0; k < 3; ++k) s.add_atom(6, Vec3(1.5 * k, 0, 0));
    CHECK(rings_other_than(shortest_path_rings(s, 1.7), 0) == 0);
  }
}

TEST_CASE("Ring statistics do not depend on orientation or atom order", "[amorphous]") {
  using namespace amorphous_test;
  // a random network: 64 atoms at Si density, at least 2.1 Å apart, bonds up to 3.0 Å
  const double box = std::cbrt(64 / 0.05);
  const Structure s = test::random_structure(Mat3::Identity() * box, 64, {14}, 2.1, 11);
  const RingStatistics r = shortest_path_rings(s, 3.0);
  std::size_t total = 0;
  for (std::size_t n = 3; n <= 12; ++n) total += r.count[n];
  CHECK(total > 20);                                     // a network with rings to compare
  CHECK(std::count_if(r.count.begin(), r.count.end(), [](std::size_t c) { return c > 0; }) >= 4);  // of several sizes
  const auto perm = shuffled_indices(s.size(), 5);
  const Structure t = permuted(deformed(s, rotation(0.7, -1.1, 2.3)), perm);
  const RingStatistics rt = shortest_path_rings(t, 3.0);
  CHECK(rt.count == r.count);
  for (std::size_t k = 0; k < perm.size(); ++k) CHECK(rt.per_atom[k] == r.per_atom[perm[k]]);
  // the same periodic network in a 2×1×1 supercell: the same rings per atom
  Structure twice = s;
  twice.cell.row(0) *= 2.0;
  for (std::size_t i = 0; i < s.size(); ++i) twice.add_atom(14, s.positions[i] + Vec3(s.cell.row(0)));
  const RingStatistics r2 = shortest_path_rings(twice, 3.0);
  for (std::size_t n = 0; n < r.count.size(); ++n) CHECK(r2.count[n] == 2 * r.count[n]);
  for (std::size_t i = 0; i < s.size(); ++i) {
    CHECK(r2.per_atom[i] == r.per_atom[i]);
    CHECK(r2.per_atom[i + s.size()] == r.per_atom[i]);
  }
  // each atom's count is the number of listed rings it lies on, and the sizes add up
  std::size_t on_rings = 0, sizes = 0;
  for (const auto& a : r.per_atom) on_rings += std::accumulate(a.begin(), a.end(), std::size_t(0));
  for (const auto& ring : r.rings) sizes += ring.size();
  CHECK(on_rings == sizes);
}

TEST_CASE("Static structure factor: Bragg peaks of diamond", "[amorphous]") {
  using namespace amorphous_test;
  const double a = 5.43;
  const Structure s = crystal("diamond", a, 2, 14);
  const double N = double(s.size()), g = 2 * kPi / a;
  // diamond's basis: |F|² = 32 for (111), 0 for (200), 64 for (220) per 8-atom cell → S = N/2, 0, N
  CHECK_THAT(structure_factor_at(s, g * Vec3(1, 1, 1)), WithinRel(N / 2, 1e-12));
  CHECK_THAT(structure_factor_at(s, g * Vec3(-1, 1, 1)), WithinRel(N / 2, 1e-12));
  CHECK_THAT(structure_factor_at(s, g * Vec3(2, 0, 0)), WithinAbs(0.0, 1e-10));
  CHECK_THAT(structure_factor_at(s, g * Vec3(2, 2, 0)), WithinRel(N, 1e-12));
  CHECK_THAT(structure_factor_at(s, g * Vec3(1, 0, 0)), WithinAbs(0.0, 1e-10));  // fcc-forbidden

  const StructureFactor sq = structure_factor_direct({s}, 4.0, 80);  // bins of 0.05 Å⁻¹
  const double q111 = g * std::sqrt(3.0);                                // 2.0039 Å⁻¹
  const auto b111 = std::size_t(q111 / 0.05);
  CHECK_THAT(sq.s[b111], WithinRel(N / 2, 1e-10));  // only the 8 (111) vectors in this bin
  CHECK(sq.count[b111] == 4);                       // half of ±Q
  const auto peak = std::size_t(std::max_element(sq.s.begin(), sq.s.end()) - sq.s.begin());
  CHECK(peak == std::size_t(std::sqrt(8.0) * g / 0.05));  // (220) is the strongest below 4 Å⁻¹
  const auto first = std::size_t(std::find_if(sq.s.begin(), sq.s.end(), [](double v) { return v > 1e-6; }) - sq.s.begin());
  CHECK(first == b111);  // nothing below (111): the supercell's other vectors are extinct
  // the same under rotation and atom order
  const StructureFactor rq = structure_factor_direct({permuted(deformed(s, rotation(0.3, 0.4, 0.5)), shuffled_indices(s.size(), 2))}, 4.0, 80);
  for (std::size_t b = 0; b < sq.s.size(); ++b) CHECK_THAT(rq.s[b], WithinAbs(sq.s[b], 1e-8));
}

TEST_CASE("Static structure factor of disordered configurations: ideal gas and two routes", "[amorphous]") {
  using namespace amorphous_test;
  SECTION("ideal gas: S(Q) = 1") {
    std::vector<Structure> frames;
    for (unsigned f = 0; f < 4; ++f) frames.push_back(ideal_gas(400, 20.0, 100 + f));
    const StructureFactor sq = structure_factor_direct(frames, 10.0, 40);
    for (std::size_t b = 0; b < sq.q.size(); ++b)
      if (sq.q[b] > 3.0) {
        CHECK(sq.count[b] > 400);
        CHECK_THAT(sq.s[b], WithinAbs(1.0, 0.1));
      }
  }
  SECTION("random close-ish packing: S(Q) from g(r) and by the direct sum agree") {
    // 400 atoms at 0.05 Å⁻³, at least 2.2 Å apart (packing fraction 0.28): a structured S(Q)
    const double box = 20.0, rho = 400 / (box * box * box);
    std::vector<Structure> frames;
    for (unsigned f = 0; f < 4; ++f) frames.push_back(test::random_structure(Mat3::Identity() * box, 400, {14}, 2.2, 40 + f));
    const StructureFactor direct = structure_factor_direct(frames, 10.0, 40);  // bins of 0.25 Å⁻¹
    const Histogram g = radial_distribution(frames, 10.0, 400);
    const StructureFactor from_g = structure_factor_from_rdf(g, rho, direct.q);
    double worst = 0.0, low = 10.0, high = 0.0;
    for (std::size_t b = 0; b < direct.q.size(); ++b)
      if (direct.q[b] > 2.0) {
        worst = std::max(worst, std::abs(direct.s[b] - from_g.s[b]));
        low = std::min(low, direct.s[b]);
        high = std::max(high, direct.s[b]);
      }
    CHECK(worst < 0.08);
    CHECK(high > 1.15);  // a first peak, and a minimum below 1: not an ideal gas
    CHECK(low < 0.85);
    // the excluded volume suppresses long-wavelength density fluctuations
    CHECK(from_g.s[2] < 0.4);
    CHECK(direct.s[2] < 0.4);
  }
  SECTION("g(r) route on a step g(r): S(Q) = 1 − 4πρ (sin Qd − Qd cos Qd)/Q³, with and without the Lorch window") {
    const double d = 2.5, rho = 0.05;
    const auto step = [&](double r_end, int bins) {
      Histogram g;
      for (int b = 0; b < bins; ++b) {
        g.x.push_back((b + 0.5) * r_end / bins);
        g.y.push_back(g.x.back() < d ? 0.0 : 1.0);
      }
      return g;
    };
    const std::vector<double> q{0.5, 1.0, 2.0, 3.0, 5.0, 8.0};
    const StructureFactor plain = structure_factor_from_rdf(step(10.0, 4000), rho, q);
    const StructureFactor wide = structure_factor_from_rdf(step(200.0, 80000), rho, q, true);
    const StructureFactor narrow = structure_factor_from_rdf(step(5.0, 2000), rho, q, true);
    for (std::size_t k = 0; k < q.size(); ++k) {
      const double Q = q[k], exact = 1 - 4 * kPi * rho * (std::sin(Q * d) - Q * d * std::cos(Q * d)) / (Q * Q * Q);
      CHECK_THAT(plain.s[k], WithinAbs(exact, 2e-5));
      CHECK_THAT(wide.s[k], WithinAbs(exact, 1e-3));  // M(r) ≈ 1 − (πr/R)²/6 ≈ 1 − 3e-4 for r ≤ d ≪ R
    }
    CHECK(std::abs(narrow.s[0] - plain.s[0]) > 0.05);  // the window is applied: R = 2d damps the hole
  }
  CHECK_THROWS_AS(structure_factor_from_rdf(Histogram{{0.5}, {1.0}}, 0.05, {1.0}), InputError);
  CHECK_THROWS_AS(structure_factor_direct({}, 5.0), InputError);
}

TEST_CASE("ALTBC of crystals and a dimerised chain", "[amorphous]") {
  using namespace amorphous_test;
  const double a = 2.5;
  const int bins = 21;
  const double r_min = 1.0, r_cut = 3.0, dr = (r_cut - r_min) / bins;
  const auto bin = [&](double r) { return std::size_t((r - r_min) / dr); };
  SECTION("simple cubic: every collinear pair at (a, a), 6 ordered pairs per atom") {
    const Structure s = crystal("sc", a, 4, 14);
    const Histogram2D h = altbc({s}, r_cut, 25.0, bins, r_min);
    CHECK_THAT(h.at(bin(a), bin(a)), WithinRel(6.0 / (dr * dr), 1e-12));
    double total = 0.0;
    for (double v : h.values) total += v * dr * dr;
    CHECK_THAT(total, WithinRel(6.0, 1e-12));  // nothing elsewhere (the 90° pairs are excluded)
    Structure r = s;
    rattle(r, 0.03, 3);
    const Histogram2D hr = altbc({r}, r_cut, 25.0, bins, r_min);
    const auto peak = std::size_t(std::max_element(hr.values.begin(), hr.values.end()) - hr.values.begin());
    CHECK(peak / bins == bin(a));
    CHECK(peak % bins == bin(a));
  }
  SECTION("diamond: no bond angle near 180° in the first shell") {
    const Histogram2D h = altbc({crystal("diamond", 5.43, 2, 14)}, 2.8, 25.0, 20);
    CHECK(*std::max_element(h.values.begin(), h.values.end()) == 0.0);
  }
  SECTION("a Peierls-distorted chain: off-diagonal peaks at (short, long) and (long, short)") {
    Structure s;
    s.cell = Mat3::Identity() * 20.0;
    s.cell(0, 0) = 12.0;
    s.pbc = {true, false, false};
    for (int k = 0; k < 2; ++k) {
      s.add_atom(52, Vec3(6.0 * k, 0, 0));
      s.add_atom(52, Vec3(6.0 * k + 2.8, 0, 0));
    }
    const Histogram2D h = altbc({s}, 3.5, 25.0, 20, 1.0);  // bins of 0.125 Å: 2.8 in bin 14, 3.2 in bin 17
    const std::size_t b28 = 14, b32 = 17;
    CHECK_THAT(h.at(b28, b32), WithinRel(1.0 / (0.125 * 0.125), 1e-9));  // one pair per atom
    CHECK_THAT(h.at(b32, b28), WithinRel(1.0 / (0.125 * 0.125), 1e-9));
    CHECK(h.at(b28, b28) == 0.0);
    CHECK(h.at(b32, b32) == 0.0);
  }
}

TEST_CASE("MSD and diffusion: ballistic, diffusive and frozen trajectories", "[amorphous]") {
  using namespace amorphous_test;
  const double dt = 10.0;  // fs between frames
  SECTION("constant velocity across periodic boundaries (triclinic cell): MSD = v² t²") {
    Structure s0;
    s0.cell << 10.0, 0.0, 0.0, 3.0, 9.0, 0.0, 1.0, -2.0, 11.0;
    s0.pbc = {true, true, true};
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(-0.15, 0.15);  // Å/fs: ≤ 2.6 Å per frame
    std::vector<Vec3> v;
    for (int i = 0; i < 20; ++i) {
      s0.add_atom(14, s0.cartesian(Vec3(0.05 * i, 0.5, 0.3)));
      const double x = u(rng), y = u(rng), z = u(rng);
      v.emplace_back(x, y, z);
    }
    double v2 = 0.0;
    for (const Vec3& x : v) v2 += x.squaredNorm() / double(v.size());
    std::vector<Structure> frames;
    for (int k = 0; k < 60; ++k) {
      Structure s = s0;
      for (std::size_t i = 0; i < s.size(); ++i) s.positions[i] += v[i] * (k * dt);
      frames.push_back(wrapped(s));
    }
    const MeanSquareDisplacement m = mean_square_displacement(frames, {dt, 0, false});
    for (std::size_t k = 0; k < m.msd.size(); ++k) {
      CHECK_THAT(m.time[k], WithinAbs(k * dt, 1e-12));
      CHECK_THAT(m.msd[k], WithinAbs(v2 * m.time[k] * m.time[k], 1e-9 * (1 + m.msd[k])));
    }
    CHECK(m.msd.back() > 1000.0);  // travelled several cells
    const MeanSquareDisplacement every = mean_square_displacement(frames, {dt, 1, false});
    for (std::size_t k = 0; k < every.msd.size(); ++k) CHECK_THAT(every.msd[k], WithinAbs(m.msd[k], 1e-8 * (1 + m.msd[k])));
    // one common velocity is pure drift
    std::vector<Structure> drift;
    for (int k = 0; k < 20; ++k) {
      Structure s = s0;
      for (Vec3& r : s.positions) r += v[0] * (k * dt);
      drift.push_back(wrapped(s));
    }
    for (double x : mean_square_displacement(drift, {dt, 1, true}).msd) CHECK_THAT(x, WithinAbs(0.0, 1e-9));
    CHECK_THAT(mean_square_displacement(drift, {dt, 0, false}).msd.back(), WithinRel(v[0].squaredNorm() * 190 * 190, 1e-9));
  }
  SECTION("MSD = 6 D t by construction: the fit returns D") {
    const double D = 0.01;  // Å²/fs
    Structure s0 = ideal_gas(30, 12.0, 9);
    std::mt19937 rng(4);
    std::normal_distribution<double> n(0.0, 1.0);
    std::vector<Vec3> dir;
    for (std::size_t i = 0; i < s0.size(); ++i) {
      const double x = n(rng), y = n(rng), z = n(rng);
      dir.push_back(Vec3(x, y, z).normalized());
    }
    std::vector<Structure> frames;
    for (int k = 0; k < 100; ++k) {
      Structure s = s0;
      for (std::size_t i = 0; i < s.size(); ++i) s.positions[i] += std::sqrt(6 * D * k * dt) * dir[i];
      frames.push_back(wrapped(s));
    }
    const DiffusionFit f = diffusion_coefficient(mean_square_displacement(frames, {dt, 0, false}), 100.0, 900.0);
    CHECK_THAT(f.D, WithinRel(D, 1e-9));
    CHECK_THAT(f.intercept, WithinAbs(0.0, 1e-8));
    CHECK_THAT(f.r_squared, WithinAbs(1.0, 1e-12));
    CHECK(f.points == 81);
  }
  SECTION("a Gaussian random walk: D = σ²/(2Δt) within 5 %") {
    const double sigma = 0.1, step = 1.0;
    Structure s = ideal_gas(500, 8.0, 21);
    std::mt19937 rng(22);
    std::normal_distribution<double> n(0.0, sigma);
    std::vector<Structure> frames{s};
    for (int k = 1; k < 200; ++k) {
      for (Vec3& r : s.positions) {
        const double x = n(rng), y = n(rng), z = n(rng);
        r += Vec3(x, y, z);
      }
      frames.push_back(wrapped(s));
    }
    const DiffusionFit f = diffusion_coefficient(mean_square_displacement(frames, {step, 10, false}), 10.0, 100.0);
    CHECK_THAT(f.D, WithinRel(sigma * sigma / (2 * step), 0.05));
  }
  SECTION("a frozen trajectory: MSD 0 and D = 0") {
    const Structure s = crystal("diamond", 5.43, 1, 14);
    const std::vector<Structure> frames(20, s);
    const MeanSquareDisplacement m = mean_square_displacement(frames, {dt, 1, false});
    for (double x : m.msd) CHECK(x == 0.0);
    const DiffusionFit f = diffusion_coefficient(m, 0.0, 1e9);
    CHECK(f.D == 0.0);
  }
  SECTION("bad input") {
    const Structure s = crystal("diamond", 5.43, 1, 14);
    Structure t = s;
    t.cell *= 1.01;
    CHECK_THROWS_AS(mean_square_displacement({s, t}), InputError);
    CHECK_THROWS_AS(diffusion_coefficient(mean_square_displacement({s, s}), 5.0, 6.0), InputError);
  }
}

TEST_CASE("SOAP crystallinity against diamond", "[amorphous]") {
  using namespace amorphous_test;
  const Structure unit = crystal("diamond", 5.43, 1, 14);
  const std::vector<double> ref = mean_soap_vector(unit, crystallinity_soap_params());
  SECTION("diamond (any orientation and order) is crystalline: k = 1 for every atom") {
    const Structure s = permuted(deformed(crystal("diamond", 5.43, 2, 14), rotation(0.4, 1.0, -0.6)), shuffled_indices(64, 8));
    const CrystallinityResult c = soap_crystallinity(s, ref);
    for (double k : c.kernel) CHECK_THAT(k, WithinAbs(1.0, 1e-9));
    CHECK(c.fraction == 1.0);
    CHECK(soap_crystallinity(unit, unit).fraction == 1.0);
  }
  SECTION("a slightly rattled diamond stays crystalline; an ideal gas and fcc do not") {
    Structure r = crystal("diamond", 5.43, 2, 14);
    rattle(r, 0.05, 6);
    const CrystallinityResult cr = soap_crystallinity(r, ref);
    CHECK(cr.fraction == 1.0);
    CHECK(*std::max_element(cr.kernel.begin(), cr.kernel.end()) < 1.0 - 1e-4);
    const CrystallinityResult cg = soap_crystallinity(test::random_structure(unit.cell * 2.0, 64, {14}, 2.0, 3), ref);
    CHECK(cg.fraction < 0.05);
    CHECK(std::accumulate(cg.kernel.begin(), cg.kernel.end(), 0.0) / 64 < 0.4);
    const CrystallinityResult cf = soap_crystallinity(crystal("fcc", 3.84, 2, 14), ref);  // same density as diamond
    CHECK(cf.fraction == 0.0);
  }
  SECTION("per-atom values follow the atoms under rotation and permutation") {
    const Structure s = test::random_structure(unit.cell * 2.0, 64, {14}, 2.0, 4);
    const auto perm = shuffled_indices(s.size(), 12);
    const CrystallinityResult a = soap_crystallinity(s, ref), b = soap_crystallinity(permuted(deformed(s, rotation(2.0, 0.3, 1.0)), perm), ref);
    for (std::size_t k = 0; k < perm.size(); ++k) CHECK_THAT(b.kernel[k], WithinAbs(a.kernel[perm[k]], 1e-10));
    CHECK(a.kernel[0] != a.kernel[1]);  // per-atom values, not one number
  }
  CHECK_THAT(soap_kernel(std::vector<double>{1, 0}, std::vector<double>{1, 1}, 2.0), WithinRel(0.5, 1e-14));
  CHECK_THROWS_AS(soap_crystallinity(unit, std::vector<double>(3, 1.0)), InputError);
}
