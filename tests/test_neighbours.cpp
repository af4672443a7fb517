// Neighbour lists: known coordination numbers, lattice-point counts, edge cases and bad input.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "test_neighbours_support.hpp"

using namespace pestle;
using pestle::test::cell_from_parameters;

namespace {

Structure lattice(const Mat3& cell, const std::vector<Vec3>& fractional, std::array<bool, 3> pbc = {true, true, true}) {
  Structure s;
  s.cell = cell;
  s.pbc = pbc;
  for (const auto& f : fractional) s.add_atom(14, s.cartesian(f));
  return s;
}

NeighbourOptions with_cutoff(double rc, bool half = false) {
  NeighbourOptions o;
  o.cutoff = rc;
  o.half = half;
  return o;
}

/// Neighbour count of every atom, requiring they are all equal.
std::size_t uniform_count(const NeighbourList& nl) {
  REQUIRE(nl.atoms() > 0);
  for (std::size_t i = 1; i < nl.atoms(); ++i) REQUIRE(nl.count(i) == nl.count(0));
  return nl.count(0);
}

/// Lattice points g ≠ 0 with |g·cell| < rc, counted over a generous box independently of
/// the searches (the box is fixed by the shortest vector and the Gram matrix eigenvalues).
std::size_t lattice_points_in_sphere(const Mat3& cell, double rc) {
  const double lmin = std::sqrt(Eigen::SelfAdjointEigenSolver<Mat3>(cell * cell.transpose()).eigenvalues()[0]);
  const int m = static_cast<int>(std::ceil(rc / lmin)) + 1;
  std::size_t count = 0;
  for (int a = -m; a <= m; ++a)
    for (int b = -m; b <= m; ++b)
      for (int c = -m; c <= m; ++c) {
        if (a == 0 && b == 0 && c == 0) continue;
        if ((a * Vec3(cell.row(0)) + b * Vec3(cell.row(1)) + c * Vec3(cell.row(2))).norm() < rc) ++count;
      }
  return count;
}

const std::vector<Vec3> fcc_basis{{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
const std::vector<Vec3> bcc_basis{{0, 0, 0}, {0.5, 0.5, 0.5}};

}  // namespace

TEST_CASE("simple cubic lattice: 6 neighbours within 1.01 a, 18 within 1.42 a", "[neighbours]") {
  for (const auto& s : {lattice(Mat3::Identity(), {{0, 0, 0}}),
                        lattice(2.0 * Mat3::Identity(), {{0, 0, 0}, {0.5, 0, 0}, {0, 0.5, 0}, {0.5, 0.5, 0},
                                                         {0, 0, 0.5}, {0.5, 0, 0.5}, {0, 0.5, 0.5}, {0.5, 0.5, 0.5}})}) {
    CHECK(uniform_count(build_neighbour_list(s, with_cutoff(1.01))) == 6);
    CHECK(uniform_count(build_neighbour_list(s, with_cutoff(1.42))) == 18);
    CHECK(uniform_count(build_neighbour_list(s, with_cutoff(1.74))) == 26);
    const auto half = build_neighbour_list(s, with_cutoff(1.42, true));
    CHECK(half.pairs() == 9 * s.size());
  }
}

TEST_CASE("fcc and bcc coordination shells, conventional and primitive cells", "[neighbours]") {
  const double a = 3.6;
  const Mat3 cubic = a * Mat3::Identity();
  Mat3 fcc_primitive;
  fcc_primitive << 0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0;
  Mat3 bcc_primitive;
  bcc_primitive << -a / 2, a / 2, a / 2, a / 2, -a / 2, a / 2, a / 2, a / 2, -a / 2;
  // fcc shells at a/√2, a, a√(3/2), a√2: 12, 6, 24, 12
  for (const auto& s : {lattice(cubic, fcc_basis), lattice(fcc_primitive, {{0, 0, 0}})}) {
    CHECK(uniform_count(build_neighbour_list(s, with_cutoff(0.80 * a))) == 12);
    CHECK(uniform_count(build_neighbour_list(s, with_cutoff(1.10 * a))) == 18);
    CHECK(uniform_count(build_neighbour_list(s, with_cutoff(1.30 * a))) == 42);
    CHECK(uniform_count(build_neighbour_list(s, with_cutoff(1.45 * a))) == 54);
  }
  // bcc shells at a√3/2, a, a√2, a√11/2: 8, 6, 12, 24
  for (const auto& s : {lattice(cubic, bcc_basis), lattice(bcc_primitive, {{0, 0, 0}})}) {
    CHECK(uniform_count(build_neighbour_list(s, with_cutoff(0.90 * a))) == 8);
    CHECK(uniform_count(build_neighbour_list(s, with_cutoff(1.10 * a))) == 14);
    CHECK(uniform_count(build_neighbour_list(s, with_cutoff(1.50 * a))) == 26);
    CHECK(uniform_count(build_neighbour_list(s, with_cutoff(1.70 * a))) == 50);
  }
}

TEST_CASE("one atom in a small cell with a large cutoff sees every lattice point in the sphere", "[neighbours]") {
  const std::vector<Mat3> cells{2.7 * Mat3::Identity(), cell_from_parameters(2.5, 3.0, 2.2, 70, 110, 95),
                                cell_from_parameters(3.0, 3.0, 3.0, 20, 20, 20),
                                cell_from_parameters(2.0, 6.0, 2.5, 21, 100, 90)};
  for (const auto& cell : cells) {
    const auto s = lattice(cell, {{0.3, 0.2, 0.9}});
    const auto nl = build_neighbour_list(s, with_cutoff(10.0));
    const std::size_t expected = lattice_points_in_sphere(cell, 10.0);
    CHECK(nl.pairs() == expected);
    for (std::size_t k = 0; k < nl.pairs(); ++k) REQUIRE(nl.index[k] == 0);
    CHECK(build_neighbour_list(s, with_cutoff(10.0, true)).pairs() * 2 == expected);
  }
  CHECK(lattice_points_in_sphere(Mat3::Identity(), 1.42) == 18);  // the counter itself
}

TEST_CASE("diamond silicon has four nearest neighbours at a√3/4", "[neighbours]") {
  const double a = 5.431;
  std::vector<Vec3> basis;
  for (const auto& f : fcc_basis) {
    basis.push_back(f);
    basis.push_back(f + Vec3(0.25, 0.25, 0.25));
  }
  const auto s = lattice(a * Mat3::Identity(), basis);
  const auto nl = build_neighbour_list(s, with_cutoff(2.6));
  CHECK(uniform_count(nl) == 4);
  for (double d : nl.distance) CHECK(d == Approx(a * std::sqrt(3.0) / 4));
  CHECK(uniform_count(build_neighbour_list(s, with_cutoff(4.0))) == 16);  // + 12 at a/√2
}

TEST_CASE("empty structures, single atoms and open boundaries", "[neighbours]") {
  Structure empty;
  const auto e = build_neighbour_list(empty, with_cutoff(3.0));
  CHECK(e.atoms() == 0);
  CHECK(e.pairs() == 0);
  CHECK(e.offsets == std::vector<std::size_t>{0});
  empty.pbc = {true, true, true};
  empty.cell = 3.0 * Mat3::Identity();
  CHECK(build_neighbour_list(empty, with_cutoff(3.0)).atoms() == 0);

  Structure one;
  one.add_atom(1, Vec3(100, -50, 3));
  const auto o = build_neighbour_list(one, with_cutoff(3.0));
  CHECK(o.atoms() == 1);
  CHECK(o.pairs() == 0);
}

TEST_CASE("open structures on a line or in a plane (degenerate bounding box)", "[neighbours]") {
  NeighbourOptions opt = with_cutoff(1.5);
  Structure line;  // a chain with spacing 1 along a tilted direction: 2 neighbours inside, 1 at the ends
  const Vec3 dir = Vec3(1, 2, -0.5).normalized();
  for (int k = 0; k < 50; ++k) line.add_atom(6, Vec3(10, 10, 10) + k * dir);
  const auto nl = build_neighbour_list(line, opt);
  CHECK(nl.count(0) == 1);
  CHECK(nl.count(49) == 1);
  for (std::size_t i = 1; i < 49; ++i) CHECK(nl.count(i) == 2);
  test::require_same_lists(nl, build_neighbour_list_brute_force(line, opt));

  Structure plane;  // a square net in the plane z = 7, cutoff 1.5: 8 neighbours for inner atoms
  for (int x = 0; x < 20; ++x)
    for (int y = 0; y < 20; ++y) plane.add_atom(6, Vec3(x, y, 7));
  const auto p = build_neighbour_list(plane, opt);
  CHECK(p.count(21) == 8);
  CHECK(p.count(0) == 3);
  test::require_same_lists(p, build_neighbour_list_brute_force(plane, opt));

  // a periodic chain along x (open y, z with zero vectors), atoms far away in y, z
  Structure chain;
  chain.pbc = {true, false, false};
  chain.cell(0, 0) = 2.0;
  chain.add_atom(6, Vec3(0.3, 1e3, -2e3));
  const auto c = build_neighbour_list(chain, with_cutoff(5.0));
  CHECK(c.pairs() == 4);  // images ±1, ±2
  test::require_same_lists(c, build_neighbour_list_brute_force(chain, with_cutoff(5.0)));
}

TEST_CASE("atoms outside the cell along periodic axes are treated as their wrapped selves", "[neighbours]") {
  const double a = 3.0;
  const auto inside = lattice(a * Mat3::Identity(), {{0.1, 0.2, 0.3}, {0.6, 0.5, 0.4}});
  Structure outside = inside;
  outside.positions[0] += Vec3(7 * a, -3 * a, 120 * a);
  outside.positions[1] += Vec3(-1000 * a, 0, 2 * a);
  const auto opt = with_cutoff(4.0);
  const auto ni = build_neighbour_list(inside, opt), no = build_neighbour_list(outside, opt);
  test::require_same_multisets(test::distance_multisets(ni), test::distance_multisets(no));
  test::require_same_lists(no, build_neighbour_list_brute_force(outside, opt), 1e-9);
  for (std::size_t i = 0; i < no.atoms(); ++i)
    for (std::size_t k = no.begin(i); k < no.end(i); ++k) {
      const Vec3 d = pestle::detail::pair_displacement(outside, i, std::size_t(no.index[k]), no.image[k]);
      REQUIRE((d - no.displacement[k]).norm() < 1e-9);
    }
}

TEST_CASE("per species-pair cutoffs", "[neighbours]") {
  // rock salt, a = 4: Na–Cl at 2, like pairs at 2√2; Na–Cl cutoff 2.5, others 3.0
  const auto base = lattice(4.0 * Mat3::Identity(), {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5},
                                                     {0.5, 0, 0}, {0, 0.5, 0}, {0, 0, 0.5}, {0.5, 0.5, 0.5}});
  Structure s = base;
  for (std::size_t i = 0; i < 8; ++i) s.numbers[i] = i < 4 ? 11 : 17;
  NeighbourOptions opt = with_cutoff(3.0);
  CHECK(uniform_count(build_neighbour_list(s, opt)) == 18);
  opt.pair_cutoffs = {{17, 11, 2.5}};
  CHECK(uniform_count(build_neighbour_list(s, opt)) == 18);
  opt.pair_cutoffs = {{11, 11, 2.5}, {17, 17, 2.5}};
  CHECK(uniform_count(build_neighbour_list(s, opt)) == 6);  // only unlike nearest neighbours
  opt.pair_cutoffs = {{11, 17, 1.5}};
  CHECK(uniform_count(build_neighbour_list(s, opt)) == 12);  // only like neighbours
  test::require_same_lists(build_neighbour_list(s, opt), build_neighbour_list_brute_force(s, opt));
}

TEST_CASE("bad input raises InputError", "[neighbours]") {
  const auto s = lattice(3.0 * Mat3::Identity(), {{0, 0, 0}, {0.5, 0.5, 0.5}});
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (double rc : {0.0, -1.0, nan, inf}) {
    CHECK_THROWS_AS(build_neighbour_list(s, with_cutoff(rc)), InputError);
    CHECK_THROWS_AS(build_neighbour_list_brute_force(s, with_cutoff(rc)), InputError);
  }
  NeighbourOptions bad_pair = with_cutoff(3.0);
  bad_pair.pair_cutoffs = {{14, 14, 4.0}};
  CHECK_THROWS_AS(build_neighbour_list(s, bad_pair), InputError);

  for (bool half : {false, true}) {
    Structure overlap = s;  // two atoms on the same spot, one of them a whole cell away
    overlap.add_atom(14, Vec3(3.0, 0.0, 3.0 + 1e-9));
    CHECK_THROWS_AS(build_neighbour_list(overlap, with_cutoff(2.0, half)), InputError);
    CHECK_THROWS_AS(build_neighbour_list_brute_force(overlap, with_cutoff(2.0, half)), InputError);
    Structure open = overlap;
    open.pbc = {false, false, false};
    open.positions.back() = Vec3(1.5, 1.5, 1.5 + 1e-8);
    CHECK_THROWS_AS(build_neighbour_list(open, with_cutoff(2.0, half)), InputError);
    open.positions.back() = Vec3(1.5, 1.5, 1.5 + 1e-3);  // close, but no overlap
    CHECK(build_neighbour_list(open, with_cutoff(2.0, half)).pairs() > 0);
  }

  Structure zero = s;  // periodic axis without a lattice vector
  zero.cell.row(1).setZero();
  CHECK_THROWS_AS(build_neighbour_list(zero, with_cutoff(2.0)), InputError);
  CHECK_THROWS_AS(build_neighbour_list_brute_force(zero, with_cutoff(2.0)), InputError);

  Structure parallel = s;  // two periodic vectors along the same line
  parallel.pbc = {true, true, false};
  parallel.cell.row(1) = 2.0 * parallel.cell.row(0);
  CHECK_THROWS_AS(build_neighbour_list(parallel, with_cutoff(2.0)), InputError);
  CHECK_THROWS_AS(build_neighbour_list_brute_force(parallel, with_cutoff(2.0)), InputError);

  Structure tiny = s;  // periodic images of each atom on top of each other
  tiny.cell.row(2) = Vec3(0, 0, 1e-8);
  tiny.pbc = {true, true, true};
  tiny.cell.row(0) *= 1e4;
  tiny.cell.row(1) *= 1e4;
  CHECK_THROWS_AS(build_neighbour_list(tiny, with_cutoff(2.0)), InputError);

  Structure far = s;  // absurdly far outside the cell
  far.positions[0].x() = 1e12;
  CHECK_THROWS_AS(build_neighbour_list(far, with_cutoff(2.0)), InputError);
}

TEST_CASE("open-axis cell vectors are ignored, whatever they are", "[neighbours]") {
  Structure s = lattice(cell_from_parameters(3.0, 3.5, 4.0, 80, 100, 70), {{0.1, 0.1, 0.1}, {0.5, 0.4, 0.3}});
  s.add_atom(8, Vec3(0.2, 3.0, -6.0));
  const auto opt = with_cutoff(6.0);
  for (std::array<bool, 3> pbc : {std::array<bool, 3>{true, true, false}, std::array<bool, 3>{true, false, true},
                                  std::array<bool, 3>{false, true, false}, std::array<bool, 3>{false, false, false}}) {
    Structure a = s, b = s, c = s;
    a.pbc = b.pbc = c.pbc = pbc;
    for (int ax = 0; ax < 3; ++ax)
      if (!pbc[ax]) {
        b.cell.row(ax).setZero();
        c.cell.row(ax) = c.cell.row((ax + 1) % 3);  // parallel to another vector: singular cell
      }
    const auto la = build_neighbour_list(a, opt);
    test::require_same_lists(la, build_neighbour_list(b, opt));
    test::require_same_lists(la, build_neighbour_list(c, opt));
    test::require_same_lists(la, build_neighbour_list_brute_force(c, opt));
  }
}
