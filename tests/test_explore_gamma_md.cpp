// The γ-driven MD stage (include/pestle/explore/gamma_md.hpp) and its place in the RSS loop: a run stops
// at the first check above γ_high, frames with γ in [γ_low, γ_high] become candidates, the ramp reaches
// its end temperature, the loop labels the selected frames (config type md_KKK) and an interrupted
// iteration resumes to the same numbers without a new label; bad "md" sections are clear errors.
#include <catch2/catch.hpp>

#include <filesystem>

#include "pestle/core/lattices.hpp"
#include "pestle/explore/rss_loop.hpp"
#include "pestle/runtime/load.hpp"
#include "ace_fit_fixtures.hpp"
#include "test_helpers.hpp"

using namespace pestle;
using namespace pestle::explore;

namespace {

const std::string gamma_md_snap = test::lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff";

GammaMdSettings gamma_md_short_run() {
  GammaMdSettings o;
  o.runs = 1;
  o.t_start = 300.0;
  o.t_end = 600.0;
  o.steps = 40;
  o.check_every = 10;
  return o;
}

nlohmann::json gamma_md_loop_config() {
  return nlohmann::json::parse(R"({
    "random_structures": [{"composition": {"Si": 1}, "atoms": [2, 4], "volume_per_atom": 20, "volume_spread": 0.2,
                           "min_separation": 2.1, "symmetry_probability": 0.5}],
    "labeller": {"type": "reference", "potential": "sw-si"},
    "fit": {"model": "ace_linear",
            "descriptor": {"type": "ace", "elements": ["Si"], "cutoff": 3.8, "d_cut": 0.05, "lambda": 0.5,
                           "ranks": {"1": {"n_max": 10}, "2": {"n_max": 6, "l_max": 2}}},
            "weights": {"energy": 30, "force": 1, "per_atom_energy": true},
            "solver": {"type": "ridge", "ridge": 1e-8}, "energy_sigma_fraction": 0.1},
    "initial_structures": 20, "iterations": 2, "rss_structures": 6, "select": 3, "pool": 4, "kT": 0.3,
    "relax": {"fmax": 0.1, "max_steps": 25, "hookean_k": 5.0, "hookean_d_min": 1.8, "hookean_steps": 10},
    "validation_structures": 8, "dimers": {"r_min": 1.8, "r_max": 3.6, "count": 3},
    "selection_soap": {"cutoff": 4.0, "n_max": 4, "l_max": 3},
    "md": {"runs": 2, "random_starts": 2, "t_start": 300, "t_end": 1500, "steps": 60, "check_every": 10,
           "gamma_low": 1.0, "gamma_high": 1000, "select": 3},
    "seed": 5
  })");
}

}  // namespace

TEST_CASE("gamma MD run: stops above gamma_high, collects frames in [gamma_low, gamma_high]", "[explore][gamma_md]") {
  const runtime::CalculatorPtr snap = runtime::load_calculator(gamma_md_snap);
  const runtime::Grader grader = runtime::Grader::from_training(gamma_md_snap, test::mo_training_subset());
  const Structure squeezed = cubic_supercell(cubic_basis::bcc, 3.16 * 0.85, 3, 42);
  const double start_gamma = grader.max_grade(squeezed);
  REQUIRE(start_gamma > 3.0);

  SECTION("above gamma_high at the first check: the run stops there") {
    GammaMdSettings o = gamma_md_short_run();
    o.gamma_low = 1.0;
    o.gamma_high = 0.5 * start_gamma;
    const GammaMdRun r = gamma_md_run(*snap, grader, squeezed, o, 1);
    CHECK(r.stopped);
    CHECK(r.checks == 1);
    CHECK(r.candidates.empty());
    CHECK(r.max_gamma > o.gamma_high);
    CHECK(r.failure.find("gamma_high") != std::string::npos);
  }
  SECTION("inside the window: every checked frame is a candidate, with its gamma") {
    GammaMdSettings o = gamma_md_short_run();
    o.gamma_low = 1.0;
    o.gamma_high = 100.0 * start_gamma;
    const GammaMdRun r = gamma_md_run(*snap, grader, squeezed, o, 1);
    CHECK_FALSE(r.stopped);
    CHECK(r.checks == 4);
    REQUIRE(r.candidates.size() == 4);
    for (std::size_t i = 0; i < r.candidates.size(); ++i) {
      CHECK(r.candidate_gamma[i] == Approx(grader.max_grade(r.candidates[i])).epsilon(1e-12));
      CHECK(r.candidate_gamma[i] >= o.gamma_low);
    }
  }
  SECTION("NPT: with a barostat at zero pressure the squeezed cell expands, under NVT it keeps its volume") {
    GammaMdSettings o = gamma_md_short_run();
    o.gamma_low = 1.0;
    o.gamma_high = 100.0 * start_gamma;
    const GammaMdRun nvt = gamma_md_run(*snap, grader, squeezed, o, 1);
    o.pressure_gpa = 0.0;
    o.barostat_tau = 200.0;  // fast, so that 40 fs of a cell squeezed to 85 % show it
    o.bulk_modulus_gpa = 260.0;
    const GammaMdRun npt = gamma_md_run(*snap, grader, squeezed, o, 1);
    INFO(npt.failure);
    REQUIRE(nvt.candidates.size() == 4);
    REQUIRE(npt.candidates.size() == 4);
    CHECK(nvt.candidates.back().volume() == Approx(squeezed.volume()).epsilon(1e-12));
    CHECK(npt.candidates.back().volume() > 1.03 * squeezed.volume());
    // a relieved cell extrapolates less
    CHECK(npt.candidate_gamma.back() < nvt.candidate_gamma.back());
  }
  SECTION("below gamma_low: nothing to learn") {
    GammaMdSettings o = gamma_md_short_run();
    o.gamma_low = 10.0 * start_gamma;
    o.gamma_high = 100.0 * start_gamma;
    const GammaMdRun r = gamma_md_run(*snap, grader, squeezed, o, 1);
    CHECK(r.checks == 4);
    CHECK(r.candidates.empty());
  }
  SECTION("the stage pools the runs and picks at most select frames, the same ones when repeated") {
    GammaMdSettings o = gamma_md_short_run();
    o.gamma_low = 1.0;
    o.gamma_high = 100.0 * start_gamma;
    o.select = 3;
    SoapParams sp;
    sp.cutoff = 4.5;
    sp.n_max = 4;
    sp.l_max = 3;
    const std::vector<Structure> starts(3, squeezed);
    const GammaMdOutcome a = gamma_md_stage(*snap, grader, starts, o, Soap<>(sp), 9);
    CHECK(a.runs.size() == 3);
    CHECK(a.candidates == 12);
    REQUIRE(a.selected.size() == 3);
    const GammaMdOutcome b = gamma_md_stage(*snap, grader, starts, o, Soap<>(sp), 9);
    // the force sums run in parallel and are not bitwise reproducible, so the trajectories agree to round-off
    for (std::size_t i = 0; i < 3; ++i) CHECK(a.selected_gamma[i] == Approx(b.selected_gamma[i]).epsilon(1e-8));
  }
}

