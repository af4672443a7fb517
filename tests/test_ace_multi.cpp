// Multi-element pacemaker potentials against LAMMPS ML-PACE (tests/data/ace_multi, README.md there):
// per-element embeddings (FinnisSinclairShiftedScaled with 2 densities beside FinnisSinclair with 1),
// per-bond radial bases, cutoffs and core repulsion, ρ_core cutoffs reached by a close pair, FitSNAP's
// InP_pot.yace (distance inner cutoff), and the older .ace header spellings. Energy, per-atom energies,
// forces and virial agree to 1e-10 of the largest |value| of each quantity. Bad per-element blocks are
// InputErrors naming the file and the element.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include "pestle/data/extxyz.hpp"
#include "pestle/formats/ace_file.hpp"
#include "pestle/formats/yace_file.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

using test::replaced;

std::string data(const std::string& name) { return test::testdata("data/ace_multi/" + name); }

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Largest deviation of each quantity from ML-PACE, relative to the largest |reference value| of it.
struct Deviation {
  double energy = 0, atom_energies = 0, forces = 0, virial = 0;
};

Deviation deviation_from_ml_pace(const AcePotential& pot, const std::string& reference) {
  const Dataset ds = read_extxyz(data(reference + ".xyz"));
  REQUIRE(ds.frames.size() == 1);
  const Frame& fr = ds.frames[0];
  const PotentialResult r = pot.compute(fr.structure);
  Deviation d;
  d.energy = std::abs(r.energy - *fr.labels.energy) / std::abs(*fr.labels.energy);
  const AtomProperty& ei = test::atom_property(fr, "energies");
  double ei_scale = 0, ei_dev = 0;
  for (std::size_t i = 0; i < fr.size(); ++i)
    ei_scale = std::max(ei_scale, std::abs(ei.reals[i])), ei_dev = std::max(ei_dev, std::abs(r.atom_energies[i] - ei.reals[i]));
  d.atom_energies = ei_dev / ei_scale;
  double f_scale = 0, f_dev = 0;
  for (std::size_t i = 0; i < fr.size(); ++i)
    f_scale = std::max(f_scale, (*fr.labels.forces)[i].cwiseAbs().maxCoeff()),
    f_dev = std::max(f_dev, (r.forces[i] - (*fr.labels.forces)[i]).cwiseAbs().maxCoeff());
  d.forces = f_dev / f_scale;
  const Mat3 w_ref = *fr.labels.virial;
  d.virial = (r.virial - w_ref).cwiseAbs().maxCoeff() / w_ref.cwiseAbs().maxCoeff();
  return d;
}

void check_against_ml_pace(const AcePotential& pot, const std::string& reference) {
  INFO(reference);
  const Deviation d = deviation_from_ml_pace(pot, reference);
  CHECK(d.energy <= 1e-10);
  CHECK(d.atom_energies <= 1e-10);
  CHECK(d.forces <= 1e-10);
  CHECK(d.virial <= 1e-10);
  WARN(reference << ": largest deviation from ML-PACE relative to max |value|: energy " << d.energy << ", atom energies "
                 << d.atom_energies << ", forces " << d.forces << ", virial " << d.virial);
}

template <class E>
bool runs_with(const AcePotential& pot) {
  return std::holds_alternative<Potential<AceDescriptor, AceModel<E>>>(pot.variant());
}

}  // namespace

TEST_CASE("ACE multi-element: per-element embeddings and ndensity (.yace) reproduce ML-PACE", "[ace][yace][lammps]") {
  const AceFile f = read_yace_file(data("InP_mixed.yace"));
  CHECK(f.embeddings[0].npoti == "FinnisSinclairShiftedScaled");
  CHECK(f.embeddings[0].ndensity() == 2);
  CHECK(f.embeddings[1].npoti == "FinnisSinclair");
  CHECK(f.embeddings[1].ndensity() == 1);
  CHECK(f.basis.columns == 2);
  CHECK(f.basis.radial.kind_of(f.basis.radial.pair(1, 0)) == AceRadialKind::sbessel);
  CHECK(f.basis.radial.kind_of(f.basis.radial.pair(1, 1)) == AceRadialKind::cheb_linear);
  const AcePotential pot = make_ace_potential(f);
  CHECK(runs_with<AcePerElementEmbedding>(pot));
  for (const char* reference : {"mixed_alloy_vacancy", "mixed_triclinic", "mixed_close_pair"}) check_against_ml_pace(pot, reference);
}

