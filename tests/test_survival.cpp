// The survival test (validate/survival.hpp): hard-sphere random starts keep their separation and fill a
// cube; Stillinger-Weber silicon survives a short hot run; a collapse, a runaway extrapolation grade and
// impossible settings are each detected and named; the report's fraction is the runs' own.
#include <catch2/catch.hpp>

#include <string>

#include "pestle/formats/ace_model_json.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/validate/survival.hpp"
#include "ace_fit_fixtures.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

validate::SurvivalOptions short_silicon_runs() {
  validate::SurvivalOptions o;
  o.composition = {{14, 1}};
  o.atoms = 64;
  o.volume_per_atom = 20.0;
  o.hard_sphere = 2.0;
  o.temperature = 1500.0;
  o.picoseconds = 0.2;
  o.runs = 2;
  o.check_every = 50;
  return o;
}

}  // namespace

TEST_CASE("survival: hard-sphere starts keep their separation in a cube", "[validate][survival]") {
  validate::SurvivalOptions o = short_silicon_runs();
  o.composition = {{14, 1}, {6, 1}};
  const Structure s = validate::hard_sphere_start(o, 3);
  REQUIRE(s.size() == 64);
  CHECK(test::brute_shortest_distance(s) >= 2.0 - 1e-12);
  CHECK(std::abs(s.cell.determinant()) == Approx(64 * 20.0).epsilon(1e-9));
  CHECK(s.cell.row(0).norm() == Approx(s.cell.row(2).norm()).epsilon(1e-9));
  CHECK(std::count(s.numbers.begin(), s.numbers.end(), 6) == 32);
  CHECK(validate::hard_sphere_start(o, 4).positions[0] != s.positions[0]);  // each run its own start
}

TEST_CASE("survival: SW silicon survives a short hot run; a collapse is detected", "[validate][survival]") {
  const runtime::CalculatorPtr sw = runtime::load_calculator(test::lammps_potentials + "Si.sw");
  validate::SurvivalOptions o = short_silicon_runs();
  const validate::SurvivalReport ok = validate::survival_test(*sw, o);
  CHECK(ok.fraction() == 1.0);
  for (const auto& r : ok.runs) {
    CHECK(r.survived);
    CHECK(r.time_ps == Approx(0.2));
    CHECK(r.min_distance > 1.0);
  }
  const nlohmann::json j = validate::survival_to_json(ok, o, "Si.sw");
  CHECK(j["survived"] == 1.0);
  CHECK(j["runs"].size() == 2);

  // SW's liquid has pairs well inside 1.99 A at 3000 K: a collapse distance just under the start's
  // separation turns that into a "collapse", found at a check before the end
  o.temperature = 3000.0;
  o.collapse_distance = 1.99;
  o.runs = 1;
  const validate::SurvivalReport collapsed = validate::survival_test(*sw, o);
  CHECK(collapsed.fraction() == 0.0);
  CHECK(collapsed.runs[0].failure.find("collapse") != std::string::npos);
  CHECK(collapsed.runs[0].min_distance < 1.99);
  CHECK(validate::survival_markdown(collapsed, o, "Si.sw").find("Survived: 0 %") != std::string::npos);
}

TEST_CASE("survival: a runaway extrapolation grade ends a run", "[validate][survival][extrapolation]") {
  const std::string model = test::temp_path("survival_ace.json");
  save_ace_linear_model(model, test::tiny_fitted_ace());
  const runtime::CalculatorPtr ace = runtime::load_calculator(model);
  const runtime::Grader graded = runtime::Grader::from_training(model, test::mo_training_subset());
  validate::SurvivalOptions o = short_silicon_runs();
  o.composition = {{42, 1}};
  o.atoms = 16;
  o.volume_per_atom = 16.0;
  o.runs = 1;
  o.gamma_limit = 0.5;  // far below what a random start gives
  const validate::SurvivalReport r = validate::survival_test(*ace, o, &graded);
  REQUIRE(r.runs[0].max_gamma.has_value());
  CHECK(*r.runs[0].max_gamma > 0.5);
  CHECK(r.runs[0].failure.find("extrapolation grade") != std::string::npos);
  CHECK_FALSE(r.runs[0].survived);
}

TEST_CASE("survival: settings that cannot work are clear errors", "[validate][survival]") {
  const runtime::CalculatorPtr sw = runtime::load_calculator(test::lammps_potentials + "Si.sw");
  validate::SurvivalOptions o = short_silicon_runs();
  o.hard_sphere = 3.5;  // spheres of 3.5 A cannot fill 20 A^3 per atom
  CHECK_THROWS_WITH(validate::survival_test(*sw, o), Catch::Contains("fill"));
  o = short_silicon_runs();
  o.composition = {{14, 1}, {6, 2}};
  CHECK_THROWS_WITH(validate::survival_test(*sw, o), Catch::Contains("formula units"));
  o = short_silicon_runs();
  o.collapse_distance = 2.5;
  CHECK_THROWS_WITH(validate::survival_test(*sw, o), Catch::Contains("collapse distance"));
  o = short_silicon_runs();
  o.runs = 0;
  CHECK_THROWS_WITH(validate::survival_test(*sw, o), Catch::Contains("at least one run"));
}
