// Reference potentials (include/pestle/reference/): derivatives against finite differences,
// invariances, known values, determinism and bad input. The agreement with LAMMPS itself is
// checked by the CTest tests of label `lammps` (tests/ctest/reference_lammps.cmake).
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <tbb/global_control.h>
#include <unistd.h>

#include "pestle/models/snap.hpp"
#include "pestle/reference/eam.hpp"
#include "pestle/reference/lennard_jones.hpp"
#include "pestle/reference/stillinger_weber.hpp"
#include "pestle/reference/tersoff.hpp"
#include "pestle/reference/zbl.hpp"
#include "test_reference_support.hpp"
#include "test_helpers.hpp"

using namespace pestle;
using namespace pestle::test;

static_assert(Calculator<StillingerWeber>);
static_assert(Calculator<Tersoff>);
static_assert(Calculator<Eam>);
static_assert(Calculator<LennardJones>);
static_assert(Calculator<Zbl>);
static_assert(Calculator<SnapPotential>);

namespace {

bool have_lammps_files() { return std::filesystem::exists(lammps_potentials + "Si.sw"); }

/// A named calculator and a structure it applies to.
struct Subject {
  std::string name;
  std::function<PotentialResult(const Structure&)> compute;
  Structure structure;
};

std::vector<Subject> subjects() {
  std::vector<Subject> v;
  const auto add = [&](std::string name, auto calc, Structure s) {
    v.push_back({std::move(name), [calc](const Structure& x) { return calc.compute(x); }, std::move(s)});
  };
  add("SW built-in, triclinic", StillingerWeber::silicon(), triclinic_diamond());
  add("SW built-in, small cell", StillingerWeber::silicon(), small_diamond());
  add("LJ shifted, two species", LennardJones(18, {0.0104, 3.4, 8.5}, true).set(36, {0.014, 3.65, 9.0}),
      small_fcc(18, 5.4, 36));
  // pairs in the switching region, and (compressed by 40 %) inside the inner cutoff
  add("ZBL Si-C, switching region", Zbl::for_elements(1.2, 2.4, {14, 6}), small_diamond(14, 6, 4.36));
  add("ZBL Si-C compressed", Zbl::for_elements(1.2, 2.4, {14, 6}),
      strained(small_diamond(14, 6, 4.36), Mat3::Identity() * -0.4));
  if (have_lammps_files()) {
    add("Tersoff SiC", Tersoff::from_file(lammps_potentials + "SiC.tersoff"), small_diamond(14, 6, 4.36));
    add("Tersoff Si compressed", Tersoff::from_file(lammps_potentials + "Si.tersoff"),
        strained(triclinic_diamond(), Mat3::Identity() * -0.06));
    add("EAM funcfl Cu+Ni", Eam::from_funcfl({lammps_potentials + "Cu_u3.eam", lammps_potentials + "Ni_u3.eam"}),
        small_fcc(29, 3.57, 28));
    add("EAM setfl CuNi", Eam::from_setfl(lammps_potentials + "CuNi.eam.alloy"), small_fcc(29, 3.57, 28));
  }
  return v;
}

double energy_of(const Subject& x, const Structure& s) { return x.compute(s).energy; }

}  // namespace

TEST_CASE("reference potentials: forces are minus the finite-difference energy gradient", "[reference]") {
  for (const auto& x : subjects()) {
    INFO(x.name);
    const auto r = x.compute(x.structure);
    const double h = 1e-5;
    for (std::size_t i = 0; i < x.structure.size(); ++i)
      for (int a = 0; a < 3; ++a) {
        Structure p = x.structure, m = x.structure;
        p.positions[i][a] += h;
        m.positions[i][a] -= h;
        const double fd = -(energy_of(x, p) - energy_of(x, m)) / (2 * h);
        INFO("atom " << i << " axis " << a);
        CHECK(r.forces[i][a] == Approx(fd).margin(1e-6).epsilon(1e-6));
      }
  }
}

