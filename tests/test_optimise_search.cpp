// Hyperparameter search over a tiny SNAP fit (include/pestle/optimise/hyperparameter_search.hpp):
// history rows, best model, resume without refitting, failed fits recorded, config errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "pestle/data/extxyz.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/optimise/hyperparameter_search.hpp"
#include "pestle/runtime/fitting.hpp"
#include "test_helpers.hpp"

using namespace pestle::optimise;
using nlohmann::json;

namespace {

/// A fresh folder with 8 training and 4 validation structures of the Zuo Mo set.
std::filesystem::path tiny_data(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("pestle_optimise_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  static const pestle::Dataset all = pestle::read_extxyz(pestle::test::shared("data/zuo2020/Mo_train.xyz"));
  pestle::Dataset train, val;
  for (std::size_t k = 0; k < 12; ++k) (k < 8 ? train : val).push_back(all[k * 15]);
  pestle::write_extxyz((dir / "train.xyz").string(), train);
  pestle::write_extxyz((dir / "val.xyz").string(), val);
  return dir;
}

/// dir/all.xyz: the 12 structures of tiny_data, every `step`-th of them in config_type `name`.
void write_all_with_config_type(const std::filesystem::path& dir, std::size_t step, const std::string& name) {
  pestle::Dataset all = pestle::read_extxyz((dir / "train.xyz").string());
  for (auto& f : pestle::read_extxyz((dir / "val.xyz").string())) all.push_back(f);
  for (std::size_t k = 0; k < all.size(); k += step) all[k].labels.config_type = name;
  pestle::write_extxyz((dir / "all.xyz").string(), all);
}

json tiny_search() {
  return json::parse(R"({
    "fit": {"model": "snap",
            "descriptor": {"twojmax": 2, "rcutfac": 4.6, "rfac0": 0.99363, "rmin0": 0.0,
                           "elements": {"Mo": {"radius": 0.5, "weight": 1.0}}},
            "training": "train.xyz",
            "weights": {"energy": 100, "force": 1, "per_atom_energy": true},
            "solver": {"type": "ridge", "ridge": 1e-8}},
    "space": [{"name": "rcutfac", "path": "/descriptor/rcutfac", "type": "real", "low": 4.0, "high": 5.0},
              {"name": "twojmax", "path": "/descriptor/twojmax", "type": "categorical", "choices": [2, 4]}],
    "validation": {"file": "val.xyz"},
    "loss": {"alpha": 0.8},
    "optimiser": {"initial_points": 3, "seed": 1, "candidates": 300},
    "budget": 5
  })");
}

std::vector<std::string> lines(const std::filesystem::path& f) {
  std::ifstream in(f);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("search on a tiny SNAP fit: history, best model, resume after an interruption", "[optimise][search]") {
  const auto dir = tiny_data("resume");
  const SearchConfig config = parse_search_config(tiny_search(), dir);
  std::ostringstream log;
  {
    HyperparameterSearch s(config, dir / "run", &log);
    s.run(3);  // "interrupted" after three evaluations
    CHECK(s.new_evaluations() == 3);
  }
  const auto first = lines(dir / "run" / "history.csv");
  REQUIRE(first.size() == 4);
  CHECK(first[0] ==
        "iteration,status,rcutfac,twojmax,loss,energy_error,force_error,energy_rmse_meV_per_atom,force_component_rmse,"
        "fit_seconds,message");
  CHECK(std::filesystem::exists(dir / "run" / "best.model.json"));
  CHECK(std::filesystem::exists(dir / "run" / "convergence.svg"));

  // A kill while a row was being written leaves half a line: it is dropped, not misread.
  std::ofstream(dir / "run" / "history.csv", std::ios::app) << "4,ok,4.61";

  HyperparameterSearch resumed(config, dir / "run", &log);
  resumed.run(5);
  CHECK(resumed.new_evaluations() == 2);  // exactly the two missing fits
  const auto second = lines(dir / "run" / "history.csv");
  REQUIRE(second.size() == 6);
  for (std::size_t k = 0; k < 4; ++k) CHECK(second[k] == first[k]);  // finished rows untouched
  CHECK(log.str().find("resumed 3 evaluations") != std::string::npos);
  CHECK(log.str().find("dropping an incomplete last line") != std::string::npos);
  resumed.run(5);  // nothing left to do
  CHECK(resumed.new_evaluations() == 0);

  // The best row is what best.model.json holds, and its errors are reproduced by the model.
  double best = 1e300;
  for (const auto& r : resumed.history()) {
    CHECK_FALSE(r.failed);
    CHECK(r.loss == Approx(0.8 * r.errors.energy + 0.2 * r.errors.force));
    best = std::min(best, r.loss);
  }
  json meta;
  const pestle::AnyPotential model = pestle::load_model((dir / "run" / "best.model.json").string(), &meta);
  CHECK(meta["search"]["loss"].get<double>() == Approx(best).epsilon(1e-9));
  const pestle::Dataset val = pestle::read_extxyz((dir / "val.xyz").string());
  double e2 = 0, f2 = 0;
  std::size_t atoms = 0;
  for (const auto& fr : val.frames) {
    const auto p = model.compute(fr.structure);
    e2 += std::pow(p.energy - *fr.labels.energy, 2) / static_cast<double>(fr.size());
    for (std::size_t a = 0; a < fr.size(); ++a, ++atoms) f2 += (p.forces[a] - (*fr.labels.forces)[a]).squaredNorm();
  }
  CHECK(0.8 * std::sqrt(e2 / val.size()) + 0.2 * std::sqrt(f2 / atoms) == Approx(best).epsilon(1e-6));

  // An uninterrupted run of 5 proposes the same points as 3 + 2.
  HyperparameterSearch straight(config, dir / "straight", nullptr);
  straight.run(5);
  REQUIRE(straight.history().size() == 5);
  for (std::size_t k = 0; k < 5; ++k) CHECK(straight.history()[k].point == resumed.history()[k].point);
  resumed.write_parity_plot();
  CHECK(std::filesystem::exists(dir / "run" / "parity.svg"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("search: a failed fit is recorded and the search goes on", "[optimise][search]") {
  const auto dir = tiny_data("failed");
  json j = tiny_search();
  // Without force rows a quadratic model has more coefficients than the 8 energy rows; with
  // no ridge the solver refuses (under-determined), a genuine failed fit.
  j["fit"]["model"] = "qsnap";
  j["fit"]["solver"]["ridge"] = 0.0;
  j["space"] = json::parse(R"([{"name": "fweight", "path": "/weights/force", "type": "categorical", "choices": [0, 1]},
                               {"name": "rcutfac", "path": "/descriptor/rcutfac", "type": "real", "low": 4.0, "high": 5.0}])");
  j["optimiser"]["initial_points"] = 4;
  j["validation"] = {{"folds", 2}};  // also exercises k-fold cross-validation
  HyperparameterSearch s(parse_search_config(j, dir), dir / "run", nullptr);
  s.run(4);
  REQUIRE(s.history().size() == 4);
  int failed = 0;
  for (const auto& r : s.history()) {
    if (r.failed) {
      ++failed;
      CHECK(r.message.find("under-determined") != std::string::npos);
      CHECK(std::get<std::string>(r.point[0]) == "0");
    } else {
      CHECK(std::isfinite(r.loss));
    }
  }
  CHECK(failed == 2);  // the Hammersley design puts half of its points on each choice
  CHECK(std::filesystem::exists(dir / "run" / "best.model.json"));
  const auto rows = lines(dir / "run" / "history.csv");
  int failed_rows = 0;
  for (const auto& r : rows) failed_rows += r.find(",failed,") != std::string::npos;
  CHECK(failed_rows == 2);
  // Failed rows are replayed as failures on resume, not refitted.
  HyperparameterSearch again(parse_search_config(j, dir), dir / "run", nullptr);
  again.run(4);
  CHECK(again.new_evaluations() == 0);
  CHECK(again.history()[0].failed == s.history()[0].failed);
  std::filesystem::remove_all(dir);
}

TEST_CASE("k-fold search: one descriptor pass gives the errors of refitting every fold", "[optimise][search]") {
  // 12 structures, 3 folds; half of them in a config_type with weight 5 and a virial weight,
  // so the fit's weights differ from row to row while the validation errors must not see them.
  const auto dir = tiny_data("one_pass");
  write_all_with_config_type(dir, 2, "heavy");
  for (const char* model : {"snap", "qsnap"})
    for (const bool per_atom : {true, false}) {
      json j = tiny_search();
      j["fit"]["model"] = model;
      j["fit"]["training"] = "all.xyz";
      j["fit"]["weights"] = {{"energy", 30}, {"force", 2}, {"virial", 0.1}, {"per_atom_energy", per_atom},
                             {"config_types", {{"heavy", 5.0}}}};
      j["validation"] = {{"folds", 3}, {"seed", 4}};
      const SearchConfig config = parse_search_config(j, dir);
      const HyperparameterSearch one_pass(config, dir / "one", nullptr);
      j["validation"]["refit"] = true;
      const HyperparameterSearch refit(parse_search_config(j, dir), dir / "refit", nullptr);
      const Point p = config.space.from_unit(std::vector<double>{0.3, 0.8});  // twojmax 4
      const EvaluationRecord a = one_pass.evaluate(p, 0), b = refit.evaluate(p, 0);
      INFO(model << (per_atom ? ", per-atom energy rows" : ", total-energy rows") << ": " << a.message << b.message);
      REQUIRE(!a.failed);
      REQUIRE(!b.failed);
      // Same normal equations summed in another order: the qSNAP systems (condition ~1e8 at
      // ridge 1e-8) then differ at ~1e-7 relative; a weighting mistake would show at percents.
      CHECK(a.errors.energy == Approx(b.errors.energy).epsilon(1e-5));
      CHECK(a.errors.force == Approx(b.errors.force).epsilon(1e-5));
      CHECK(a.errors.energy_rmse_per_atom == Approx(b.errors.energy_rmse_per_atom).epsilon(1e-5));
      CHECK(a.errors.force_component_rmse == Approx(b.errors.force_component_rmse).epsilon(1e-5));
      CHECK(a.loss == Approx(b.loss).epsilon(1e-5));
      CHECK(a.errors.force > 0.01);  // real held-out errors, not a fit to its own rows
    }
  std::filesystem::remove_all(dir);
}

TEST_CASE("hold-out validation: a stratified part of the training set, never fitted", "[optimise][search]") {
  const auto dir = tiny_data("holdout");
  write_all_with_config_type(dir, 3, "third");
  json j = tiny_search();
  j["fit"]["training"] = "all.xyz";
  j["validation"] = {{"holdout", 0.25}, {"seed", 2}};
  HyperparameterSearch s(parse_search_config(j, dir), dir / "run", nullptr);
  REQUIRE(s.validation().size() == 3);  // the first of round(1/0.25) = 4 folds of 12
  REQUIRE(s.training().size() == 9);
  int third = 0;
  for (const auto& f : s.validation()) {
    third += f.labels.config_type == "third";
    for (const auto& g : s.training()) CHECK(f.structure.positions != g.structure.positions);
  }
  CHECK(third == 1);  // 4 of 12 are "third": stratified, one per fold
  s.run(2);
  REQUIRE(s.history().size() == 2);
  // The saved model is the one fitted on the 9 and scored on the 3.
  const auto& h = s.history();
  const double best = std::min(h[0].loss, h[1].loss);
  const pestle::AnyPotential model = pestle::load_model((dir / "run" / "best.model.json").string());
  double e2 = 0.0, f2 = 0.0, atoms = 0.0;
  for (const auto& f : s.validation()) {
    const auto p = model.compute(f.structure);
    e2 += std::pow(p.energy - *f.labels.energy, 2) / static_cast<double>(f.size());
    for (std::size_t a = 0; a < f.size(); ++a) f2 += (p.forces[a] - (*f.labels.forces)[a]).squaredNorm();
    atoms += static_cast<double>(f.size());
  }
  CHECK(0.8 * std::sqrt(e2 / 3.0) + 0.2 * std::sqrt(f2 / atoms) == Approx(best).epsilon(1e-6));
  std::filesystem::remove_all(dir);
}

TEST_CASE("gap_key edits one key of one term of a gap_fit string", "[optimise][search]") {
  using pestle::optimise::detail::search::set_gap_term_key;
  const std::string two = "distance_2b cutoff=4.0 delta=1.0 : soap cutoff=5.0 n_max=8";
  CHECK(set_gap_term_key(two, 1, "cutoff", "4.5") == "distance_2b cutoff=4.0 delta=1.0 : soap cutoff=4.5 n_max=8");
  CHECK(set_gap_term_key(two, 0, "delta", "0.5") == "distance_2b cutoff=4.0 delta=0.5 : soap cutoff=5.0 n_max=8");
  CHECK(set_gap_term_key(two, 1, "zeta", "2") == "distance_2b cutoff=4.0 delta=1.0 : soap cutoff=5.0 n_max=8 zeta=2");
  CHECK(set_gap_term_key("soap n_max=8", 0, "n", "3") == "soap n_max=8 n=3");  // a prefix is not the key
  CHECK_THROWS_WITH(set_gap_term_key(two, 2, "cutoff", "1"), Catch::Contains("no term 2"));
}

TEST_CASE("search over a GAP config (validation file) and a linear ACE config (k-fold refits)", "[optimise][search]") {
  const auto dir = tiny_data("families");
  SECTION("GAP: a 2b cutoff inside the term string and sigma_E") {
    json j = tiny_search();
    j["fit"] = json::parse(R"({"model": "gap", "training": "train.xyz", "default_sigma": [0.005, 0.1, 0.0],
      "gap": "distance_2b cutoff=4.0 covariance_type=ard_se delta=1.0 theta_uniform=1.0 sparse_method=uniform n_sparse=8"})");
    j["space"] = json::parse(R"([{"name": "cutoff", "path": "/gap", "gap_key": "cutoff", "type": "real", "low": 4.0, "high": 5.0},
                                 {"name": "sigma_E", "path": "/default_sigma/0", "type": "log", "low": 0.001, "high": 0.01}])");
    HyperparameterSearch s(parse_search_config(j, dir), dir / "gap", nullptr);
    CHECK(std::string(s.family().name) == "gap");
    s.run(3);
    REQUIRE(s.history().size() == 3);
    const EvaluationRecord* best = nullptr;
    for (const auto& r : s.history()) {
      INFO(r.message);
      REQUIRE(!r.failed);
      if (!best || r.loss < best->loss) best = &r;
    }
    REQUIRE(s.best_model_file() == dir / "gap" / "best.model.xml");
    // The saved XML is the best row's model: it reproduces that row's validation errors.
    const pestle::GapPotential pot(pestle::io::read_gap_xml(s.best_model_file().string()));
    const pestle::Dataset val = pestle::read_extxyz((dir / "val.xyz").string());
    double e2 = 0.0;
    for (const auto& f : val) {
      const double d = pot.compute(f.structure).energy - *f.labels.energy;
      e2 += d * d / static_cast<double>(f.size());
    }
    CHECK(std::sqrt(e2 / static_cast<double>(val.size())) == Approx(best->errors.energy).epsilon(1e-8));
    const json config = json::parse(std::ifstream(dir / "gap" / "best.config.json"));
    const std::string term = config["gap"].get<std::string>();
    REQUIRE(term.find("cutoff=") != std::string::npos);
    CHECK(std::stod(term.substr(term.find("cutoff=") + 7)) == std::get<double>(best->point[0]));  // 17 digits: exact
    s.write_parity_plot();
    CHECK(std::filesystem::exists(dir / "gap" / "parity.svg"));
  }
  SECTION("linear ACE with 2-fold cross-validation") {
    json j = tiny_search();
    j["fit"] = json::parse(R"({"model": "ace_linear", "training": "train.xyz",
      "descriptor": {"type": "ace", "elements": ["Mo"], "cutoff": 5.0, "radial": "ChebExpCos", "lambda": 5, "d_cut": 0.4,
                     "ranks": {"1": {"n_max": 4}, "2": {"n_max": 3, "l_max": 2}}},
      "weights": {"energy": 100, "force": 1, "per_atom_energy": true},
      "solver": {"type": "ridge", "ridge": 1e-6}})");
    j["space"] = json::parse(R"([{"name": "cutoff", "path": "/descriptor/cutoff", "type": "real", "low": 4.5, "high": 5.5},
                                 {"name": "ridge", "path": "/solver/ridge", "type": "log", "low": 1e-8, "high": 1e-4}])");
    j["validation"] = {{"folds", 2}};
    HyperparameterSearch s(parse_search_config(j, dir), dir / "ace", nullptr);
    CHECK(std::string(s.family().name) == "ace");
    s.run(2);
    REQUIRE(s.history().size() == 2);
    for (const auto& r : s.history()) {
      INFO(r.message);
      CHECK(!r.failed);
      CHECK(r.errors.force > 0.0);
    }
    REQUIRE(std::filesystem::exists(dir / "ace" / "best.model.json"));
    const json model = json::parse(std::ifstream(dir / "ace" / "best.model.json"));
    CHECK(model.dump().find("\"search\"") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("search config errors are InputErrors naming the problem", "[optimise][search]") {
  const auto dir = tiny_data("errors");
  const auto fails_with = [&](json j, const std::string& text) {
    try {
      HyperparameterSearch s(parse_search_config(j, dir), dir / "run", nullptr);
      FAIL("no error for: " << text);
    } catch (const pestle::InputError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(text) != std::string::npos);
    }
  };
  json j = tiny_search();
  j["spaces"] = 1;
  fails_with(j, "unknown key 'spaces'");
  j = tiny_search();
  j["loss"]["alpha"] = 1.0;
  fails_with(j, "alpha");
  j = tiny_search();
  j["space"][0]["path"] = "/descriptor/rcutfak";  // a typo in the pointer: the fit config rejects the key
  fails_with(j, "rcutfak");
  j = tiny_search();
  j["space"][0]["type"] = "uniform";
  fails_with(j, "unknown type 'uniform'");
  j = tiny_search();
  j["space"][0]["path"] = "descriptor";
  fails_with(j, "JSON pointer");
  j = tiny_search();
  j["validation"] = {{"folds", 1}};
  fails_with(j, "folds");
  j = tiny_search();
  j["constraints"] = json::parse(R"([["rcutfac", "<", "nothing"]])");
  fails_with(j, "unknown dimension");
  j = tiny_search();
  j["validation"] = {{"holdout", 0.7}};
  fails_with(j, "(0, 0.5]");
  j = tiny_search();
  j["validation"] = {{"holdout", 0.2}, {"folds", 5}};
  fails_with(j, "one of");
  j = tiny_search();
  j["space"][0]["gap_key"] = "cutoff";  // the pointer names a number, not a gap_fit term string
  fails_with(j, "term string");
  // A history of another space is refused rather than misread.
  HyperparameterSearch s(parse_search_config(tiny_search(), dir), dir / "run", nullptr);
  s.run(1);
  j = tiny_search();
  j["space"][1]["name"] = "twojmax_renamed";
  HyperparameterSearch other(parse_search_config(j, dir), dir / "run", nullptr);
  CHECK_THROWS_AS(other.run(2), pestle::InputError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("every example fit and search config under examples/zuo2020 parses and finds its data", "[optimise][examples]") {
  // The example configs are documentation users copy; a renamed key or a moved file must fail here,
  // not in a user's 20-minute run.
  const std::filesystem::path root = std::filesystem::path(PESTLE_TEST_DIR) / ".." / "examples" / "zuo2020";
  std::size_t fits = 0, searches = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().string());
    const json j = json::parse(std::ifstream(entry.path()));
    const bool search = j.contains("space");
    std::vector<std::filesystem::path> training;
    if (search) {
      const SearchConfig c = load_search_config(entry.path());
      training = pestle::runtime::fit_config_training(config_for(c, c.space.from_unit(std::vector<double>(c.space.size(), 0.5))), c.base_dir);
      ++searches;
    } else {
      training = pestle::runtime::fit_config_training(j, entry.path().parent_path());
      ++fits;
    }
    REQUIRE(!training.empty());
    for (const auto& file : training) CHECK(std::filesystem::exists(file));
  }
  CHECK(fits >= 30);      // snap, qsnap, gap, ace: six elements each
  CHECK(searches >= 8);   // six qSNAP searches, a GAP and an ACE search
}
