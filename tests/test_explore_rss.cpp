// The RSS loop (include/pestle/explore/rss_loop.hpp): two tiny iterations, checkpoints, resume.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "pestle/explore/rss_loop.hpp"
#include "pestle/reference/stillinger_weber.hpp"
#include "test_helpers.hpp"

using namespace pestle;
using namespace pestle::explore;

namespace {

nlohmann::json tiny_config() {
  return nlohmann::json::parse(R"({
    "random_structures": [{"composition": {"Si": 1}, "atoms": [2, 4], "volume_per_atom": 20, "volume_spread": 0.2,
                           "min_separation": 2.1, "symmetry_probability": 0.5}],
    "labeller": {"type": "reference", "potential": "sw-si"},
    "fit": {"gap": "distance_2b cutoff=4.0 covariance_type=ard_se delta=1.0 theta_uniform=1.0 sparse_method=uniform n_sparse=8 : soap cutoff=4.0 n_max=4 l_max=3 atom_sigma=0.5 zeta=2 delta=0.2 covariance_type=dot_product n_sparse=15 sparse_method=cur_points",
            "default_sigma": [0.005, 0.1, 0.0]},
    "initial_structures": 6, "iterations": 3, "rss_structures": 6, "select": 3, "pool": 4, "kT": 0.3,
    "relax": {"fmax": 0.1, "max_steps": 25, "hookean_k": 5.0, "hookean_d_min": 1.8, "hookean_steps": 10},
    "validation_structures": 4, "dimers": {"r_min": 1.8, "r_max": 3.6, "count": 3},
    "selection_soap": {"cutoff": 4.0, "n_max": 4, "l_max": 3}, "seed": 3
  })");
}

// The same search fitting linear ACE: body order 3 (ranks 1 and 2) with l_max 2 spans the
// Stillinger-Weber energy (a pair term plus g(r_ij) g(r_ik) (cos θ + 1/3)^2) up to the radial basis.
nlohmann::json tiny_ace_config() {
  nlohmann::json j = tiny_config();
  j["fit"] = nlohmann::json::parse(R"({"model": "ace_linear",
    "descriptor": {"type": "ace", "elements": ["Si"], "cutoff": 3.8, "d_cut": 0.05, "lambda": 0.5,
                   "ranks": {"1": {"n_max": 10}, "2": {"n_max": 6, "l_max": 2}}},
    "weights": {"energy": 30, "force": 1, "per_atom_energy": true},
    "solver": {"type": "ridge", "ridge": 1e-8}, "energy_sigma_fraction": 0.1})");
  j["initial_structures"] = 20;
  j["validation_structures"] = 8;
  return j;
}

/// A run folder that does not exist yet (the loop creates it).
std::filesystem::path rss_scratch(const std::string& name) {
  const std::filesystem::path p = test::temp_path("rss_" + name);
  std::filesystem::remove_all(p);
  return p;
}

}  // namespace

TEST_CASE("rss config: defaults, strict keys, bad values", "[explore]") {
  const RssConfig c = parse_rss_config(tiny_config(), ".");
  CHECK(c.random_structures.size() == 1);
  CHECK(c.random_structures[0].composition.at(14) == 1);
  CHECK(c.select == 3);
  CHECK(c.relax.hookean_k == 5.0);
  CHECK(c.dimer_count == 3);
  auto j = tiny_config();
  j["selectt"] = 3;
  CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("selectt"));
  j = tiny_config();
  j["select"] = 10;  // more than rss_structures
  CHECK_THROWS_AS(parse_rss_config(j, "."), InputError);
  j = tiny_config();
  j["random_structures"][0]["min_separation"] = 5.0;
  CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("densest packing"));
  CHECK_THROWS_WITH(make_labeller({{"type", "reference"}, {"potential", "nope"}}), Catch::Contains("nope"));
  CHECK_THROWS_AS(make_labeller({{"type", "dft"}}), InputError);
}