TEST_CASE("reference potentials: stress is the strain derivative of the energy per volume", "[reference]") {
  for (const auto& x : subjects()) {
    INFO(x.name);
    const auto r = x.compute(x.structure);
    REQUIRE(r.stress);
    const double h = 1e-6, v = x.structure.volume();
    for (int a = 0; a < 3; ++a)
      for (int b = a; b < 3; ++b) {
        Mat3 eps = Mat3::Zero();
        eps(a, b) += 0.5 * h;
        eps(b, a) += 0.5 * h;
        const double fd = (energy_of(x, strained(x.structure, eps)) - energy_of(x, strained(x.structure, -eps))) / (2 * h * v);
        INFO("component " << a << b);
        CHECK((*r.stress)(a, b) == Approx(fd).margin(1e-7).epsilon(1e-6));
        CHECK((*r.stress)(a, b) == Approx((*r.stress)(b, a)).margin(1e-12));
      }
  }
}

TEST_CASE("reference potentials: translation and rotation invariance, zero net force", "[reference]") {
  const Mat3 rot = Eigen::AngleAxisd(0.7, Vec3(1, 2, -0.5).normalized()).toRotationMatrix();
  for (const auto& x : subjects()) {
    INFO(x.name);
    const auto r = x.compute(x.structure);
    Structure moved = x.structure, turned = x.structure;
    for (auto& p : moved.positions) p += Vec3(0.31, -1.7, 2.9);
    for (auto& p : turned.positions) p = rot * p;
    turned.cell = x.structure.cell * rot.transpose();
    const auto rm = x.compute(moved), rt = x.compute(turned);
    CHECK(rm.energy == Approx(r.energy).epsilon(1e-12));
    CHECK(rt.energy == Approx(r.energy).epsilon(1e-12));
    Vec3 total = Vec3::Zero();
    double atom_sum = 0.0;
    for (std::size_t i = 0; i < r.forces.size(); ++i) {
      CHECK((rm.forces[i] - r.forces[i]).norm() < 1e-10);
      CHECK((rt.forces[i] - rot * r.forces[i]).norm() < 1e-10);
      total += r.forces[i];
      atom_sum += r.atom_energies[i];
    }
    CHECK(total.norm() < 1e-10);
    CHECK(atom_sum == Approx(r.energy).epsilon(1e-13));
    CHECK((*rt.stress - rot * *r.stress * rot.transpose()).norm() < 1e-10);
  }
}

TEST_CASE("reference potentials: results do not depend on the number of threads", "[reference]") {
  const Structure s = rattled_diamond();
  const auto sw = StillingerWeber::silicon();
  PotentialResult one;
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
    one = sw.compute(s);
  }
  const auto many = sw.compute(s);
  CHECK(one.energy == many.energy);  // bit for bit
  for (std::size_t i = 0; i < s.size(); ++i) {
    CHECK(one.atom_energies[i] == many.atom_energies[i]);
    CHECK(one.forces[i] == many.forces[i]);
  }
  CHECK(one.virial == many.virial);
}