TEST_CASE("gamma MD ramp and thermostat retargeting", "[explore][gamma_md][dynamics]") {
  GammaMdSettings o = gamma_md_short_run();
  CHECK(explore::detail::gamma_md::ramp_temperature(o, 0) == 300.0);
  CHECK(explore::detail::gamma_md::ramp_temperature(o, 20) == 450.0);
  CHECK(explore::detail::gamma_md::ramp_temperature(o, 40) == 600.0);
  // a Langevin run retargeted from 300 K to 3000 K heats up
  const runtime::CalculatorPtr snap = runtime::load_calculator(gamma_md_snap);
  MdOptions md_options;
  md_options.thermostat = LangevinThermostat{300.0, 0.1, 3};
  MolecularDynamics<runtime::Calculator> md(*snap, cubic_supercell(cubic_basis::bcc, 3.16, 2, 42), md_options);
  md.initialise_velocities(300.0, 4);
  md.set_thermostat_temperature(3000.0);
  md.run(200, 0);
  CHECK(md.state().temperature > 1200.0);
  MolecularDynamics<runtime::Calculator> nve(*snap, cubic_supercell(cubic_basis::bcc, 3.16, 2, 42));
  CHECK_THROWS_WITH(nve.set_thermostat_temperature(500.0), Catch::Contains("no thermostat"));
}

TEST_CASE("rss loop with the gamma MD stage: md frames labelled, exact resume, bad md sections", "[explore][gamma_md]") {
  const RssConfig config = parse_rss_config(gamma_md_loop_config(), ".");
  CHECK(config.md.runs == 2);
  CHECK(config.md.random_starts == 2);
  CHECK(config.md.gamma_high == 1000.0);
  {  // bad md sections
    auto j = gamma_md_loop_config();
    j["md"]["gamma_low"] = 6.0;
    j["md"]["gamma_high"] = 5.0;
    CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("gamma_low < gamma_high"));
    j = gamma_md_loop_config();
    j["md"]["check_every"] = 100;
    CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("check_every"));
    j = gamma_md_loop_config();
    j["md"] = nlohmann::json::object();
    CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("runs"));
    j = gamma_md_loop_config();
    j["md"]["temperature"] = 300;
    CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("temperature"));
    j = gamma_md_loop_config();
    j["fit"] = nlohmann::json::parse(R"({"gap": "distance_2b cutoff=4.0 n_sparse=8", "default_sigma": [0.005, 0.1, 0.0]})");
    CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("extrapolation grade"));
  }

  const std::filesystem::path dir = test::temp_path("rss_gamma_md");
  std::filesystem::remove_all(dir);
  const RssReport first = RssLoop(config, make_labeller(config.labeller), dir).run(2);
  REQUIRE(first.iterations.size() == 2);
  const RssIterationRecord& it = first.iterations[1];
  CHECK(first.iterations[0].md_runs == 0);  // iteration 0 has no model to run
  CHECK(it.md_runs == 4);
  CHECK(it.md_max_gamma >= 1.0);
  CHECK(it.md_candidates >= it.md_selected);
  REQUIRE(it.md_selected >= 1);
  CHECK(it.md_selected <= 3);
  std::size_t md_frames = 0;
  for (const Frame& f : read_extxyz((dir / "iter_001" / "dataset.xyz").string()))
    if (f.labels.config_type == "md_001") ++md_frames;
  CHECK(md_frames == it.md_selected);
  CHECK(it.labelled_new == it.md_selected + 3);  // the RSS selection plus the MD frames

  // interrupted after the selection was saved: the same frames come from the label cache
  std::filesystem::remove(dir / "iter_001" / "DONE");
  const RssReport resumed = RssLoop(config, make_labeller(config.labeller), dir).run(2);
  CHECK(resumed.resumed_after == 1);
  CHECK(resumed.labels.computed == 0);
  REQUIRE(resumed.iterations.size() == 2);
  CHECK(resumed.iterations[1].md_selected == it.md_selected);
  CHECK(resumed.iterations[1].md_max_gamma == it.md_max_gamma);
  CHECK(resumed.iterations[1].energy_rmse_meV == Approx(it.energy_rmse_meV).epsilon(1e-9));
  std::filesystem::remove_all(dir);

}