TEST_CASE("ACE multi-element: the close pair reaches the rho_core switch and per-bond ranges matter", "[ace][yace][lammps]") {
  // read with ML-PACE v.2021.4.9's conventions (cosine switch, tables over the largest cutoff) the
  // numbers move far beyond round-off: the reference exercises what differs
  AceFile f = read_yace_file(data("InP_mixed.yace"));
  f.convention = AceConvention::ml_pace_2021_4;
  CHECK(deviation_from_ml_pace(make_ace_potential(f), "mixed_close_pair").energy > 1e-6);
}

TEST_CASE("ACE multi-element: one shared embedding (.yace) keeps the single-embedding model", "[ace][yace][lammps]") {
  const AcePotential pot = read_yace_potential(data("InP_shared.yace"));
  CHECK(runs_with<AceShiftedScaledEmbedding>(pot));
  for (const char* reference : {"shared_yace_close_pair", "shared_yace_triclinic"}) check_against_ml_pace(pot, reference);
}

TEST_CASE("ACE multi-element: the .ace spelling (older headers) is the same potential as the .yace", "[ace][lammps]") {
  // No ML-PACE version evaluates a multi-element .ace file (README.md), so the .ace is checked against
  // the ML-PACE numbers of its .yace twin, and field for field against it.
  const AceFile a = read_ace_file(data("InP_shared.ace")), y = read_yace_file(data("InP_shared.yace"));
  CHECK(a.embeddings == y.embeddings);
  CHECK(a.e0 == y.e0);
  CHECK(a.rho_core_cut == y.rho_core_cut);
  CHECK(a.drho_core_cut == y.drho_core_cut);
  for (std::size_t p = 0; p < 4; ++p) {
    CHECK(a.basis.radial.pairs[p].core_prefactor == y.basis.radial.pairs[p].core_prefactor);
    CHECK(a.basis.radial.pairs[p].rcut == y.basis.radial.pairs[p].rcut);
    CHECK(a.basis.radial.pairs[p].crad == y.basis.radial.pairs[p].crad);
  }
  const AcePotential pot = make_ace_potential(a);
  for (const char* reference : {"shared_yace_close_pair", "shared_yace_triclinic"}) check_against_ml_pace(pot, reference);
}

TEST_CASE("ACE: a one-element .ace in the older spelling reproduces ML-PACE v.2021.10.25 and v.2021.4.9", "[ace][lammps]") {
  AceFile f = read_ace_file(data("In_single.ace"));
  CHECK(f.convention == AceConvention::ml_pace_2021_10);
  check_against_ml_pace(make_ace_potential(f), "single_ace_close_pair_v2021_10");
  f.convention = AceConvention::ml_pace_2021_4;  // the cosine rho_core switch of the version LAMMPS 20220106 pins
  check_against_ml_pace(make_ace_potential(f), "single_ace_close_pair_v2021_4");
}

TEST_CASE("ACE: FitSNAP's InP_pot.yace (distance inner cutoff) reproduces ML-PACE", "[ace][yace][lammps]") {
  const AceFile f = read_yace_file(data("InP_pot_fitsnap.yace"));
  CHECK(f.basis.radial.inner == AceInnerCutoff::distance);
  CHECK(f.basis.radial.pair(0, 1).rcut_in == 1.403);
  const AcePotential pot = make_ace_potential(f);
  CHECK(runs_with<AceSmoothPowerEmbedding>(pot));
  for (const char* reference : {"fitsnap_zincblende", "fitsnap_triclinic"}) check_against_ml_pace(pot, reference);
}

TEST_CASE("ACE multi-element: .yace written by pestle reads back to the same numbers", "[ace][yace]") {
  const AceFile f = read_yace_file(data("InP_mixed.yace"));
  std::ostringstream out;
  write_yace(f, out);
  const AceFile g = read_yace_text(out.str(), "written.yace");
  CHECK(g.embeddings == f.embeddings);
  CHECK(g.basis.radial.kind_of(g.basis.radial.pair(1, 0)) == AceRadialKind::sbessel);
  check_against_ml_pace(make_ace_potential(g), "mixed_close_pair");
  const AceFile h = read_yace_file(data("InP_pot_fitsnap.yace"));
  std::ostringstream again;
  write_yace(h, again);
  check_against_ml_pace(make_ace_potential(read_yace_text(again.str(), "written.yace")), "fitsnap_triclinic");
}

