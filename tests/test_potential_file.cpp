// runtime::load_calculator: one MODEL argument for every file kind pestle reads; the registry of
// model families behind it (runtime/registry.hpp for reading, runtime/fitting.hpp for fitting).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "pestle/core/lattices.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/models/gap.hpp"
#include "pestle/models/snap.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/runtime/model.hpp"
#include "pestle/runtime/fitting.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

using test::lammps_potentials;
}

TEST_CASE("load_calculator reads every supported model file kind", "[potential_file]") {
  SECTION("QUIP GAP XML") {
    const runtime::CalculatorPtr gap = runtime::load_calculator(test::shared("data/reference/quip-gap/gap/Mo_gap.xml"));
    CHECK(gap->name() == "gap");
    CHECK(gap->cutoff() == Approx(5.2));
    const Dataset pred = read_extxyz(test::shared("data/reference/quip-gap/gap/Mo_test_GAP_pred.xyz"));
    const double expected = *pred[0].labels.info.get<double>("gap_energy");
    CHECK(gap->energy(pred[0].structure) == Approx(expected).epsilon(1e-9));
  }
  SECTION("LAMMPS SNAP and qSNAP") {
    const runtime::CalculatorPtr lin = runtime::load_calculator(lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff");
    CHECK(lin->name() == "snap");
    const runtime::CalculatorPtr quad = runtime::load_calculator(lammps_potentials + "Mo_Zuo_JPCA2020.quadratic.snapcoeff");
    CHECK(quad->name() == "qsnap");
    const Structure s = cubic_supercell(cubic_basis::bcc, 3.16, 2, 42);
    CHECK(lin->energy(s) / 16 == Approx(quad->energy(s) / 16).margin(0.05));
  }
  SECTION("pacemaker ACE") {
    const runtime::CalculatorPtr ace = runtime::load_calculator(lammps_potentials + "Cu-PBE-core-rep.ace");
    CHECK(ace->name() == "ace");
    CHECK(ace->cutoff() == Approx(7.4));
    const Structure s = cubic_supercell(cubic_basis::fcc, 3.6, 2, 29);
    CHECK(ace->energy(s) / 32 == Approx(-3.7).margin(0.3));  // cohesive energy of Cu, ~3.5 eV/atom
  }
  SECTION("LAMMPS reference potentials") {
    const Structure si = cubic_supercell(cubic_basis::diamond, 5.431, 1, 14);
    const runtime::CalculatorPtr sw = runtime::load_calculator(lammps_potentials + "Si.sw");
    CHECK(sw->name() == "sw");
    CHECK(sw->energy(si) / 8 == Approx(-4.3366).margin(1e-3));  // SW diamond Si cohesive energy
    const runtime::CalculatorPtr ters = runtime::load_calculator(lammps_potentials + "Si.tersoff");
    CHECK(ters->name() == "tersoff");
    CHECK(ters->energy(si) / 8 == Approx(-4.63).margin(0.01));
    const runtime::CalculatorPtr eam = runtime::load_calculator(lammps_potentials + "Cu_u3.eam");
    CHECK(eam->name() == "eam");
    CHECK(eam->energy(cubic_supercell(cubic_basis::fcc, 3.615, 2, 29)) / 32 == Approx(-3.54).margin(0.01));
  }
}

TEST_CASE("load_calculator refuses what it cannot read", "[potential_file]") {
  CHECK_THROWS_WITH(runtime::load_calculator("/nonexistent/model.json"), Catch::Contains("does not exist"));
  const auto dir = std::filesystem::temp_directory_path() / "pestle_potential_file";
  std::filesystem::create_directories(dir);
  std::ofstream((dir / "model.txt").string()) << "hello\n";
  CHECK_THROWS_WITH(runtime::load_calculator((dir / "model.txt").string()), Catch::Contains("unknown model file type"));
  std::filesystem::copy_file(lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff", dir / "lonely.snapcoeff",
                             std::filesystem::copy_options::overwrite_existing);
  CHECK_THROWS_WITH(runtime::load_calculator((dir / "lonely.snapcoeff").string()), Catch::Contains("lonely.snapparam"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("runtime::Calculator: species, name and the concrete model behind it", "[potential_file][runtime]") {
  const auto lin = runtime::load_calculator(lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff");
  CHECK(lin->species() == std::vector<int>{42});
  CHECK(lin->as<AnyPotential>() != nullptr);
  CHECK(lin->as<GapPotential>() == nullptr);
  CHECK(lin->uses_host_neighbours());
  const auto ace = runtime::load_calculator(lammps_potentials + "Cu-PBE-core-rep.ace");
  CHECK(ace->species() == std::vector<int>{29});
  const auto sw = runtime::load_calculator(lammps_potentials + "Si.sw");
  CHECK(sw->species() == std::vector<int>{14});
  CHECK_FALSE(sw->uses_host_neighbours());
  const auto gap = runtime::load_calculator(test::shared("data/reference/quip-gap/gap/Mo_gap.xml"));
  CHECK(gap->species().empty());  // GAP takes any element (its e0 table decides)
  // a reference potential cannot evaluate a subset of centres
  const Structure si = cubic_supercell(cubic_basis::diamond, 5.431, 1, 14);
  CHECK_THROWS_WITH(sw->compute(si, 3), Catch::Contains("subset of centres"));
}

TEST_CASE("the registry: one family per model file and per fit config", "[potential_file][runtime]") {
  using nlohmann::json;
  CHECK(std::string(runtime::family_of_file(lammps_potentials + "Si.tersoff").name) == "reference");
  CHECK(std::string(runtime::family_of_file(lammps_potentials + "Cu-PBE-core-rep.ace").name) == "ace");
  CHECK(std::string(runtime::family_of_file(lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff").name) == "snap");
  CHECK(std::string(runtime::family_of_config(json{{"model", "qsnap"}}).name) == "snap");
  CHECK(std::string(runtime::family_of_config(json{{"training", "x.xyz"}}).name) == "snap");  // no "model": SNAP
  CHECK(std::string(runtime::family_of_config(json{{"model", "gap"}}).name) == "gap");
  CHECK(std::string(runtime::family_of_config(json{{"model", "ace_linear"}}).name) == "ace");
  CHECK(std::string(runtime::family_of_config(json{{"model", "ace"}}).name) == "ace");
  CHECK(std::string(runtime::family_of_config(json{{"model", "eddp"}}).name) == "eddp");
  CHECK_THROWS_WITH(runtime::family_of_config(json{{"model", "mace"}}), Catch::Contains("unknown \"model\" 'mace'"));
  CHECK_THROWS_WITH(runtime::family_of_config(json::array()), Catch::Contains("JSON object"));
  CHECK_FALSE(runtime::family_of_config(json{{"model", "ace"}}).owns_config(json{{"model", "ace_linear"}}));
  CHECK(runtime::model_families().size() == 5);
  CHECK(runtime::fit_families().size() == 5);  // linear and nonlinear ACE are fitted apart
  // every fitter saves a model that one reading family owns
  for (const runtime::FitFamily& f : runtime::fit_families()) {
    std::size_t readers = 0;
    for (const runtime::ModelFamily& m : runtime::model_families()) readers += std::string(m.name) == f.name ? 1 : 0;
    CHECK(readers == 1);
  }
}