TEST_CASE("rss loop: two iterations, checkpoints, resume without relabelling", "[explore]") {
  const auto dir = rss_scratch("loop");
  const RssConfig config = parse_rss_config(tiny_config(), ".");
  auto counted = std::make_shared<std::atomic<int>>(0);
  auto make = [&] {
    Labeller l = make_labeller(config.labeller);
    const LabelFunction inner = l.label;
    l.label = [counted, inner](const Structure& s, const std::filesystem::path& w) {
      ++*counted;
      return inner(s, w);
    };
    return l;
  };
  RssReport first = RssLoop(config, make(), dir).run(2);
  REQUIRE(first.iterations.size() == 2);
  CHECK(first.resumed_after == 0);
  // iteration 0: 6 random + 1 isolated atom + 3 dimers; validation 4; iteration 1: 3 selected
  const int labelled_first = counted->load();
  CHECK(labelled_first == 6 + 1 + 3 + 4 + 3);
  CHECK(first.iterations[0].labelled_total == 10);
  CHECK(first.iterations[1].labelled_total == 13);
  CHECK(first.iterations[1].relaxed >= 3);
  CHECK(std::isfinite(first.iterations[1].energy_rmse_meV));
  CHECK(first.iterations[1].lowest_enthalpy < 0.0);
  for (const char* f : {"model.xml", "log.csv", "validation.xyz", "iter_000/DONE", "iter_001/dataset.xyz",
                        "iter_001/model.xml", "iter_001/lowest.xyz", "iter_001/summary.json"})
    CHECK(std::filesystem::exists(dir / f));
  CHECK(read_extxyz((dir / "iter_001" / "dataset.xyz").string()).size() == 13);
  CHECK_NOTHROW(runtime::load_calculator((dir / "model.xml").string()));
  {
    std::ifstream csv(dir / "log.csv");
    std::string line;
    int rows = 0;
    while (std::getline(csv, line)) ++rows;
    CHECK(rows == 3);  // header + 2 iterations
  }

  // Nothing left to do: a rerun with the same limit loads both iterations and labels nothing.
  const RssReport idle = RssLoop(config, make(), dir).run(2);
  CHECK(idle.resumed_after == 2);
  CHECK(counted->load() == labelled_first);

  // Interrupted during iteration 1 (its completion marker is missing): the rerun redoes iteration 1
  // from the checkpoint of iteration 0 and takes every label from the cache.
  std::filesystem::remove(dir / "iter_001" / "DONE");
  const RssReport resumed = RssLoop(config, make(), dir).run(2);
  CHECK(resumed.resumed_after == 1);
  CHECK(counted->load() == labelled_first);
  CHECK(resumed.labels.computed == 0);
  CHECK(resumed.labels.cached == 4 + 3);
  REQUIRE(resumed.iterations.size() == 2);
  CHECK(resumed.iterations[1].labelled_total == first.iterations[1].labelled_total);
  CHECK(resumed.iterations[1].energy_rmse_meV == Approx(first.iterations[1].energy_rmse_meV).epsilon(1e-9));
  std::filesystem::remove_all(dir);
}

TEST_CASE("rss loop fitting linear ACE: model.json, resume, bad fit sections", "[explore]") {
  auto j = tiny_ace_config();
  const RssConfig config = parse_rss_config(j, ".");
  CHECK(config.model == RssModelKind::ace_linear);
  CHECK(config.ace.spec.nmax == std::vector<int>{10, 6});
  CHECK(config.energy_sigma_fraction == 0.1);
  j["fit"]["default_sigma"] = {0.003, 0.1, 0.0};  // a GAP key
  CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("default_sigma"));
  j = tiny_ace_config();
  j["fit"]["model"] = "ace";
  CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("ace_linear"));
  j = tiny_ace_config();
  j["fit"]["descriptor"]["ranks"]["2"]["l_max"] = 11;
  CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("l_max"));

  const auto dir = rss_scratch("ace");
  const RssReport first = RssLoop(config, make_labeller(config.labeller), dir).run(2);
  REQUIRE(first.iterations.size() == 2);
  for (const char* f : {"model.json", "iter_000/model.json", "iter_001/model.json", "iter_001/lowest.xyz"})
    CHECK(std::filesystem::exists(dir / f));
  CHECK_FALSE(std::filesystem::exists(dir / "model.xml"));
  CHECK(runtime::load_calculator((dir / "model.json").string())->name() == "ace");
  // 20 + 3 labelled random structures already pin SW down on the held-out random ones: measured
  // 14-18 meV/atom over seeds 3-5 (a basis too small for SW, n_max 6/4, gives 46).
  CHECK(first.iterations[1].energy_rmse_meV < 30.0);

  std::filesystem::remove(dir / "iter_001" / "DONE");
  const RssReport resumed = RssLoop(config, make_labeller(config.labeller), dir).run(2);
  CHECK(resumed.resumed_after == 1);
  CHECK(resumed.labels.computed == 0);
  REQUIRE(resumed.iterations.size() == 2);
  CHECK(resumed.iterations[1].energy_rmse_meV == Approx(first.iterations[1].energy_rmse_meV).epsilon(1e-9));
  std::filesystem::remove_all(dir);
}