TEST_CASE("ACE multi-element: bad per-element blocks are InputErrors naming the file and the element", "[ace][yace]") {
  const std::string mixed = text_of(data("InP_mixed.yace"));
  auto fails_with = [](const std::string& text, const std::string& what) {
    INFO(what);
    CHECK_THROWS_AS(read_yace_text(text, "bad.yace"), InputError);
    CHECK_THROWS_WITH(read_yace_text(text, "bad.yace"), Catch::Contains("bad.yace:") && Catch::Contains(what));
  };
  // an embeddings block for an element the list does not have, or none for one it has
  fails_with(replaced(mixed, "\n  1: {ndensity: 1", "\n  2: {ndensity: 1"), "embeddings key 2 is not an element index 0..1");
  fails_with(replaced(mixed, "\n  1: {ndensity: 1", "\n  0: {ndensity: 1"), "embeddings.0 is given twice");
  fails_with(replaced(replaced(mixed, "elements: [In, P]", "elements: [In, P, Ga]"), "E0: [-1.25, -2.5]", "E0: [-1.25, -2.5, 0.0]"),
             "embeddings: no entry for element 2 (Ga) of the elements list");
  fails_with(replaced(mixed, "\n  1:\n    - {mu0: 1", "\n  2:\n    - {mu0: 1"), "functions key 2 is not an element index 0..1");
  // ndensity against the FS parameters and against the functions
  fails_with(replaced(mixed, "ndensity: 1, FS_parameters: [1.2, 0.75]", "ndensity: 2, FS_parameters: [1.2, 0.75]"),
             "embeddings.1 (element 1 (P)): ndensity 2 needs 4 FS_parameters");
  fails_with(replaced(mixed, "ndensity: 2, FS_parameters: [1.0, 1.0, 0.8, 0.5]", "ndensity: 2, FS_parameters: [1.0, 1.0, 0.8]"),
             "embeddings.0 (element 0 (In)): ndensity 2 needs 4 FS_parameters (a weight and an exponent per density), the file gives 3");
  fails_with(replaced(mixed, "{mu0: 1, rank: 1, ndensity: 1,", "{mu0: 1, rank: 1, ndensity: 2,"),
             "functions.1[0].ndensity 2 differs from the ndensity 1 of the embedding of element 1 (P)");

  // .ace: ndensitymax against the FS parameter count
  const std::string ace = text_of(data("InP_shared.ace"));
  std::istringstream bad(replaced(ace, "ndensitymax=2", "ndensitymax=1"));
  CHECK_THROWS_WITH(read_ace_file(bad, "bad.ace"),
                    Catch::Contains("bad.ace:") && Catch::Contains("ndensitymax=1 needs 2 FS parameters per density (2), the file gives 4"));
}

TEST_CASE("ACE: .ace keys glued to their values read like spaced ones", "[ace]") {
  const std::string glued = text_of(data("In_single.ace"));
  CHECK(glued.find("core repulsion parameters:100.0 1.0") != std::string::npos);  // the spelling under test
  std::string spaced = glued;
  for (const std::string key : {"core repulsion parameters:", "core energy-cutoff parameters:", "E0:", "radparameter=", "cutoff=", "crad=", ">:"})
    for (std::size_t at = 0; (at = spaced.find(key, at)) != std::string::npos; at += key.size() + 1) spaced.insert(at + key.size(), 1, ' ');
  std::istringstream a(glued), b(spaced);
  const AceFile f = read_ace_file(a, "glued.ace"), g = read_ace_file(b, "spaced.ace");
  CHECK(f.basis.radial.pairs[0].core_prefactor == 100.0);
  CHECK(f.basis.radial.pairs[0].crad == g.basis.radial.pairs[0].crad);
  CHECK(f.rho_core_cut == g.rho_core_cut);
  CHECK(f.e0 == g.e0);
  REQUIRE(f.basis.functions[0].size() == g.basis.functions[0].size());
  for (std::size_t k = 0; k < f.basis.functions[0].size(); ++k) CHECK(f.basis.functions[0][k].coeffs == g.basis.functions[0][k].coeffs);
}
