// compute(s, n_centres): a periodic structure evaluated directly must agree with the same atoms
// followed by their periodic images as a non-periodic cluster in which only the original atoms
// are centres (what the LAMMPS pair style hands pestle: owned atoms, then ghost images).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "pestle/neighbours/neighbour_source.hpp"
#include "pestle/reference/lennard_jones.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/runtime/model.hpp"
#include "test_helpers.hpp"

namespace {

using pestle::Mat3;
using pestle::Structure;
using pestle::Vec3;

/// n×n×n conventional cubic cell (two atoms each, bcc) of element z, every atom moved by up to ±rattle Å.
Structure rattled_bcc(int z, double a, int n, double rattle, unsigned seed) {
  Structure s;
  s.cell = Mat3::Identity() * (a * n);
  s.pbc = {true, true, true};
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(-rattle, rattle);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k)
        for (const Vec3& b : {Vec3(0, 0, 0), Vec3(0.5, 0.5, 0.5)})
          s.add_atom(z, (Vec3(i, j, k) + b) * a + Vec3(u(gen), u(gen), u(gen)));
  return s;
}

/// The atoms of s, then every periodic image within `depth` Å of the cell's atoms, as a
/// non-periodic structure; owner[k] is the original atom of atom k.
struct Cluster {
  Structure s;
  std::vector<std::size_t> owner;
};

Cluster replicate(const Structure& periodic, double depth) {
  Cluster c;
  c.s.numbers = periodic.numbers;
  c.s.positions = periodic.positions;
  for (std::size_t i = 0; i < periodic.size(); ++i) c.owner.push_back(i);
  int reach[3];
  for (int a = 0; a < 3; ++a) reach[a] = int(std::ceil(depth / periodic.cell.row(a).norm())) + 1;
  for (int x = -reach[0]; x <= reach[0]; ++x)
    for (int y = -reach[1]; y <= reach[1]; ++y)
      for (int z = -reach[2]; z <= reach[2]; ++z) {
        if (x == 0 && y == 0 && z == 0) continue;
        const Vec3 shift = periodic.cell.transpose() * Vec3(x, y, z);
        for (std::size_t i = 0; i < periodic.size(); ++i) {
          const Vec3 r = periodic.positions[i] + shift;
          double nearest = 1e300;
          for (const Vec3& o : periodic.positions) nearest = std::min(nearest, (r - o).norm());
          if (nearest > depth) continue;
          c.s.add_atom(periodic.numbers[i], r);
          c.owner.push_back(i);
        }
      }
  return c;
}

/// Evaluates `model` on s periodically and as a cluster with images, and compares.
void check_centres_match(const pestle::runtime::CalculatorPtr& model, const Structure& s, double depth) {
  const Cluster c = replicate(s, depth);
  REQUIRE(c.s.size() > s.size());
  const pestle::PotentialResult ref = model->compute(s);
  const pestle::PotentialResult got = model->compute(c.s, s.size());

  CHECK(std::abs(got.energy - ref.energy) <= 1e-10 * std::abs(ref.energy));
  REQUIRE(got.atom_energies.size() == c.s.size());
  for (std::size_t i = 0; i < s.size(); ++i) CHECK(got.atom_energies[i] == Approx(ref.atom_energies[i]).epsilon(1e-10));
  for (std::size_t k = s.size(); k < c.s.size(); ++k) CHECK(got.atom_energies[k] == 0.0);

  std::vector<Vec3> folded(s.size(), Vec3::Zero());
  for (std::size_t k = 0; k < c.s.size(); ++k) folded[c.owner[k]] += got.forces[k];
  double fmax = 0.0, ferr = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    fmax = std::max(fmax, ref.forces[i].cwiseAbs().maxCoeff());
    ferr = std::max(ferr, (folded[i] - ref.forces[i]).cwiseAbs().maxCoeff());
  }
  INFO("largest force " << fmax << " eV/Å, largest difference " << ferr);
  REQUIRE(fmax > 1e-3);  // rattled: the comparison is not between zeros
  CHECK(ferr <= 1e-10 * fmax);
  // W is a sum of r ⊗ F terms that largely cancel in a small cell: compare on the scale of the
  // image terms Σ |r_image - r_owner| |F_image| (round-off, not the virial itself, sets it)
  double image_scale = ref.virial.cwiseAbs().maxCoeff();
  for (std::size_t k = s.size(); k < c.s.size(); ++k)
    image_scale += (c.s.positions[k] - s.positions[c.owner[k]]).norm() * got.forces[k].norm();
  const double verr = (got.virial - ref.virial).cwiseAbs().maxCoeff();
  INFO("virial difference " << verr << " on the scale " << image_scale);
  CHECK(verr <= 1e-10 * image_scale);
  CHECK_FALSE(got.stress.has_value());
}