TEST_CASE("reference potentials: known values", "[reference]") {
  SECTION("SW diamond Si at 5.431 Å: -2ε = -4.3366 eV/atom, no force, no stress") {
    const Structure s = cubic_supercell(cubic_basis::diamond, 5.431, 2, 14);
    const auto r = StillingerWeber::silicon().compute(s);
    CHECK(r.energy / double(s.size()) == Approx(-4.3366).epsilon(1e-4));
    for (const auto& f : r.forces) CHECK(f.norm() < 1e-10);
    CHECK(r.stress->norm() < 2e-4);  // 5.431 is the rounded SW minimum
  }
  SECTION("LJ dimer at the minimum 2^(1/6) σ: energy -ε, zero force; shifted: -ε - φ(rc)") {
    Structure s;
    s.add_atom(18, Vec3(0, 0, 0));
    s.add_atom(18, Vec3(std::pow(2.0, 1.0 / 6.0) * 3.4, 0, 0));
    const auto r = LennardJones(18, {0.0104, 3.4, 8.5}).compute(s);
    CHECK(r.energy == Approx(-0.0104).epsilon(1e-12));
    CHECK(r.forces[0].norm() < 1e-14);
    CHECK_FALSE(r.stress);  // open boundaries: no stress
    const double s6 = std::pow(3.4 / 8.5, 6);
    const auto rs = LennardJones(18, {0.0104, 3.4, 8.5}, true).compute(s);
    CHECK(rs.energy == Approx(-0.0104 - 4 * 0.0104 * (s6 * s6 - s6)).epsilon(1e-12));
  }
  if (have_lammps_files()) {
    SECTION("Tersoff Si (PRB 37, 1988) diamond cohesive energy -4.63 eV/atom") {
      const auto r = Tersoff::from_file(lammps_potentials + "Si.tersoff").compute(cubic_supercell(cubic_basis::diamond, 5.432, 2, 14));
      CHECK(r.energy / 64 == Approx(-4.63).epsilon(2e-3));
    }
    SECTION("EAM Cu_u3 fcc at 3.615 Å: cohesive energy 3.54 eV/atom") {
      const auto r = Eam::from_funcfl(lammps_potentials + "Cu_u3.eam").compute(cubic_supercell(cubic_basis::fcc, 3.615, 3, 29));
      CHECK(r.energy / 108 == Approx(-3.54).epsilon(2e-3));
    }
  }
}

