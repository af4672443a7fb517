// Neighbour lists: the cell-list search against the brute-force reference on random cells
// (skewed, mixed periodicity, cutoffs from a fraction to several times the cell), symmetry
// and half/full consistency, invariance under lattice translations, thread independence,
// and the triclinic Si cells of the Zuo et al. data set.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include <tbb/global_control.h>

#include "test_helpers.hpp"
#include "test_neighbours_support.hpp"

using namespace pestle;

namespace {

struct RandomCase {
  Structure s;
  NeighbourOptions opt;
};

/// Smallest lattice-plane spacing over the periodic axes (open axes do not limit it).
double periodic_spacing(const Structure& s) {
  const Mat3 basis = pestle::detail::search_basis(s.cell, s.pbc);
  double h = 1e300;
  for (int a = 0; a < 3; ++a)
    if (s.pbc[a]) h = std::min(h, pestle::detail::lattice_plane_spacing(basis, a));
  return h;
}

RandomCase random_case(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<int> atoms(1, 40), pick(0, 2);
  const int species[3] = {1, 6, 14};
  RandomCase c;
  Structure& s = c.s;
  const Mat3 cell = test::random_cell(rng);
  s.cell = cell;
  for (int a = 0; a < 3; ++a) s.pbc[a] = u(rng) < 0.6;
  // fractional spread of the atoms; zero along an open axis puts them in a plane or on a line
  std::array<double, 3> spread{};
  for (int a = 0; a < 3; ++a) spread[a] = s.pbc[a] ? 4.0 : (u(rng) < 0.2 ? 0.0 : 0.5 + 2.5 * u(rng));
  if (spread[0] + spread[1] + spread[2] == 0.0) spread[0] = 1.0;
  const int n = atoms(rng);
  for (int i = 0; i < n; ++i) {
    Vec3 f;
    for (int a = 0; a < 3; ++a) f[a] = s.pbc[a] ? -1.5 + spread[a] * u(rng) : spread[a] * u(rng);
    Vec3 r = cell.transpose() * f;
    if (u(rng) < 0.05)  // now and then an atom far outside, along any direction
      r += 200.0 * Vec3(u(rng) - 0.5, u(rng) - 0.5, u(rng) - 0.5);
    s.add_atom(species[pick(rng)], r);
  }
  for (int a = 0; a < 3; ++a) {  // the vector of an open axis is zero, arbitrary or parallel to another
    if (s.pbc[a]) continue;
    const double x = u(rng);
    if (x < 0.3) s.cell.row(a).setZero();
    else if (x < 0.5) s.cell.row(a) = s.cell.row((a + 1) % 3);
    else if (x < 0.7) s.cell.row(a) = 10.0 * Vec3(u(rng), u(rng), u(rng));
  }

  // cutoff from a tenth of the thinnest cell dimension to four times it
  const bool periodic = s.any_periodic();
  const double h = periodic ? periodic_spacing(s) : 3.0;
  double rc = h * std::exp(std::log(0.1) + u(rng) * std::log(40.0));
  if (u(rng) < 0.2) rc = h * (1.0 + 1e-3 * u(rng));  // near the size of the cell
  // keep the brute force affordable: about n² · (2·rc/h + 1)^periodic axes
  double images = 1.0;
  for (int a = 0; a < 3; ++a)
    if (s.pbc[a]) images *= 2.0 * std::ceil(rc / pestle::detail::lattice_plane_spacing(pestle::detail::search_basis(s.cell, s.pbc), a)) + 1.0;
  while (s.size() > 1 && double(s.size() * s.size()) * images > 1.5e6) {
    s.positions.pop_back();
    s.numbers.pop_back();
  }
  c.opt.cutoff = rc;
  c.opt.half = false;
  if (u(rng) < 0.5)
    for (int a = 0; a < 3; ++a)
      for (int b = a; b < 3; ++b)
        if (u(rng) < 0.6) c.opt.pair_cutoffs.emplace_back(species[a], species[b], rc * (0.2 + 0.8 * u(rng)));
  return c;
}

/// Brings every atom to another lattice image (periodic axes only) and moves all atoms
/// by one common vector.
Structure translated(const Structure& s, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> m(-3, 3);
  std::uniform_real_distribution<double> u(-5.0, 5.0);
  Structure t = s;
  const Vec3 common(u(rng), u(rng), u(rng));
  for (auto& r : t.positions) {
    for (int a = 0; a < 3; ++a)
      if (s.pbc[a]) r += m(rng) * Vec3(s.cell.row(a));
    r += common;
  }
  return t;
}

/// Positions wrapped into the cell along periodic axes.
Structure wrapped(const Structure& s) {
  Structure w = s;
  const Mat3 basis = pestle::detail::search_basis(s.cell, s.pbc);
  const Mat3 inv_t = basis.transpose().inverse();
  for (auto& r : w.positions) {
    const Vec3 f = inv_t * r;
    for (int a = 0; a < 3; ++a)
      if (s.pbc[a]) r -= std::floor(f[a]) * Vec3(basis.row(a));
  }
  return w;
}

}  // namespace