TEST_CASE("rss loop skips failed labels and keeps going", "[explore]") {
  const auto dir = rss_scratch("fail");
  const RssConfig config = parse_rss_config(tiny_config(), ".");
  Labeller l = make_labeller(config.labeller);
  const LabelFunction inner = l.label;
  std::atomic<int> calls{0};
  l.label = [&calls, inner](const Structure& s, const std::filesystem::path& w) {
    // every third structure "crashes", one returns NaN
    const int k = calls++;
    if (k % 3 == 2) throw Error("simulated crash");
    Labels out = inner(s, w);
    if (k == 4) out.energy = std::nan("");
    return out;
  };
  l.id = "flaky";
  const RssReport r = RssLoop(config, l, dir).run(1);
  REQUIRE(r.iterations.size() == 1);
  CHECK(r.iterations[0].failed > 0);
  CHECK(r.labels.failed > 0);
  for (const Frame& f : read_extxyz((dir / "iter_000" / "dataset.xyz").string()))
    CHECK(std::isfinite(*f.labels.energy));
  std::filesystem::remove_all(dir);
}

TEST_CASE("energy-scaled regularisation weights", "[explore]") {
  Dataset d;
  for (double e : {-8.0, -6.0, 2.0, -1.0}) {
    Frame f;
    f.structure = isolated_atom(14);
    f.structure.add_atom(14, Vec3(1, 1, 1));
    f.labels.energy = e;  // per atom: -4, -3, 1, -0.5
    d.push_back(f);
  }
  d[3].labels.config_type = "dimer";
  apply_energy_scaled_sigma(d, 0.1, 0.003);
  CHECK(d[0].labels.weight == 1.0);
  CHECK(d[1].labels.weight == Approx(0.003 / 0.1));   // 1 eV/atom above: σ = 0.1 eV/atom
  CHECK(d[2].labels.weight == Approx(0.003 / 0.5));   // 5 eV/atom above
  CHECK(d[3].labels.weight == 1.0);                   // dimers keep their own σ
  Dataset same = d;
  apply_energy_scaled_sigma(same, 0.0, 0.003);
  CHECK(same[1].labels.weight == d[1].labels.weight);  // f = 0 leaves weights alone
}

TEST_CASE("hot-AIRSS: anneal keys, and shaken minima are never above the plain ones", "[explore]") {
  auto j = tiny_config();
  j["relax"]["anneal"] = {{"cycles", 2}, {"temperature", 1500}, {"steps", 40}};
  const RssConfig c = parse_rss_config(j, ".");
  CHECK(c.relax.anneal.cycles == 2);
  CHECK(c.relax.anneal.temperature == 1500.0);
  CHECK(c.relax.anneal.timestep == 1.0);
  for (const auto& [key, value] : {std::pair<const char*, double>{"temperature", -1.0}, {"steps", 0.0}, {"timestep", 50.0}}) {
    auto bad = j;
    bad["relax"]["anneal"][key] = value;
    CHECK_THROWS_WITH(parse_rss_config(bad, "."), Catch::Contains(key));
  }
  auto typo = j;
  typo["relax"]["anneal"]["temprature"] = 300;
  CHECK_THROWS_WITH(parse_rss_config(typo, "."), Catch::Contains("temprature"));

  // Stillinger-Weber as the model: each shaken structure keeps the lower of its minima, so it can
  // only go down; over 8 random 6-8 atom cells some shake finds a lower basin.
  RandomStructureParams p = c.random_structures[0];
  p.min_atoms = 6;
  p.max_atoms = 8;
  const std::vector<Structure> start = RandomStructureGenerator({p}, 11).generate(0, 8);
  const StillingerWeber sw = StillingerWeber::silicon();
  RssRelaxSettings plain = c.relax;
  plain.max_steps = 300;
  plain.anneal.cycles = 0;
  RssRelaxSettings hot = plain;
  hot.anneal = c.relax.anneal;
  const auto a = relax_structures(sw, start, plain, 5);
  const auto b = relax_structures(sw, start, hot, 5);
  REQUIRE(a.size() == b.size());
  std::size_t lower = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(b[i].enthalpy_per_atom <= a[i].enthalpy_per_atom + 1e-9);
    if (b[i].enthalpy_per_atom < a[i].enthalpy_per_atom - 1e-3) ++lower;
  }
  CHECK(lower >= 1);
  // The shakes are seeded: a rerun finds the same minima.
  const auto again = relax_structures(sw, start, hot, 5);
  REQUIRE(again.size() == b.size());
  for (std::size_t i = 0; i < b.size(); ++i) CHECK(again[i].enthalpy_per_atom == Approx(b[i].enthalpy_per_atom).margin(1e-6));
}