namespace {
/// A file with the given text in a fresh temporary directory.
std::string temp_file(const std::string& name, const std::string& text) {
  static std::atomic<int> counter{0};
  const auto dir = std::filesystem::temp_directory_path() /
                   ("pestle_test_reference_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}
const std::string si_sw_line = "Si Si Si 2.1683 2.0951 1.80 21.0 1.20 -0.333333333333\n 7.049556277 0.6022245584 4.0 0.0 0.0\n";
}  // namespace

TEST_CASE("reference potentials: bad input gives typed errors", "[reference]") {
  using Catch::Matchers::Contains;
  SECTION("missing files") {
    CHECK_THROWS_AS(StillingerWeber::from_file("/nonexistent/Si.sw"), InputError);
    CHECK_THROWS_AS(Eam::from_setfl("/nonexistent/x.eam.alloy"), InputError);
  }
  SECTION("a parameter that is not a number names file and line") {
    const auto f = temp_file("bad.sw", "# comment\n\nSi Si Si 2.1683 2.0951 1.80 21.0 1.20 -0.333\n 7.04 0.60 four 0.0 0.0\n");
    CHECK_THROWS_WITH(StillingerWeber::from_file(f), Contains("bad.sw:4") && Contains("'four'"));
    CHECK_THROWS_AS(StillingerWeber::from_file(f), ParseError);
  }
  SECTION("too many words, truncated entry, unknown element, duplicate, illegal value") {
    CHECK_THROWS_AS(StillingerWeber::from_file(temp_file("x.sw", si_sw_line + "Si Si Si 1 2 3 4 5 6 7 8 9 10 11 12\n")), ParseError);
    CHECK_THROWS_WITH(StillingerWeber::from_file(temp_file("x.sw", "Si Si Si 2.1683 2.0951 1.80\n")), Contains("file ends inside"));
    CHECK_THROWS_WITH(StillingerWeber::from_file(temp_file("x.sw", "Qq Si Si 2.1683 2.0951 1.80 21.0 1.20 -0.333 7.04 0.60 4 0 0\n")),
                      Contains("'Qq' is not an element"));
    CHECK_THROWS_WITH(StillingerWeber::from_file(temp_file("x.sw", si_sw_line + si_sw_line)), Contains("duplicate entry for Si-Si-Si"));
    CHECK_THROWS_WITH(StillingerWeber::from_file(temp_file("x.sw", "Si Si Si -2.1683 2.0951 1.80 21.0 1.20 -0.333 7.04 0.60 4 0 0\n")),
                      Contains("illegal"));
    CHECK_THROWS_AS(Tersoff::from_file(temp_file("x.tersoff", "Si Si Si 3.0 1.0 1.3258 4.8381 2.0417 0.0 22.956\n")), ParseError);
  }
  SECTION("a species the file lacks") {
    // an incomplete two-element file: the Si-Si-C triplet is missing
    std::string text = "C C C 3.0 1.0 0.0 38049 4.3484 -.57058 .72751 0.00000015724 2.2119 346.7 1.95 0.15 3.4879 1393.6\n"
                       "Si Si Si 3.0 1.0 1.3258 4.8381 2.0417 0.0 22.956 0.33675 1.3258 95.373 3.0 0.2 3.2394 3264.7\n";
    CHECK_THROWS_WITH(Tersoff::from_file(temp_file("x.tersoff", text)), Contains("no entry for the element triplet"));
    CHECK_THROWS_AS(Tersoff::from_file(temp_file("x.tersoff", text)), InputError);
    // asking for an element the file does not have
    CHECK_THROWS_WITH(StillingerWeber::from_file(temp_file("x.sw", si_sw_line), {14, 32}), Contains("Ge"));
    // a structure with an element the potential does not cover
    Structure s = small_diamond(14, 6);
    CHECK_THROWS_WITH(StillingerWeber::silicon().compute(s), Contains("atom 1 is C") && Contains("does not cover"));
    CHECK_THROWS_AS(LennardJones(18, {0.01, 3.4, 8.5}).compute(s), InputError);
  }
  SECTION("element labels that are not symbols (SiCGe.tersoff's Si(B), Si(C), Si(D))") {
    if (!have_lammps_files()) return;  // Debian's lammps-data absent: nothing to read
    const std::string f = lammps_potentials + "SiCGe.tersoff";
    // read without a label map, Si(B) is no element; with one, Si(D) stands for Si and the other sets are skipped
    CHECK_THROWS_WITH(Tersoff::from_file(f), Contains("SiCGe.tersoff") && Contains("'Si(B)' is not an element"));
    const Tersoff sige = Tersoff::from_file(f, {14, 32}, {{"Si(D)", 14}});
    CHECK(sige.parameters()(0, 0, 0).lam1 == 2.4799);    // Si(D) Si(D) Si(D), not Si(B)'s 3.2394
    CHECK(sige.parameters()(0, 1, 1).lam1 == 2.4625);    // Si(D) Ge Ge: the mixed pair
    // the file has no C-Ge entries (Tersoff published none), so a Si-C-Ge ternary is refused, as LAMMPS refuses it
    CHECK_THROWS_WITH(Tersoff::from_file(f, {14, 6, 32}, {{"Si(D)", 14}}),
                      Contains("SiCGe.tersoff") && Contains("no entry for the element triplet") && Contains("Ge"));
  }
  SECTION("EAM files: truncated table, left-over numbers, bad header") {
    std::string head = "comment\n29 63.55 3.615 FCC\n6 0.1 6 0.5 2.0\n";
    const std::string table = "1 2 3 4 5\n6\n";
    CHECK_NOTHROW(Eam::from_funcfl(temp_file("ok.eam", head + table + table + table)));
    CHECK_THROWS_WITH(Eam::from_funcfl(temp_file("short.eam", head + table + table)), Contains("rho(r)"));
    CHECK_THROWS_WITH(Eam::from_funcfl(temp_file("long.eam", head + table + table + table + "6\n")), Contains("left over"));
    CHECK_THROWS_AS(Eam::from_funcfl(temp_file("hdr.eam", "comment\n29 63.55\n6 0.1 6 -0.5 2.0\n" + table + table + table)), ParseError);
    CHECK_THROWS_AS(Eam::from_setfl(temp_file("x.eam.alloy", "a\nb\nc\n1 Xx\n5 0.1 5 0.5 2.0\n")), ParseError);
  }
  SECTION("structures the potentials cannot evaluate") {
    const auto sw = StillingerWeber::silicon();
    Structure s = small_diamond();
    s.positions[0][1] = std::nan("");
    CHECK_THROWS_AS(sw.compute(s), InputError);
    Structure overlap = small_diamond();
    overlap.positions[1] = overlap.positions[0];
    CHECK_THROWS_AS(sw.compute(overlap), InputError);
    CHECK_THROWS_AS(LennardJones(18, {0.01, -3.4, 8.5}), InputError);
  }
}