std::string lammps_potential(const std::string& name) { return "/usr/share/lammps/potentials/" + name; }

}  // namespace

TEST_CASE("compute(s, n_centres) with all atoms equals compute(s)", "[lammps][centres]") {
  const auto model = pestle::runtime::load_calculator(pestle::test::shared("data/reference/quip-gap/gap/Mo_gap.xml"));
  const Structure s = rattled_bcc(42, 3.16, 2, 0.1, 3);
  const auto a = model->compute(s), b = model->compute(s, s.size());
  // energies and forces are summed over threads (the reduction order varies from run to run):
  // equal up to the order of the additions, not bit for bit
  CHECK(std::abs(a.energy - b.energy) <= 1e-13 * std::abs(a.energy));
  for (std::size_t i = 0; i < s.size(); ++i) CHECK((a.forces[i] - b.forces[i]).norm() <= 1e-12);
  CHECK(b.stress.has_value());
}

TEST_CASE("SNAP: periodic cell vs cluster of images with the cell's atoms as centres", "[lammps][centres]") {
  const std::string file = lammps_potential("Mo_Zuo_JPCA2020.snapcoeff");
  if (!std::filesystem::exists(file)) {
    WARN("lammps-data not installed: " << file << " missing");
    return;
  }
  const auto model = pestle::runtime::load_calculator(file);
  check_centres_match(model, rattled_bcc(42, 3.16, 2, 0.15, 1), model->cutoff() + 0.1);
}

TEST_CASE("qSNAP: periodic cell vs cluster of images", "[lammps][centres]") {
  const std::string file = lammps_potential("Mo_Zuo_JPCA2020.quadratic.snapcoeff");
  if (!std::filesystem::exists(file)) {
    WARN("lammps-data not installed: " << file << " missing");
    return;
  }
  const auto model = pestle::runtime::load_calculator(file);
  check_centres_match(model, rattled_bcc(42, 3.16, 1, 0.15, 2), model->cutoff() + 0.1);
}

TEST_CASE("GAP (distance_2b + SOAP): a 2-atom cell whose atoms see their own images", "[lammps][centres]") {
  const auto model = pestle::runtime::load_calculator(pestle::test::shared("data/reference/quip-gap/gap/Mo_gap.xml"));
  // 3.16 Å cell, 5.2 Å cutoff: every atom sees several images of itself
  check_centres_match(model, rattled_bcc(42, 3.16, 1, 0.15, 4), model->cutoff() + 0.1);
}

TEST_CASE("ACE: periodic cell vs cluster of images", "[lammps][centres]") {
  const std::string file = lammps_potential("Cu-PBE-core-rep.ace");
  if (!std::filesystem::exists(file)) {
    WARN("lammps-data not installed: " << file << " missing");
    return;
  }
  const auto model = pestle::runtime::load_calculator(file);
  // fcc Cu as a 4-atom simple-cubic basis would do as well; a rattled bcc arrangement suffices here
  check_centres_match(model, rattled_bcc(29, 2.87, 2, 0.1, 5), model->cutoff() + 0.1);
}

TEST_CASE("compute(s, n_centres): bad centre counts and reference potentials", "[lammps][centres]") {
  const auto gap = pestle::runtime::load_calculator(pestle::test::shared("data/reference/quip-gap/gap/Mo_gap.xml"));
  const Structure s = rattled_bcc(42, 3.16, 1, 0.05, 6);
  CHECK_THROWS_AS(gap->compute(s, s.size() + 1), pestle::InputError);
  const pestle::runtime::CalculatorPtr lj =
      pestle::runtime::make_calculator(pestle::LennardJones(42, pestle::LennardJonesParams{0.1, 2.5, 6.0}), "lj");
  CHECK_THROWS_AS(lj->compute(s, 1), pestle::InputError);
  CHECK(lj->compute(s, s.size()).energy == lj->compute(s).energy);
}

