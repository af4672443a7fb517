// pacemaker's YAML potential files (.yace): an .ace file written as .yace reads back field for
// field; bonds of different sizes are padded exactly like explicit zeros; bad files are
// ParseErrors naming the file, the line and the reason; load_potential takes .yace files.
// (Agreement with LAMMPS ML-PACE through .yace is in test_ace_lammps.cpp.)
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "pestle/runtime/load.hpp"
#include "pestle/formats/yace_file.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

using test::cu_ace;
using test::replaced;


// A two-element file of our own: bond [1, 1] is smaller than [0, 0] in every direction.
const std::string two_elements = R"(elements: [Cu, Ni]
E0: [-0.5, -0.25]
deltaSplineBins: 0.001
embeddings:
  0: {ndensity: 1, FS_parameters: [1, 1], npoti: FinnisSinclair, rho_core_cutoff: 100000, drho_core_cutoff: 250}
  1: {ndensity: 1, FS_parameters: [1, 1], npoti: FinnisSinclair, rho_core_cutoff: 100000, drho_core_cutoff: 250}
bonds:
  [0, 0]: {nradmax: 2, lmax: 1, nradbasemax: 2, radbasename: ChebExpCos, radparameters: [5.25], radcoefficients: [[[1, 0.5], [0.25, 0.125]], [[0.75, -0.5], [0.5, 0.25]]], prehc: 0, lambdahc: 1, rcut: 4.5, dcut: 0.01, rcut_in: 0, dcut_in: 0, inner_cutoff_type: density}
  [0, 1]: {nradmax: 1, lmax: 1, nradbasemax: 1, radbasename: ChebExpCos, radparameters: [5.25], radcoefficients: [[[0.9], [0.3]]], prehc: 0, lambdahc: 1, rcut: 4.0, dcut: 0.01, rcut_in: 0, dcut_in: 0, inner_cutoff_type: density}
  [1, 0]: {nradmax: 1, lmax: 1, nradbasemax: 1, radbasename: ChebExpCos, radparameters: [5.25], radcoefficients: [[[0.9], [0.3]]], prehc: 0, lambdahc: 1, rcut: 4.0, dcut: 0.01, rcut_in: 0, dcut_in: 0, inner_cutoff_type: density}
  [1, 1]: {nradmax: 1, lmax: 0, nradbasemax: 1, radbasename: ChebExpCos, radparameters: [5.25], radcoefficients: [[[0.8]]], prehc: 0, lambdahc: 1, rcut: 5.0, dcut: 0.01, rcut_in: 0, dcut_in: 0, inner_cutoff_type: density}
functions:
  0:
    - {mu0: 0, rank: 1, ndensity: 1, num_ms_combs: 1, mus: [0], ns: [1], ls: [0], ms_combs: [0], ctildes: [0.7]}
    - {mu0: 0, rank: 2, ndensity: 1, num_ms_combs: 3, mus: [0, 1], ns: [1, 1], ls: [1, 1], ms_combs: [-1, 1, 0, 0, 1, -1], ctildes: [0.1, -0.2, 0.1]}
  1:
    - {mu0: 1, rank: 1, ndensity: 1, num_ms_combs: 1, mus: [1], ns: [1], ls: [0], ms_combs: [0], ctildes: [0.4]}
    - {mu0: 1, rank: 2, ndensity: 1, num_ms_combs: 1, mus: [1, 1], ns: [1, 1], ls: [0, 0], ms_combs: [0, 0], ctildes: [0.3]}
)";

/// A Cu–Ni cluster in a large box: every pair within the cutoffs.
Structure cu_ni_cluster() {
  Structure s;
  s.cell = Mat3::Identity() * 30.0;
  s.pbc = {false, false, false};
  s.numbers = {29, 28, 28, 29};
  s.positions = {Vec3(10, 10, 10), Vec3(12.4, 10.3, 10.1), Vec3(10.2, 12.5, 9.8), Vec3(11.9, 12.2, 11.7)};
  return s;
}

}  // namespace