TEST_CASE("cell-list search equals the brute force on 400 random cells", "[neighbours][random]") {
  std::mt19937_64 rng(20240611);
  std::size_t total_pairs = 0, many_images = 0, skewed = 0, mixed = 0;
  for (int trial = 0; trial < 400; ++trial) {
    INFO("trial " << trial);
    auto [s, opt] = random_case(rng);
    opt.half = false;
    const auto full = build_neighbour_list(s, opt);
    test::require_same_lists(full, build_neighbour_list_brute_force(s, opt));
    test::require_symmetric_full_list(full, s, opt);
    opt.half = true;
    const auto half = build_neighbour_list(s, opt);
    test::require_same_lists(half, build_neighbour_list_brute_force(s, opt));
    test::require_half_of_full(half, full);
    if (trial % 4 == 0) {
      opt.half = false;
      const auto ref = test::distance_multisets(full);
      test::require_same_multisets(ref, test::distance_multisets(build_neighbour_list(translated(s, rng), opt)));
      test::require_same_multisets(ref, test::distance_multisets(build_neighbour_list(wrapped(s), opt)));
    }
    total_pairs += full.pairs();
    if (s.any_periodic() && opt.cutoff > 2.0 * periodic_spacing(s)) ++many_images;
    if (s.any_periodic() && !(s.pbc[0] && s.pbc[1] && s.pbc[2])) ++mixed;
    if (s.pbc[0] && s.pbc[1] && s.pbc[2] && s.volume() < 0.3 * s.cell.row(0).norm() * s.cell.row(1).norm() * s.cell.row(2).norm())
      ++skewed;
  }
  // the generator covers what it is meant to
  CHECK(total_pairs > 200000);
  CHECK(many_images > 40);
  CHECK(mixed > 200);
  CHECK(skewed > 10);
}

TEST_CASE("the list does not depend on the number of threads", "[neighbours][threads]") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Structure s;
  s.cell = test::cell_from_parameters(38.0, 40.0, 36.0, 60, 75, 55);
  s.pbc = {true, false, true};
  for (int i = 0; i < 3000; ++i) s.add_atom(i % 3 == 0 ? 8 : 14, s.cartesian(Vec3(u(rng), 1.2 * u(rng), u(rng))));
  NeighbourOptions opt;
  opt.cutoff = 4.0;
  opt.pair_cutoffs = {{8, 8, 3.0}};
  for (bool half : {false, true}) {
    opt.half = half;
    NeighbourList one;
    {
      tbb::global_control single(tbb::global_control::max_allowed_parallelism, 1);
      one = build_neighbour_list(s, opt);
    }
    const auto all = build_neighbour_list(s, opt);
    CHECK(one.pairs() > 10000);
    test::require_same_lists(one, all, 0.0);
  }
  // the same structure, smaller, against the brute force
  s.positions.resize(500);
  s.numbers.resize(500);
  opt.half = false;
  test::require_same_lists(build_neighbour_list(s, opt), build_neighbour_list_brute_force(s, opt));
}

TEST_CASE("triclinic Si cells of the Zuo et al. training set", "[neighbours][data]") {
  const auto frames = test::read_xyz_structures(test::shared("data/zuo2020/Si_train.xyz"));
  REQUIRE(frames.size() == 214);
  std::size_t triclinic = 0;
  for (std::size_t f = 0; f < frames.size(); f += 3) {
    INFO("frame " << f);
    const Structure& s = frames[f];
    const Mat3 c = s.cell;
    if (std::abs(c(0, 1)) + std::abs(c(0, 2)) + std::abs(c(1, 2)) > 0.1) ++triclinic;
    NeighbourOptions opt;
    opt.cutoff = f % 2 == 0 ? 5.0 : 8.0;
    const auto full = build_neighbour_list(s, opt);
    test::require_same_lists(full, build_neighbour_list_brute_force(s, opt));
    test::require_symmetric_full_list(full, s, opt);
    opt.half = true;
    test::require_half_of_full(build_neighbour_list(s, opt), full);
  }
  CHECK(triclinic > 10);
}

TEST_CASE("Si cells agree with ASE's neighbor_list (pair counts and distance sums)", "[neighbours][data]") {
  // Reference: ase 3.22.1, ase.neighborlist.neighbor_list('ijdS', atoms, rc) on the same frames
  // (full list; len(i) and sum(d)). Frame 0 is triclinic (angles 88.3°, 44.5°, 73.9°).
  struct Reference {
    std::size_t frame;
    double cutoff;
    std::size_t pairs;
    double distance_sum;
  };
  const Reference reference[] = {
      {0, 5.0, 1682, 6470.835712782715},    {0, 9.0, 10086, 68247.12844324624},
      {37, 5.0, 1732, 6831.033213720373},   {37, 9.0, 9466, 64714.84845828936},
      {101, 5.0, 1782, 7029.716974465184},  {101, 9.0, 9686, 66003.44531350947},
      {150, 5.0, 1604, 6186.828496002928},  {150, 9.0, 9460, 64117.160744716246},
      {213, 5.0, 1792, 7058.49389807895},   {213, 9.0, 10112, 69827.89671661946},
  };
  const auto frames = test::read_xyz_structures(test::shared("data/zuo2020/Si_train.xyz"));
  for (const auto& ref : reference) {
    INFO("frame " << ref.frame << ", cutoff " << ref.cutoff);
    NeighbourOptions opt;
    opt.cutoff = ref.cutoff;
    const auto nl = build_neighbour_list(frames.at(ref.frame), opt);
    CHECK(nl.pairs() == ref.pairs);
    double sum = 0.0;
    for (double d : nl.distance) sum += d;
    CHECK(sum == Approx(ref.distance_sum).epsilon(1e-12));
  }
}