namespace {

/// A host's Verlet list in an arbitrary order: every atom of the structure for each centre, shuffled,
/// so neighbour_list_from must filter by the cutoff and sort (neighbours/neighbour_source.hpp).
struct ShuffledHostList {
  std::vector<std::vector<std::size_t>> rows;
  std::size_t centres() const { return rows.size(); }
  std::size_t count(std::size_t i) const { return rows[i].size(); }
  std::size_t neighbour(std::size_t i, std::size_t k) const { return rows[i][k]; }
};

ShuffledHostList everything_shuffled(std::size_t centres, std::size_t atoms, unsigned seed) {
  ShuffledHostList h;
  std::mt19937 gen(seed);
  for (std::size_t i = 0; i < centres; ++i) {
    std::vector<std::size_t> row(atoms);
    for (std::size_t j = 0; j < atoms; ++j) row[j] = j;
    std::shuffle(row.begin(), row.end(), gen);
    h.rows.push_back(std::move(row));
  }
  return h;
}

}  // namespace

TEST_CASE("a host neighbour list gives the numbers pestle's own search gives", "[lammps][centres][neighbour_source]") {
  static_assert(pestle::NeighbourSource<ShuffledHostList>);
  for (const char* name : {"Mo_Zuo_JPCA2020.snapcoeff", "Cu-PBE-core-rep.ace"}) {
    const std::string file = lammps_potential(name);
    if (!std::filesystem::exists(file)) {
      WARN("lammps-data not installed: " << file << " missing");
      continue;
    }
    INFO(name);
    const auto model = pestle::runtime::load_calculator(file);
    REQUIRE(model->uses_host_neighbours());
    const int z = model->species().at(0);
    const Cluster c = replicate(rattled_bcc(z, z == 42 ? 3.16 : 2.87, 1, 0.1, 7), model->cutoff() + 0.1);
    const std::size_t centres = 2;
    pestle::NeighbourOptions options;
    options.cutoff = model->cutoff();
    const pestle::NeighbourList host =
        pestle::neighbour_list_from(c.s, everything_shuffled(centres, c.s.size(), 11), options);
    const pestle::NeighbourList own = pestle::build_neighbour_list(c.s, options);
    for (std::size_t i = 0; i < centres; ++i) {
      const auto a = host.neighbours(i), b = own.neighbours(i);
      CHECK(std::vector<int>(a.begin(), a.end()) == std::vector<int>(b.begin(), b.end()));
    }
    const pestle::PotentialResult with_host = model->compute(c.s, host, centres);
    const pestle::PotentialResult searched = model->compute(c.s, centres);
    // Equal to rounding: the host's displacements are computed in this unit, pestle's search in the
    // compiled runtime (-O3), and the two may contract r_j - r_i + n·cell into FMAs differently.
    CHECK(with_host.energy == Approx(searched.energy).epsilon(1e-12));
    double ferr = 0.0;
    for (std::size_t k = 0; k < c.s.size(); ++k) ferr = std::max(ferr, (with_host.forces[k] - searched.forces[k]).norm());
    CHECK(ferr <= 1e-12);
    CHECK((with_host.virial - searched.virial).cwiseAbs().maxCoeff() <= 1e-10);
  }
}

TEST_CASE("a host neighbour list is checked", "[neighbour_source]") {
  Structure s;
  s.add_atom(42, Vec3::Zero());
  s.add_atom(42, Vec3(2.0, 0, 0));
  pestle::NeighbourOptions options;
  options.cutoff = 3.0;
  ShuffledHostList bad{{{0, 5}}};
  CHECK_THROWS_WITH(pestle::neighbour_list_from(s, bad, options), Catch::Contains("beyond the 2 atoms"));
  ShuffledHostList too_many{{{1}, {0}, {0}}};
  CHECK_THROWS_WITH(pestle::neighbour_list_from(s, too_many, options), Catch::Contains("3 centres"));
  s.positions[1] = Vec3(1e-8, 0, 0);
  ShuffledHostList overlap{{{1}}};
  CHECK_THROWS_WITH(pestle::neighbour_list_from(s, overlap, options), Catch::Contains("overlap"));
  Structure periodic = s;
  periodic.pbc = {true, true, true};
  periodic.cell = Mat3::Identity() * 10.0;
  CHECK_THROWS_WITH(pestle::neighbour_list_from(periodic, overlap, options), Catch::Contains("non-periodic"));
}