TEST_CASE(".yace: Cu-PBE-core-rep.ace written as .yace reads back field for field", "[ace][yace]") {
  const AceFile f = read_ace_file(cu_ace);
  std::ostringstream text;
  write_yace(f, text);
  const AceFile g = read_yace_text(text.str(), "written.yace");
  CHECK(g.basis.elements == f.basis.elements);
  CHECK(g.basis.lmax == f.basis.lmax);
  CHECK(g.basis.columns == f.basis.columns);
  CHECK(g.basis.spline_delta == f.basis.spline_delta);
  CHECK(g.embeddings == f.embeddings);
  CHECK(g.rho_core_cut == f.rho_core_cut);
  CHECK(g.drho_core_cut == f.drho_core_cut);
  CHECK(g.e0 == f.e0);
  const AceRadialBasis &a = f.basis.radial, &b = g.basis.radial;
  CHECK(b.kind == a.kind);
  CHECK(b.nradbase == a.nradbase);
  CHECK(b.nradmax == a.nradmax);
  CHECK(b.cutoff == a.cutoff);
  REQUIRE(b.pairs.size() == a.pairs.size());
  for (std::size_t p = 0; p < a.pairs.size(); ++p) {
    CHECK(b.pairs[p].lambda == a.pairs[p].lambda);
    CHECK(b.pairs[p].rcut == a.pairs[p].rcut);
    CHECK(b.pairs[p].dcut == a.pairs[p].dcut);
    CHECK(b.pairs[p].core_prefactor == a.pairs[p].core_prefactor);
    CHECK(b.pairs[p].core_lambda == a.pairs[p].core_lambda);
    CHECK(b.pairs[p].crad == a.pairs[p].crad);
  }
  REQUIRE(g.basis.functions.size() == f.basis.functions.size());
  std::size_t count = 0;
  for (std::size_t mu = 0; mu < f.basis.functions.size(); ++mu) {
    REQUIRE(g.basis.functions[mu].size() == f.basis.functions[mu].size());
    for (std::size_t k = 0; k < f.basis.functions[mu].size(); ++k, ++count) {
      const AceBasisFunction &x = f.basis.functions[mu][k], &y = g.basis.functions[mu][k];
      CHECK((y.rank == x.rank && y.mus == x.mus && y.ns == x.ns && y.ls == x.ls && y.ms == x.ms && y.coeffs == x.coeffs));
    }
  }
  CHECK(count > 100);  // the Cu potential is a real basis, not a handful of functions
  // writing what was read gives the same text
  std::ostringstream again;
  write_yace(g, again);
  CHECK(again.str() == text.str());
}

TEST_CASE(".yace: bonds of different sizes are padded exactly like explicit zeros", "[ace][yace]") {
  const AceFile f = read_yace_text(two_elements, "two.yace");
  const AceRadialBasis& rb = f.basis.radial;
  CHECK(rb.nradmax == 2);
  CHECK(rb.nradbase == 2);
  CHECK(rb.lmax == 1);
  CHECK(rb.cutoff == 5.0);
  auto crad = [&](int i, int j, int n, int l, int k) { return rb.pair(i, j).crad[std::size_t((n * 2 + l) * 2 + k)]; };
  CHECK(crad(0, 0, 1, 1, 1) == 0.25);
  CHECK(crad(0, 0, 1, 0, 0) == 0.75);
  CHECK(crad(0, 1, 0, 1, 0) == 0.3);
  CHECK(crad(0, 1, 0, 1, 1) == 0.0);
  CHECK(crad(1, 1, 0, 0, 0) == 0.8);
  CHECK(crad(1, 1, 1, 1, 1) == 0.0);
  CHECK(f.e0 == std::vector<double>{-0.5, -0.25});
  CHECK(f.basis.functions[1][1].ns == std::vector<int>{0, 0});  // 1-based in the file

  // the same potential with bond [1, 1] written at full size with zeros
  const std::string explicit_zeros =
      replaced(two_elements, "[1, 1]: {nradmax: 1, lmax: 0, nradbasemax: 1, radbasename: ChebExpCos, radparameters: [5.25], "
                             "radcoefficients: [[[0.8]]]",
               "[1, 1]: {nradmax: 2, lmax: 1, nradbasemax: 2, radbasename: ChebExpCos, radparameters: [5.25], "
               "radcoefficients: [[[0.8, 0], [0, 0]], [[0, 0], [0, 0]]]");
  const Structure s = cu_ni_cluster();
  const PotentialResult padded = make_ace_potential(f).compute(s);
  const PotentialResult full = make_ace_potential(read_yace_text(explicit_zeros, "full.yace")).compute(s);
  CHECK(std::abs(padded.energy - (-0.5 - 0.25 - 0.25 - 0.5)) > 1e-3);  // the basis contributes
  CHECK(padded.energy == Approx(full.energy).epsilon(1e-14));
  for (std::size_t i = 0; i < s.size(); ++i) CHECK((padded.forces[i] - full.forces[i]).norm() < 1e-13);
}

