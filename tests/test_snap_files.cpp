// LAMMPS .snapcoeff/.snapparam files: the published Zuo et al. (JPCA 2020) SNAP and qSNAP
// potentials reproduce LAMMPS pair_style snap energies, per-atom energies, forces and virial;
// writing and re-reading a potential is exact; malformed files give typed errors.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

#include "pestle/data/extxyz.hpp"
#include "pestle/formats/snap_files.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

using test::temp_path;
using test::lammps_potentials;


/// LAMMPS reference of one structure and potential (<case>.<linear|quadratic>.pair.txt).
struct PairReference {
  double energy = 0.0;
  double virial[6] = {};  // LAMMPS order xx yy zz xy xz yz, W_ab = Σ r_a F_b
  std::map<long, double> atom_energy;
  std::map<long, Vec3> force;
};

PairReference read_pair_reference(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  PairReference r;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    if (line.rfind("# total_energy", 0) == 0) {
      std::string h, k;
      ss >> h >> k >> r.energy;
    } else if (line.rfind("# virial_xx_yy_zz_xy_xz_yz", 0) == 0) {
      std::string h, k;
      ss >> h >> k;
      for (double& v : r.virial) ss >> v;
    } else if (!line.empty() && line[0] != '#') {
      long id, type;
      double pe;
      Vec3 f;
      ss >> id >> type >> pe >> f[0] >> f[1] >> f[2];
      r.atom_energy[id] = pe;
      r.force[id] = f;
    }
  }
  return r;
}

/// The LAMMPS atom id of every atom of a reference .xyz frame.
std::vector<long> atom_ids(const Frame& f) {
  for (const auto& p : f.atom_properties)
    if (p.name == "id") return {p.integers.begin(), p.integers.end()};
  FAIL("no id column");
  return {};
}

void check_against_lammps(const AnyPotential& pot, const std::string& case_name, const std::string& kind) {
  const std::string dir = test::shared("data/reference/lammps-snap/");
  const Dataset data = read_extxyz(dir + case_name + ".xyz");
  REQUIRE(data.size() == 1);
  const Frame& f = data[0];
  const PairReference ref = read_pair_reference(dir + case_name + "." + kind + ".pair.txt");
  const auto ids = atom_ids(f);
  const PotentialResult r = pot.compute(f.structure);
  INFO(case_name << " " << kind);
  CHECK(r.energy == Approx(ref.energy).epsilon(1e-10));
  CHECK(pot.energy(f.structure) == Approx(ref.energy).epsilon(1e-10));
  double fmax = 0.0;
  for (const auto& [id, v] : ref.force) fmax = std::max(fmax, v.cwiseAbs().maxCoeff());
  for (std::size_t i = 0; i < f.size(); ++i) {
    CHECK(r.atom_energies[i] == Approx(ref.atom_energy.at(ids[i])).epsilon(1e-10));
    // relative to the largest force component (components near zero have no relative meaning)
    CHECK((r.forces[i] - ref.force.at(ids[i])).cwiseAbs().maxCoeff() <= 1e-10 * fmax);
  }
  const double w[6] = {r.virial(0, 0), r.virial(1, 1), r.virial(2, 2), r.virial(0, 1), r.virial(0, 2), r.virial(1, 2)};
  const double wmax = std::max({std::abs(ref.virial[0]), std::abs(ref.virial[1]), std::abs(ref.virial[2])});
  for (int k = 0; k < 6; ++k) CHECK(std::abs(w[k] - ref.virial[k]) <= 1e-10 * wmax);
  REQUIRE(r.stress.has_value());
  CHECK((*r.stress + r.virial / f.structure.volume()).norm() < 1e-14 * wmax);
}

}  // namespace