TEST_CASE("every RSS config under examples/rss parses, with its labeller", "[explore][examples]") {
  const std::filesystem::path dir = std::filesystem::path(PESTLE_TEST_DIR) / ".." / "examples" / "rss";
  std::size_t loops = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    const nlohmann::json j = read_json_file(e.path(), "example");
    if (!j.contains("random_structures")) continue;  // si-liquid-md.json is a pestle validate config
    INFO(e.path().string());
    const RssConfig c = load_rss_config(e.path());
    CHECK_NOTHROW(make_labeller(c.labeller));
    ++loops;
  }
  CHECK(loops >= 5);  // si-sw, si-sw-ace, si-sw-ace-generic, si-gpaw, si-gpaw-ace
}

TEST_CASE("rss loop: phase errors against the labeller, never trained on, backfilled on resume", "[explore]") {
  const auto dir = rss_scratch("phases");
  // Two iterations without "phases", then the same run with them: the curve covers both.
  RssLoop(parse_rss_config(tiny_config(), "."), make_labeller(tiny_config()["labeller"]), dir).run(2);
  auto j = tiny_config();
  j["phases"] = nlohmann::json::parse(R"({"structures": ["diamond", {"prototype": "beta-Sn", "a": 4.9, "c": 2.7}],
                                          "copies": 3, "rattle": 0.01})");
  const RssConfig config = parse_rss_config(j, ".");
  const RssReport resumed = RssLoop(config, make_labeller(config.labeller), dir).run(2);
  CHECK(resumed.resumed_after == 2);
  CHECK(resumed.phase_labels.computed == 6);
  CHECK(resumed.labels.computed == 0);  // the phases' labels are counted apart
  const Dataset phases = read_extxyz((dir / "phases.xyz").string());
  REQUIRE(phases.size() == 6);
  CHECK(phases[0].size() == 8);  // diamond's conventional cell
  CHECK(phases[3].size() == 8);  // β-Sn's cell (4 atoms) repeated along its short c axis
  CHECK(phases[0].labels.config_type == "diamond");
  // the labels are the labeller's (SW) energies of rattled, distinct copies
  const StillingerWeber sw = StillingerWeber::silicon();
  CHECK(*phases[1].labels.energy == Approx(sw.compute(phases[1].structure).energy).epsilon(1e-10));
  CHECK(phases[1].structure.positions[0] != phases[0].structure.positions[0]);
  // The recorded error is the iteration's model's RMSE on its phase's copies.
  for (std::size_t k = 0; k < 2; ++k) {
    const auto it = dir / ("iter_00" + std::to_string(k));
    const auto rec = RssIterationRecord::from_json(read_json_file(it / "summary.json", "summary"));
    REQUIRE(rec.phase_errors.size() == 2);
    CHECK(rec.phase_errors[1].phase == "beta-Sn");
    const auto model = runtime::load_calculator((it / "model.xml").string());
    double sum = 0.0;
    for (std::size_t c = 3; c < 6; ++c) {
      const double d = (model->compute(phases[c].structure).energy - *phases[c].labels.energy) / 8.0;
      sum += d * d;
    }
    CHECK(rec.phase_errors[1].energy_rmse_meV == Approx(1e3 * std::sqrt(sum / 3.0)).epsilon(1e-9));
    CHECK(rec.phase_errors[1].copies == 3);
    for (const Frame& f : read_extxyz((it / "dataset.xyz").string()))
      CHECK((f.labels.config_type != "diamond" && f.labels.config_type != "beta-Sn"));
  }
  // One more iteration: its point joins the curve; the phases come from their cache.
  const RssReport more = RssLoop(config, make_labeller(config.labeller), dir).run(3);
  CHECK(more.phase_labels.computed == 0);
  CHECK(more.phase_labels.cached == 6);
  REQUIRE(more.iterations.size() == 3);
  CHECK(more.iterations[2].phase_errors.size() == 2);
  std::ifstream csv(dir / "phase_errors.csv");
  std::string line;
  std::getline(csv, line);
  CHECK(line == "iteration,labelled_total,phase,copies,energy_rmse_meV_per_atom,force_rmse_eV_per_A");
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  CHECK(rows == 3 * 2);
  CHECK(std::filesystem::exists(dir / "phase_errors.svg"));
  const auto summary = read_json_file(dir / "phase_errors.json", "phase summary");
  CHECK(summary["crossed_at_labels"].contains("diamond"));
  std::filesystem::remove_all(dir);

  SECTION("stop_when ends the loop once the named phases are below the target") {
    auto s = j;
    s["phases"]["target_meV"] = 1e6;
    s["phases"]["stop_when"] = {"diamond"};
    const auto stop_dir = rss_scratch("phases_stop");
    const RssConfig stop_config = parse_rss_config(s, ".");
    const RssReport r = RssLoop(stop_config, make_labeller(stop_config.labeller), stop_dir).run(3);
    CHECK(r.target_reached);
    CHECK(r.iterations.size() == 1);
    std::filesystem::remove_all(stop_dir);
  }
  SECTION("bad phase lists are refused with the reason") {
    auto bad = j;
    bad["phases"]["structures"] = {"diamond", "diamond"};
    CHECK_THROWS_WITH(parse_rss_config(bad, "."), Catch::Contains("two phases are named 'diamond'"));
    bad["phases"]["structures"] = {"wurtzite"};
    CHECK_THROWS_WITH(parse_rss_config(bad, "."), Catch::Contains("unknown phase 'wurtzite'"));
    bad["phases"]["structures"] = {{{"prototype", "hcp"}, {"a", 2.7}}};  // hcp needs c
    CHECK_THROWS_WITH(parse_rss_config(bad, "."), Catch::Contains("c > 0"));
    bad["phases"] = j["phases"];
    bad["phases"]["stop_when"] = {"bcc"};
    CHECK_THROWS_WITH(parse_rss_config(bad, "."), Catch::Contains("not one of the phases"));
    bad = j;
    bad["random_structures"][0]["composition"] = {{"Ge", 1}};
    bad["labeller"] = {{"type", "command"}, {"command", "true"}};
    CHECK_THROWS_WITH(parse_rss_config(bad, "."), Catch::Contains("silicon's lattice constants"));
  }
}

TEST_CASE("rss loop: selection by the model's own uncertainty (GAP variance here)", "[explore]") {
  const auto dir = rss_scratch("uncertainty");
  auto j = tiny_config();
  j["selection"] = "uncertainty";
  const RssConfig config = parse_rss_config(j, ".");
  CHECK(config.select_by_uncertainty);
  std::vector<std::string> lines;
  const RssReport r = RssLoop(config, make_labeller(config.labeller), dir, [&](const std::string& m) { lines.push_back(m); }).run(2);
  REQUIRE(r.iterations.size() == 2);
  CHECK(r.iterations[1].labelled_new == 3);
  CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& m) {
    return m.find("largest gap_variance in the pool") != std::string::npos;
  }));
  j["selection"] = "maxvol";
  CHECK_THROWS_WITH(parse_rss_config(j, "."), Catch::Contains("\"uncertainty\""));
  std::filesystem::remove_all(dir);
}