TEST_CASE(".yace: bad files are ParseErrors naming the file, the line and the reason", "[ace][yace]") {
  auto fails_with = [](const std::string& text, const std::string& what) {
    INFO(what);
    CHECK_THROWS_WITH(read_yace_text(text, "bad.yace"), Catch::Contains("bad.yace:") && Catch::Contains(what));
  };
  fails_with("elements: [Cu\nE0: [0]\n", "not valid YAML");
  fails_with("- 1\n- 2\n", "a .yace file is a YAML mapping");
  fails_with(replaced(two_elements, "elements: [Cu, Ni]", "elements: [Cu, Xx]"), ":1: unknown element 'Xx'");
  fails_with(replaced(two_elements, "E0: [-0.5, -0.25]", "E0: [-0.5]"), ":2: the file.E0 has 1 entries, expected 2");
  fails_with(replaced(two_elements, "npoti: FinnisSinclair, rho_core_cutoff: 100000, drho_core_cutoff: 250}\n  1",
                      "npoti: Polynomial, rho_core_cutoff: 100000, drho_core_cutoff: 250}\n  1"),
             ":5: embeddings.0: unknown npoti 'Polynomial'");
  fails_with(replaced(two_elements, "1: {ndensity: 1, FS_parameters: [1, 1], npoti",
                      "1: {ndensity: 2, FS_parameters: [1, 1], npoti"),
             ":6: embeddings.1 (element 1 (Ni)): ndensity 2 needs 4 FS_parameters (a weight and an exponent per density), the file gives 2");
  fails_with(replaced(two_elements, "\n  1: {ndensity", "\n  2: {ndensity"), ":6: embeddings key 2 is not an element index 0..1");
  fails_with(replaced(two_elements, "\n  1: {ndensity", "\n  0: {ndensity"), ":6: embeddings.0 is given twice");
  fails_with(replaced(two_elements, "rcut: 4.5, dcut: 0.01, rcut_in: 0, dcut_in: 0, inner_cutoff_type: density",
                      "rcut: 4.5, dcut: 0.01, rcut_in: 0, dcut_in: 0.1, inner_cutoff_type: distance"),
             ":9: bonds[0, 1]: bonds with different inner_cutoff_type");
  fails_with(replaced(two_elements, "rcut: 4.5, dcut: 0.01, rcut_in: 0, dcut_in: 0, inner_cutoff_type: density",
                      "rcut: 4.5, dcut: 0.01, rcut_in: 0, dcut_in: 0, inner_cutoff_type: radius"),
             ":8: bonds[0, 0]: unknown inner_cutoff_type 'radius'");
  fails_with(replaced(two_elements, "radbasename: ChebExpCos, radparameters: [5.25], radcoefficients: [[[0.8]]]",
                      "radbasename: Gaussian, radparameters: [5.25], radcoefficients: [[[0.8]]]"),
             ":11: unknown radbasename 'Gaussian'");
  fails_with(replaced(two_elements, "radcoefficients: [[[0.8]]]", "radcoefficients: [[[0.8, 0.1]]]"),
             ":11: bonds[1, 1].radcoefficients[0][0] must hold nradbasemax numbers");
  fails_with(replaced(two_elements, "\n  [1, 1]: {", "\n  [1, 2]: {"), ":11: a bonds key must be [i, j]");
  fails_with(replaced(two_elements, "ctildes: [0.1, -0.2, 0.1]", "ctildes: [0.1, -0.2]"),
             ":15: functions.0[1].ctildes has 2 entries, expected 3");
  fails_with(replaced(two_elements, "{mu0: 1, rank: 1", "{mu0: 0, rank: 1"), ":17: functions.1[0].mu0 differs");
  fails_with(replaced(two_elements, "{mu0: 1, rank: 1, ndensity: 1", "{mu0: 1, rank: 1, ndensity: 2"),
             ":17: functions.1[0].ndensity 2 differs from the ndensity 1 of the embedding of element 1 (Ni)");
  fails_with(replaced(two_elements, "ctildes: [0.4]", "ctildes: [zero]"), ":17: functions.1[0].ctildes[0]: cannot read 'zero'");
  fails_with(replaced(two_elements, "  [0, 1]: {", "  [1, 1]: {"), "bonds[1, 1] is given twice");
  fails_with(replaced(two_elements, "ms_combs: [0, 0], ctildes: [0.3]", "ms_combs: [0, 1], ctildes: [0.3]"), "|m| > l in an m-combination");
  const std::size_t at = two_elements.find("functions:");
  fails_with(two_elements.substr(0, at), "the file has no \"functions\"");
}

TEST_CASE(".yace: SBessel bonds (pacemaker's default radial base) are read, radparameters unused", "[ace][yace]") {
  std::string text = two_elements;
  for (std::size_t at; (at = text.find("radbasename: ChebExpCos, radparameters: [5.25]")) != std::string::npos;)
    text.replace(at, 46, "radbasename: SBessel, radparameters: []");
  const AceFile f = read_yace_text(text, "sbessel.yace");
  CHECK(f.basis.radial.kind == AceRadialKind::sbessel);
  const AcePotential pot = make_ace_potential(f);
  const auto r = pot.compute(cu_ni_cluster());
  CHECK(std::isfinite(r.energy));
  CHECK(r.energy != 0.0);
}

TEST_CASE(".yace: load_potential reads .yace files like .ace files", "[ace][yace]") {
  const auto dir = std::filesystem::temp_directory_path() / "pestle_test_yace";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "cu.yace").string();
  write_yace_file(read_ace_file(cu_ace), path);
  const runtime::CalculatorPtr from_yace = runtime::load_calculator(path), from_ace = runtime::load_calculator(cu_ace);
  CHECK(from_yace->name() == "ace");
  Structure s = cu_ni_cluster();
  s.numbers.assign(s.size(), 29);
  CHECK(from_yace->compute(s).energy == Approx(from_ace->compute(s).energy).epsilon(1e-14));
  CHECK_THROWS_WITH(runtime::load_calculator((dir / "missing.yace").string()), Catch::Contains("does not exist"));
  std::filesystem::remove_all(dir);
}