TEST_CASE("Zuo SNAP and qSNAP files are read as LAMMPS reads them", "[snap_files]") {
  const SnapFiles mo = read_snap_files(lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff", lammps_potentials + "Mo_Zuo_JPCA2020.snapparam");
  CHECK_FALSE(mo.quadratic);
  CHECK(mo.params.twojmax == 6);
  CHECK(mo.params.rcutfac == 4.6);
  CHECK(mo.params.rfac0 == 0.99363);
  CHECK_FALSE(mo.params.bzeroflag);
  CHECK(mo.params.switchflag);  // LAMMPS default, not in the file
  REQUIRE(mo.params.elements.size() == 1);
  CHECK(mo.params.elements[0].z == 42);
  CHECK(mo.params.elements[0].radius == 0.5);
  CHECK(mo.params.elements[0].weight == 1.0);
  REQUIRE(mo.coefficients[0].size() == 31);
  CHECK(mo.coefficients[0][0] == -17.762702673549285);
  const SnapFiles niq = read_snap_files(lammps_potentials + "Ni_Zuo_JPCA2020.quadratic.snapcoeff",
                                        lammps_potentials + "Ni_Zuo_JPCA2020.quadratic.snapparam");
  CHECK(niq.quadratic);
  CHECK(niq.coefficients[0].size() == 1 + 30 + 465);
  // two elements (W, Be) and bzeroflag 1
  const SnapFiles wbe = read_snap_files(lammps_potentials + "WBe_Wood_PRB2019.snapcoeff", lammps_potentials + "WBe_Wood_PRB2019.snapparam");
  REQUIRE(wbe.params.elements.size() == 2);
  CHECK(wbe.params.elements[1].z == 4);
  CHECK(wbe.params.bzeroflag);
  CHECK(wbe.coefficients[1].size() == 56);
}

TEST_CASE("Zuo Mo and Ni SNAP/qSNAP reproduce LAMMPS pair_style snap", "[snap_files][lammps]") {
  struct Pot {
    std::string element, file, kind;
  };
  for (const Pot& p : {Pot{"Mo", "Mo_Zuo_JPCA2020", "linear"}, Pot{"Mo", "Mo_Zuo_JPCA2020.quadratic", "quadratic"},
                       Pot{"Ni", "Ni_Zuo_JPCA2020", "linear"}, Pot{"Ni", "Ni_Zuo_JPCA2020.quadratic", "quadratic"}}) {
    const AnyPotential pot = load_snap(lammps_potentials + p.file + ".snapcoeff", lammps_potentials + p.file + ".snapparam");
    CHECK(pot.type_name() == (p.kind == "linear" ? "snap" : "qsnap"));
    for (const char* frame : {"_f0", "_f1", "_f2"}) check_against_lammps(pot, p.element + "_test" + frame, p.kind);
  }
}

TEST_CASE("writing and re-reading snap files is exact", "[snap_files]") {
  for (const std::string file : {"Mo_Zuo_JPCA2020.quadratic", "WBe_Wood_PRB2019", "InP_JCPA2020"}) {
    const SnapFiles a = read_snap_files(lammps_potentials + file + ".snapcoeff", lammps_potentials + file + ".snapparam");
    const AnyPotential pot = load_snap(lammps_potentials + file + ".snapcoeff", lammps_potentials + file + ".snapparam");
    const std::string c = temp_path("rt.snapcoeff"), q = temp_path("rt.snapparam");
    write_snap_files(pot, c, q);
    const SnapFiles b = read_snap_files(c, q);
    std::filesystem::remove(c);
    std::filesystem::remove(q);
    CHECK(b.quadratic == a.quadratic);
    CHECK(b.coefficients == a.coefficients);  // bit-exact
    CHECK(b.params.twojmax == a.params.twojmax);
    CHECK(b.params.rcutfac == a.params.rcutfac);
    CHECK(b.params.rfac0 == a.params.rfac0);
    CHECK(b.params.rmin0 == a.params.rmin0);
    CHECK(b.params.bzeroflag == a.params.bzeroflag);
    CHECK(b.params.switchflag == a.params.switchflag);
    CHECK(b.params.bnormflag == a.params.bnormflag);
    CHECK(b.params.chemflag == a.params.chemflag);
    CHECK(b.params.wselfallflag == a.params.wselfallflag);
    REQUIRE(b.params.elements.size() == a.params.elements.size());
    for (std::size_t e = 0; e < a.params.elements.size(); ++e) {
      CHECK(b.params.elements[e].z == a.params.elements[e].z);
      CHECK(b.params.elements[e].radius == a.params.elements[e].radius);
      CHECK(b.params.elements[e].weight == a.params.elements[e].weight);
    }
  }
}

TEST_CASE("the explicit multi-element InP SNAP (chemflag 1) loads and evaluates", "[snap_files][chem]") {
  const std::string coeff = lammps_potentials + "InP_JCPA2020.snapcoeff", param = lammps_potentials + "InP_JCPA2020.snapparam";
  const SnapFiles f = read_snap_files(coeff, param);
  CHECK(f.params.chemflag);
  CHECK(f.params.bnormflag);
  CHECK(f.params.wselfallflag);
  CHECK(f.params.bzeroflag);
  CHECK_FALSE(f.quadratic);
  CHECK(f.params.twojmax == 6);
  REQUIRE(f.params.elements.size() == 2);
  CHECK(f.params.elements[0].z == 49);
  CHECK(f.params.elements[1].z == 15);
  // 2³ element triples × 30 components + β₀
  for (const auto& block : f.coefficients) CHECK(block.size() == 241);
  CHECK(Bispectrum<dynamic>(f.params).size() == 8 * 30);

  const AnyPotential pot = load_snap(coeff, param);
  CHECK(pot.type_name() == "snap");
  // one conventional cell of zincblende InP, a = 5.87 Å: In on the fcc sites, P at (¼, ¼, ¼) from them
  const double a = 5.87;
  Structure s;
  s.pbc = {true, true, true};
  s.cell = Mat3::Identity() * a;
  for (const Vec3& site : {Vec3(0, 0, 0), Vec3(0, 0.5, 0.5), Vec3(0.5, 0, 0.5), Vec3(0.5, 0.5, 0)}) {
    s.add_atom(49, a * site);
    s.add_atom(15, a * (site + Vec3(0.25, 0.25, 0.25)));
  }
  const PotentialResult r = pot.compute(s);
  INFO("E = " << r.energy << " eV");
  CHECK(std::isfinite(r.energy));
  CHECK(pot.energy(s) == Approx(r.energy).epsilon(1e-12));
  // every atom sits on a site of cubic (T_d) symmetry: no force, isotropic stress
  for (const auto& force : r.forces) CHECK(force.norm() < 1e-10);
  REQUIRE(r.stress.has_value());
  CHECK(std::abs((*r.stress)(0, 0) - (*r.stress)(1, 1)) < 1e-10);
  CHECK(std::abs((*r.stress)(0, 0) - (*r.stress)(2, 2)) < 1e-10);
  CHECK(std::abs((*r.stress)(0, 1)) < 1e-10);
  // equivalent atoms have equal energies, In and P different ones (per-element coefficients)
  CHECK(r.atom_energies[0] == Approx(r.atom_energies[2]).epsilon(1e-12));
  CHECK(r.atom_energies[1] == Approx(r.atom_energies[3]).epsilon(1e-12));
  CHECK(r.atom_energies[0] != Approx(r.atom_energies[1]).epsilon(1e-6));
}

TEST_CASE("snap file errors name what is wrong", "[snap_files][chem]") {
  const std::string c = temp_path("msg.snapcoeff"), q = temp_path("msg.snapparam");
  const auto write = [](const std::string& path, const std::string& text) { std::ofstream(path) << text; };
  const auto message = [&]() -> std::string {
    try {
      read_snap_files(c, q);
    } catch (const InputError& e) {
      return e.what();
    }
    return "(no error)";
  };
  // twojmax 2: 5 components; two elements with chemflag 1 need 2³·5 + 1 = 41 per element, not 6
  const std::string two_elements = "2 6\nMo 0.5 1\n-1\n0.1\n0.2\n0.3\n0.4\n0.5\nNi 0.45 0.8\n-2\n1\n2\n3\n4\n5\n";
  write(c, two_elements);
  write(q, "rcutfac 4.6\ntwojmax 2\n");
  CHECK_NOTHROW(read_snap_files(c, q));
  write(q, "rcutfac 4.6\ntwojmax 2\nchemflag 1\n");
  std::string m = message();
  INFO(m);
  CHECK(m.find(c) != std::string::npos);
  CHECK(m.find("chemflag 1") != std::string::npos);
  CHECK(m.find("needs 41") != std::string::npos);
  write(q, "rcutfac 4.6\ntwojmax 2\nswitchinnerflag 1\n");
  m = message();
  CHECK(m.find(q) != std::string::npos);
  CHECK(m.find("switchinnerflag 1") != std::string::npos);
  CHECK(m.find("not supported") != std::string::npos);
  // switchinnerflag 0 is the plain switching function: accepted
  write(q, "rcutfac 4.6\ntwojmax 2\nswitchinnerflag 0\n");
  CHECK_NOTHROW(read_snap_files(c, q));
  std::filesystem::remove(c);
  std::filesystem::remove(q);
}

TEST_CASE("malformed snap files give typed errors", "[snap_files]") {
  const std::string c = temp_path("bad.snapcoeff"), q = temp_path("bad.snapparam");
  const auto write = [](const std::string& path, const std::string& text) { std::ofstream(path) << text; };
  const std::string good_param = "rcutfac 4.6\ntwojmax 2\n";
  // twojmax 2: 5 bispectrum components -> 6 linear coefficients
  const std::string good_coeff = "# c\n1 6\nMo 0.5 1\n-1\n0.1 # B1\n0.2\n0.3\n0.4\n0.5\n";
  write(q, good_param);
  write(c, good_coeff);
  CHECK_NOTHROW(read_snap_files(c, q));
  struct Case {
    std::string param, coeff;
  };
  for (const Case& k : {
           Case{"twojmax 2\n", good_coeff},                       // rcutfac missing
           Case{"rcutfac 4.6\ntwojmax 2\nfoo 1\n", good_coeff},  // unknown keyword
           Case{"rcutfac 4.6 5\ntwojmax 2\n", good_coeff},       // extra word
           Case{"rcutfac x\ntwojmax 2\n", good_coeff},           // not a number
           Case{good_param + "switchinnerflag 1\n", good_coeff}, // unsupported
           Case{good_param + "chemflag 2\n", good_coeff},        // not a flag
           Case{good_param + "bzeroflag 2\n", good_coeff},       // not a flag
           Case{good_param + "quadraticflag 1\n", good_coeff},   // ncoeff does not match
           Case{good_param, "1 6\nMo 0.5 1\n-1\n0.1\n"},          // truncated
           Case{good_param, "1 6\nXx 0.5 1\n-1\n0.1\n0.2\n0.3\n0.4\n0.5\n"},  // not an element
           Case{good_param, "1 5\nMo 0.5 1\n-1\n0.1\n0.2\n0.3\n0.4\n"},       // wrong ncoeff for twojmax
           Case{good_param, good_coeff + "7\n"},                               // trailing data
           Case{good_param, ""},                                               // empty
       }) {
    write(q, k.param);
    write(c, k.coeff);
    INFO(k.param << "---\n" << k.coeff);
    CHECK_THROWS_AS(read_snap_files(c, q), InputError);
  }
  std::filesystem::remove(c);
  std::filesystem::remove(q);
  CHECK_THROWS_AS(read_snap_files("/nonexistent.snapcoeff", "/nonexistent.snapparam"), InputError);
}
