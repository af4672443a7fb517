// The ZBL reference term (reference/zbl.hpp) and LAMMPS .snap files (formats/snap_include.hpp):
// the switching polynomial's boundary conditions, the r → 0 limit, centre subsets as a
// domain-decomposed host uses them, the .snap commands pestle reads and the ones it refuses, and a
// .snap model loaded through the runtime as SNAP + ZBL. Finite differences and invariances of ZBL
// are in test_reference.cpp; agreement with LAMMPS pair zbl in the CTest label `lammps`.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "pestle/core/lattices.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/formats/snap_files.hpp"
#include "pestle/formats/reference_json.hpp"
#include "pestle/formats/snap_include.hpp"
#include "pestle/runtime/fitting.hpp"
#include "pestle/reference/zbl.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/runtime/overlay.hpp"
#include "test_helpers.hpp"
#include "test_reference_support.hpp"

using namespace pestle;

namespace {

using test::lammps_potentials;

bool have_potentials() { return std::filesystem::exists(lammps_potentials + "Ta06A.snap"); }

/// A .snap file with `text` in a fresh folder; the SNAP files it names are copied beside it.
std::string snap_file(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / ("pestle_snap_include_" + name);
  std::filesystem::create_directories(dir);
  for (const char* f : {"Ta06A.snapcoeff", "Ta06A.snapparam"})
    if (std::filesystem::exists(lammps_potentials + f))
      std::filesystem::copy_file(lammps_potentials + f, dir / f, std::filesystem::copy_options::overwrite_existing);
  const auto path = (dir / (name + ".snap")).string();
  std::ofstream(path) << text;
  return path;
}

std::string error_of(const std::string& path) {
  try {
    read_snap_include(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("ZBL: the switching polynomial takes E, E' and E'' to zero at the outer cutoff", "[zbl]") {
  const Zbl zbl = Zbl::for_elements(1.5, 2.5, {14, 6});
  for (auto [a, b] : {std::pair{14, 14}, std::pair{14, 6}, std::pair{6, 6}}) {
    INFO(a << "-" << b);
    const double rc = 2.5, h = 1e-6;  // E'' ~ E'''·(rc − r) just inside rc
    CHECK(std::abs(zbl.pair_energy(a, b, rc - 1e-9)) < 1e-10);
    CHECK(std::abs(zbl.pair_derivative(a, b, rc - 1e-9)) < 1e-8);
    const double second = (zbl.pair_derivative(a, b, rc - h) - zbl.pair_derivative(a, b, rc - 2 * h)) / h;
    CHECK(std::abs(second) < 1e-4 * std::abs(zbl.pair_derivative(a, b, 2.0)));
    CHECK(zbl.pair_energy(a, b, rc) == 0.0);
    CHECK(zbl.pair_energy(a, b, 3.0) == 0.0);
    // E and E' continuous at the inner cutoff, and E' the derivative of E on both sides
    CHECK(zbl.pair_energy(a, b, 1.5 - 1e-10) == Approx(zbl.pair_energy(a, b, 1.5 + 1e-10)).epsilon(1e-9));
    for (double r : {1.0, 1.5 + 1e-3, 2.0, 2.4}) {
      const double fd = (zbl.pair_energy(a, b, r + 1e-6) - zbl.pair_energy(a, b, r - 1e-6)) / 2e-6;
      CHECK(zbl.pair_derivative(a, b, r) == Approx(fd).epsilon(1e-7));
    }
  }
}

TEST_CASE("ZBL: r·E(r) tends to the bare Coulomb repulsion e²Z_aZ_b/(4πε₀) as r → 0", "[zbl]") {
  // φ(0) = Σ c_k = 1, so the screened repulsion becomes the bare one; the switching constant C stays finite
  const Zbl zbl = Zbl::for_elements(1.0, 2.0, {49, 15});
  const double r = 1e-7;
  CHECK(r * zbl.pair_energy(49, 15, r) == Approx(14.399645 * 49 * 15).epsilon(1e-5));
  CHECK(zbl.pair_energy(15, 49, 0.8) == zbl.pair_energy(49, 15, 0.8));
}

TEST_CASE("ZBL: centre subsets add up to the whole, as a domain-decomposed host needs", "[zbl]") {
  // A cluster split in two "domains": each domain's centres first, the rest as ghosts.
  Structure cluster = test::strained(test::small_diamond(14, 6, 4.36), Mat3::Identity() * -0.2);
  cluster.pbc = {false, false, false};
  const Zbl zbl = Zbl::for_elements(1.2, 2.4, {14, 6});
  const PotentialResult whole = zbl.compute(cluster);
  REQUIRE(std::abs(whole.energy) > 1.0);
  Structure reversed = cluster;
  std::reverse(reversed.positions.begin(), reversed.positions.end());
  std::reverse(reversed.numbers.begin(), reversed.numbers.end());
  const PotentialResult first = zbl.compute(cluster, 1), second = zbl.compute(reversed, 1);
  CHECK(first.energy + second.energy == Approx(whole.energy).epsilon(1e-13));
  for (int a = 0; a < 3; ++a) {
    CHECK(first.forces[0][a] + second.forces[1][a] == Approx(whole.forces[0][a]).margin(1e-12));
    CHECK(first.forces[1][a] + second.forces[0][a] == Approx(whole.forces[1][a]).margin(1e-12));
  }
  CHECK((first.virial + second.virial - whole.virial).norm() < 1e-10 * whole.virial.norm());
}

TEST_CASE("ZBL: bad parameters and uncovered species give clear errors", "[zbl]") {
  CHECK_THROWS_WITH(Zbl(2.0, 2.0), Catch::Contains("inner < outer"));
  CHECK_THROWS_WITH(Zbl(-1.0, 2.0), Catch::Contains("inner < outer"));
  CHECK_THROWS_AS(Zbl(1.0, 2.0).set_pair({14, 6, 0.0, 6.0}), InputError);
  const Zbl si = Zbl::for_elements(1.0, 2.0, {14});
  CHECK_THROWS_WITH(si.compute(test::small_diamond(14, 6, 4.36)), Catch::Contains("C"));
  Zbl partial(1.0, 2.0);
  partial.set_pair({14, 14, 14, 14}).set_pair({6, 6, 6, 6});  // Si-C never given
  CHECK_THROWS_WITH(partial.compute(test::small_diamond(14, 6, 4.36)), Catch::Contains("Si-C"));
}

TEST_CASE(".snap files: the published LAMMPS files read as LAMMPS reads them", "[zbl][snap_include]") {
  if (!have_potentials()) {
    WARN("lammps-data not installed: " << lammps_potentials << " missing");
    return;
  }
  SECTION("Ta06A: equal-style variables, continued pair_style, one ZBL pair") {
    const SnapInclude s = read_snap_include(lammps_potentials + "Ta06A.snap");
    CHECK(s.elements == std::vector<int>{73});
    CHECK(s.coeff_path == lammps_potentials + "Ta06A.snapcoeff");
    CHECK(s.param_path == lammps_potentials + "Ta06A.snapparam");
    REQUIRE(s.zbl);
    CHECK(s.zbl->inner() == 4.0);
    CHECK(s.zbl->outer() == 4.8);
    REQUIRE(s.zbl->pairs().size() == 1);
    CHECK(s.zbl->pairs()[0].charge_a == 73.0);
  }
  SECTION("InP: index variables, three ZBL pairs, two elements") {
    const SnapInclude s = read_snap_include(lammps_potentials + "InP_JCPA2020.snap");
    CHECK(s.elements == std::vector<int>{49, 15});
    REQUIRE(s.zbl);
    CHECK(s.zbl->inner() == 4.0);
    CHECK(s.zbl->outer() == 4.2);
    CHECK(s.zbl->pairs().size() == 3);
    CHECK(s.zbl->pair_energy(49, 15, 1.0) > s.zbl->pair_energy(15, 15, 1.0));
  }
  SECTION("Mo (Zuo): plain pair_style snap, no ZBL") {
    const SnapInclude s = read_snap_include(lammps_potentials + "Mo_Zuo_JPCA2020.snap");
    CHECK(s.elements == std::vector<int>{42});
    CHECK_FALSE(s.zbl);
  }
}

TEST_CASE(".snap files: a model loads as SNAP + ZBL through the runtime", "[zbl][snap_include]") {
  if (!have_potentials()) {
    WARN("lammps-data not installed: " << lammps_potentials << " missing");
    return;
  }
  const auto model = runtime::load_calculator(lammps_potentials + "Ta06A.snap");
  CHECK(model->name() == "snap");
  CHECK(model->species() == std::vector<int>{73});
  CHECK(model->cutoff() == Approx(4.8));
  const auto* overlay = dynamic_cast<const runtime::OverlayCalculator*>(model.get());
  REQUIRE(overlay);
  // bcc Ta, 3.3 Å, slightly compressed and rattled: neighbours inside the ZBL range
  Structure s = test::strained(test::rattled_fcc(73, 3.3 * std::sqrt(2.0)), Mat3::Identity() * -0.05);
  const PotentialResult both = model->compute(s);
  const PotentialResult snap = load_snap(lammps_potentials + "Ta06A.snapcoeff", lammps_potentials + "Ta06A.snapparam").compute(s);
  const PotentialResult zbl = read_snap_include(lammps_potentials + "Ta06A.snap").zbl->compute(s);
  REQUIRE(std::abs(zbl.energy) > 1e-6);
  CHECK(both.energy == Approx(snap.energy + zbl.energy).epsilon(1e-14));
  for (std::size_t i = 0; i < s.size(); ++i) CHECK((both.forces[i] - snap.forces[i] - zbl.forces[i]).norm() < 1e-12);
  CHECK((*both.stress - *snap.stress - *zbl.stress).norm() < 1e-12);
}

TEST_CASE(".snap files: the text pestle writes reads back as the same SNAP + ZBL", "[zbl][snap_include]") {
  if (!have_potentials()) {
    WARN("lammps-data not installed: " << lammps_potentials << " missing");
    return;
  }
  const SnapInclude published = read_snap_include(lammps_potentials + "InP_JCPA2020.snap");
  const auto dir = std::filesystem::temp_directory_path() / "pestle_snap_include_text";
  std::filesystem::create_directories(dir);
  SnapInclude copy = published;
  copy.coeff_path = (dir / "InP.snapcoeff").string();
  copy.param_path = (dir / "InP.snapparam").string();
  std::filesystem::copy_file(published.coeff_path, copy.coeff_path, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(published.param_path, copy.param_path, std::filesystem::copy_options::overwrite_existing);
  const std::string text = snap_include_text(copy);
  CHECK_THAT(text, Catch::Contains("pair_style hybrid/overlay zbl 4.0 4.2 snap"));
  CHECK_THAT(text, Catch::Contains("pair_coeff 1 2 zbl 49.0 15.0"));
  CHECK_THAT(text, Catch::Contains("pair_coeff * * snap InP.snapcoeff InP.snapparam In P"));
  std::ofstream(dir / "InP.snap") << text;
  const auto original = runtime::load_calculator(lammps_potentials + "InP_JCPA2020.snap");
  const auto written = runtime::load_calculator((dir / "InP.snap").string());
  const Structure s = test::rattled_fcc(49, 5.0, 15);  // In-P alloy, nearest pairs at 3.5 Å: inside the ZBL range
  const PotentialResult a = original->compute(s), b = written->compute(s);
  // same model, same numbers up to the summation order of threaded runs
  CHECK(a.energy == Approx(b.energy).epsilon(1e-14));
  for (std::size_t i = 0; i < s.size(); ++i) CHECK((a.forces[i] - b.forces[i]).norm() < 1e-12);
  SECTION("without ZBL: plain pair_style snap") {
    copy.zbl.reset();
    CHECK_THAT(snap_include_text(copy), Catch::Contains("pair_style snap\npair_coeff * * InP.snapcoeff InP.snapparam In P"));
  }
  SECTION("a ZBL term without a pair's charges is refused") {
    copy.zbl = Zbl(4.0, 4.2).set_pair({49, 49, 49.0, 49.0});
    CHECK_THROWS_WITH(snap_include_text(copy), Catch::Contains("no charges for the pair In-P"));
  }
}

TEST_CASE(".snap files: what pestle does not read is refused with file and line", "[zbl][snap_include]") {
  if (!have_potentials()) {
    WARN("lammps-data not installed: " << lammps_potentials << " missing");
    return;
  }
  const std::string snap = "pair_coeff * * snap Ta06A.snapcoeff Ta06A.snapparam Ta\n";
  CHECK_THAT(error_of(snap_file("unknown", "pair_style snap\nmass 1 180.9\n")),
             Catch::Contains("unknown.snap:2") && Catch::Contains("'mass'"));
  CHECK_THAT(error_of(snap_file("nozbl", "pair_style hybrid/overlay zbl 4 4.8 snap\n" + snap)),
             Catch::Contains("no ZBL charges for atom types 1 and 1"));
  CHECK_THAT(error_of(snap_file("inner", "pair_style hybrid/overlay zbl 5 4.8 snap\npair_coeff 1 1 zbl 73 73\n" + snap)),
             Catch::Contains("inner < outer"));
  CHECK_THAT(error_of(snap_file("formula", "variable a equal 2*2\npair_style snap\n")),
             Catch::Contains("formula.snap:1"));
  CHECK_THAT(error_of(snap_file("undefined", "pair_style hybrid/overlay zbl ${x} 4.8 snap\n")),
             Catch::Contains("variable 'x' is not defined"));
  CHECK_THAT(error_of(snap_file("continued", "pair_style hybrid/overlay &\n")), Catch::Contains("continued"));
  CHECK_THAT(error_of(snap_file("nosnap", "pair_style snap\n")), Catch::Contains("no 'pair_coeff"));
  CHECK_THAT(error_of(snap_file("element", "pair_style snap\npair_coeff * * Ta06A.snapcoeff Ta06A.snapparam Xx\n")),
             Catch::Contains("'Xx' is not a chemical symbol"));
  CHECK_THAT(error_of(snap_file("self", "pair_style hybrid/overlay zbl 4 4.8 snap\npair_coeff 1 1 zbl 73 72\n" + snap)),
             Catch::Contains("both charges"));
  // index variables keep their first value; the type range '*' covers every type
  const SnapInclude ok = read_snap_include(snap_file(
      "index", "variable r index 4\nvariable r index 3\npair_style hybrid/overlay zbl ${r} 4.8 snap\n"
               "pair_coeff * * zbl 73 73\n" + snap));
  CHECK(ok.zbl->inner() == 4.0);
  // an element the coefficient file lacks is refused when the model loads
  CHECK_THROWS_WITH(runtime::load_calculator(snap_file("missing", "pair_style snap\n"
                                                                  "pair_coeff * * Ta06A.snapcoeff Ta06A.snapparam W\n")),
                    Catch::Contains("has no coefficients for"));
}

TEST_CASE(".snap files: the published SNAP + ZBL potentials agree with LAMMPS ML-SNAP", "[zbl][snap_include]") {
  // tests/data/lammps_snap/*.xyz: LAMMPS (ML-SNAP + pair zbl, `include X.snap`, run 0) on rattled cells
  // with one pair pushed to ~1.3–1.9 Å; made by tests/data/lammps_snap/make_reference.sh.
  if (!have_potentials()) {
    WARN("lammps-data not installed: " << lammps_potentials << " missing");
    return;
  }
  for (const char* name : {"ta06a_bcc", "w2940_vacancy", "wbe_alloy", "inp_zincblende"}) {
    INFO(name);
    const Frame frame = read_extxyz(test::testdata(std::string("data/lammps_snap/") + name + ".xyz"))[0];
    const Structure& s = frame.structure;
    const auto model = runtime::load_calculator(lammps_potentials + *frame.labels.info.get<std::string>("potential"));
    const PotentialResult r = model->compute(s);
    const auto& lammps_energies = *std::find_if(frame.atom_properties.begin(), frame.atom_properties.end(),
                                                [](const AtomProperty& p) { return p.name == "energies"; });
    const auto& forces = *frame.labels.forces;
    double force_scale = 0.0;
    for (const Vec3& f : forces) force_scale = std::max(force_scale, f.cwiseAbs().maxCoeff());
    CHECK(std::abs(r.energy - *frame.labels.energy) <= 1e-10 * std::abs(*frame.labels.energy));
    double worst_atom = 0.0, worst_force = 0.0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      worst_atom = std::max(worst_atom, std::abs(r.atom_energies[i] - lammps_energies.reals[i]) /
                                            std::max(1.0, std::abs(lammps_energies.reals[i])));
      worst_force = std::max(worst_force, (r.forces[i] - forces[i]).cwiseAbs().maxCoeff() / force_scale);
    }
    CHECK(worst_atom <= 1e-10);
    CHECK(worst_force <= 1e-10);
    // LAMMPS sums the virial as Σ_i r_i f_i over owned and ghost atoms (fdotr), so a force deviation
    // within the bound above (1e-10 of max |f|) reaches the virial multiplied by Σ_i |r_i|: that is the
    // bound (InP zincblende: forces within 2.6e-9 eV/Å of LAMMPS, virial within 1.7e-7 eV of 100 eV).
    const Mat3& w = *frame.labels.virial;
    double sum_r = 0.0;
    for (const Vec3& r_i : s.positions) sum_r += r_i.norm();
    CHECK((r.virial - w).cwiseAbs().maxCoeff() <= 1e-10 * std::max(w.cwiseAbs().maxCoeff(), sum_r * force_scale));
  }
}

TEST_CASE("reference block: ZBL JSON round trip and bad blocks", "[zbl][reference]") {
  const Zbl zbl = zbl_from_json(nlohmann::json::parse(R"({"inner": 1.5, "outer": 2.5, "elements": ["In", "P"]})"));
  CHECK(zbl.pairs().size() == 3);
  const Zbl back = reference_from_json(reference_to_json(zbl));
  for (double r : {0.7, 1.8, 2.3}) CHECK(back.pair_energy(49, 15, r) == zbl.pair_energy(49, 15, r));
  const auto error = [](const char* text) {
    try {
      reference_from_json(nlohmann::json::parse(text));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(error(R"({"zbl": {"inner": 3, "outer": 2, "elements": ["Si"]}})"), Catch::Contains("inner < outer"));
  CHECK_THAT(error(R"({"zbl": {"inner": 1, "outer": 2, "elements": ["Xx"]}})"), Catch::Contains("'Xx'"));
  CHECK_THAT(error(R"({"zbl": {"inner": 1, "outer": 2}})"), Catch::Contains("either"));
  CHECK_THAT(error(R"({"zbl": {"inner": 1, "outer": 2, "element": ["Si"]}})"), Catch::Contains("unknown key 'element'"));
  CHECK_THAT(error(R"({"lj": {}})"), Catch::Contains("unknown key 'lj'"));
}

TEST_CASE("reference block: a SNAP fitted on top of ZBL recovers Ta06A from its own labels", "[zbl][reference]") {
  // Labels from the published Ta06A (SNAP + ZBL 4.0–4.8 Å). A SNAP of the same descriptor fitted to
  // the labels minus the same ZBL can represent them exactly; without the reference block it cannot.
  if (!have_potentials()) {
    WARN("lammps-data not installed: " << lammps_potentials << " missing");
    return;
  }
  const auto truth = runtime::load_calculator(lammps_potentials + "Ta06A.snap");
  Dataset data;
  for (unsigned seed = 1; seed <= 12; ++seed) {
    Structure s = cubic_supercell(cubic_basis::bcc, 3.316 * (0.9 + 0.02 * seed), 2, 73);
    rattle(s, 0.15, seed);
    Frame f;
    f.structure = s;
    const PotentialResult r = truth->compute(s);
    f.labels.energy = r.energy;
    f.labels.forces = r.forces;
    f.labels.virial = r.virial;
    data.push_back(f);
  }
  const auto dir = std::filesystem::temp_directory_path() / "pestle_reference_fit";
  std::filesystem::create_directories(dir);
  write_extxyz((dir / "train.xyz").string(), data);
  auto config = nlohmann::json::parse(R"({
    "model": "snap",
    "descriptor": {"twojmax": 6, "rcutfac": 4.67637, "rfac0": 0.99363, "rmin0": 0.0, "bzeroflag": false,
                   "elements": {"Ta": {"radius": 0.5, "weight": 1.0}}},
    "training": ["train.xyz"],
    "weights": {"energy": 1.0, "force": 1.0, "per_atom_energy": true},
    "solver": {"type": "ridge", "ridge": 1e-12},
    "reference": {"zbl": {"inner": 4.0, "outer": 4.8, "elements": ["Ta"]}}})");
  const auto rmse_force = [&](const runtime::Calculator& model) {
    double sum = 0.0;
    std::size_t n = 0;
    for (const Frame& f : data) {
      const PotentialResult r = model.compute(f.structure);
      for (std::size_t i = 0; i < f.size(); ++i) sum += ((*f.labels.forces)[i] - r.forces[i]).squaredNorm(), n += 3;
    }
    return std::sqrt(sum / double(n));
  };
  const runtime::FittedModel with = runtime::fit_model(config, dir, data);
  config.erase("reference");
  const runtime::FittedModel without = runtime::fit_model(config, dir, data);
  const double err_with = rmse_force(*with.calculator), err_without = rmse_force(*without.calculator);
  INFO("force RMSE with the reference " << err_with << " eV/Å, without " << err_without << " eV/Å");
  CHECK(err_with < 1e-5);
  CHECK(err_without > 100 * err_with);
  // the saved model carries the block and evaluates as the fitted model does
  with.save(dir / "model.json", nlohmann::json::object());
  const auto loaded = runtime::load_calculator((dir / "model.json").string());
  REQUIRE(dynamic_cast<const runtime::OverlayCalculator*>(loaded.get()));
  const PotentialResult a = loaded->compute(data[3].structure), b = with.calculator->compute(data[3].structure);
  CHECK(a.energy == Approx(b.energy).epsilon(1e-12));
  // a GAP cannot carry the block
  auto gap = nlohmann::json::parse(R"({"model": "gap", "reference": {"zbl": {"inner": 1, "outer": 2, "elements": ["Ta"]}}})");
  CHECK_THROWS_WITH(runtime::fit_model(gap, dir, data), Catch::Contains("cannot carry one"));
}
