// Nonlinear ACE fitting (fit/ace_nonlinear_fit.hpp, fit/ace_nonlinear_run.hpp): the loss gradient is
// the derivative of the loss; the loss's own predictions are those of the saved, precontracted
// potential; L-BFGS lowers the loss; a run interrupted at a checkpoint resumes to the same model as an
// uninterrupted run; upfit starts where the saved model stands; bad input is a clear error.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <filesystem>
#include <random>

#include "pestle/fit/ace_nonlinear_run.hpp"
#include "pestle/fit/metrics.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/runtime/fitting.hpp"
#include "ace_fit_fixtures.hpp"
#include "test_helpers.hpp"

using namespace pestle;
namespace fs = std::filesystem;

namespace {


AceNonlinearFitConfig config(const fs::path& dir, int iterations) {
  AceNonlinearFitConfig c;
  c.linear.spec = test::tiny_ace_spec();
  c.linear.options.design.weights.energy = 1.0;
  c.linear.options.design.weights.force = 1.0;
  c.linear.options.design.reference_energies[42] = -4.0;
  c.linear.options.solver.kind = SolverKind::ridge;
  c.linear.options.solver.ridge = 1e-8;
  c.loss.kappa = 0.5;
  c.max_iterations = iterations;
  c.checkpoint_every = 10;
  c.init_scale = 1e-2;
  if (!dir.empty()) {
    fs::create_directories(dir);
    c.checkpoint = dir / "fit.checkpoint.json";
    fs::remove(c.checkpoint);
  }
  return c;
}

fs::path nl_scratch(const std::string& name) { return test::temp_path("ace_nl_" + name); }

/// A point away from every special place: linear start plus a clearly non-zero second density.
Eigen::VectorXd random_theta(const AceNonlinearLoss& loss, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n(0.0, 0.3);
  Eigen::VectorXd t(static_cast<Eigen::Index>(loss.parameters()));
  for (Eigen::Index i = 0; i < t.size(); ++i) t[i] = n(rng);
  t[0] = -4.0;
  return t;
}

}  // namespace

TEST_CASE("nonlinear ACE: the loss gradient is the derivative of the loss", "[ace][ace_nonlinear]") {
  const AceNonlinearFitConfig c = config({}, 0);
  AceLossSettings s;
  s.kappa = 0.4;
  s.l1 = 1e-4;
  s.l2 = 1e-4;
  for (const std::string type : {"FinnisSinclair", "FinnisSinclairShiftedScaled", "linear"}) {
    AceEmbeddingSpec e;
    e.type = type;
    e.weights = {1.0, 0.7};
    e.exponents = {1.0, 0.5};
    const AceNonlinearLoss loss(c.linear.spec, test::mo_training_subset(), c.linear.options.design, e, s);
    const Eigen::VectorXd t = random_theta(loss, 3);
    Eigen::VectorXd g, scratch_grad;
    loss.evaluate(t, g);
    REQUIRE(g.allFinite());
    std::mt19937 rng(5);
    std::vector<Eigen::Index> picks{0};
    for (int k = 0; k < 24; ++k) picks.push_back(Eigen::Index(rng() % loss.parameters()));
    for (Eigen::Index i : picks) {
      const double h = 1e-7;
      Eigen::VectorXd tp = t, tm = t;
      tp[i] += h;
      tm[i] -= h;
      const double fd = (loss.evaluate(tp, scratch_grad) - loss.evaluate(tm, scratch_grad)) / (2 * h);
      INFO(type << " parameter " << i << ": analytic " << g[i] << ", finite difference " << fd);
      CHECK(std::abs(fd - g[i]) <= 1e-6 * g.lpNorm<Eigen::Infinity>() + 1e-9);
    }
  }
}

TEST_CASE("nonlinear ACE: the loss predicts what the saved potential predicts", "[ace][ace_nonlinear]") {
  const AceNonlinearFitConfig c = config({}, 0);
  const AceNonlinearLoss loss(c.linear.spec, test::mo_training_subset(), c.linear.options.design, c.embedding, c.loss);
  const Eigen::VectorXd t = random_theta(loss, 7);
  Eigen::VectorXd g;
  AceLossTerms terms;
  loss.evaluate(t, g, &terms);
  const fs::path file = nl_scratch("roundtrip.json");
  save_ace_nonlinear_model(file.string(), loss.model(t));
  const ErrorReport r = error_report(*runtime::load_calculator(file.string()), test::mo_training_subset());
  // dB is kept in single precision in the loss: agreement to about 1e-6 relative.
  CHECK(r.overall.energy_rmse_meV_per_atom() == Approx(1e3 * terms.energy_rmse).epsilon(1e-6));
  CHECK(r.overall.force_rmse() == Approx(terms.force_rmse).epsilon(1e-5));
  CHECK(terms.energy_rmse > 0.01);  // a random point is far from the data: the comparison means something
  const AceNonlinearModel back = load_ace_nonlinear_model(file.string());
  CHECK(back.coefficients == loss.model(t).coefficients);
  CHECK(back.embedding.exponents == std::vector<double>{1.0, 0.5});
  // Damaged files are errors naming what is wrong.
  const nlohmann::json good = ace_nonlinear_model_to_json(loss.model(t));
  nlohmann::json j = good;
  j.erase("embedding");
  CHECK_THROWS_WITH(ace_nonlinear_model_from_json(j), Catch::Contains("embedding"));
  j = good;
  j["coefficients"]["Mo"].erase(1);
  CHECK_THROWS_WITH(ace_nonlinear_model_from_json(j), Catch::Contains("one array per density"));
  j = good;
  j["embedding"]["exponents"] = {1.0};
  CHECK_THROWS_WITH(ace_nonlinear_model_from_json(j), Catch::Contains("one entry per density"));
  j = good;
  j["e0"]["Mo"] = "x";
  CHECK_THROWS_WITH(ace_nonlinear_model_from_json(j), Catch::Contains("e0.Mo"));
  fs::remove(file);
}

TEST_CASE("nonlinear ACE: L-BFGS lowers the loss and resumes from a checkpoint exactly", "[ace][ace_nonlinear]") {
  const fs::path a = nl_scratch("straight"), b = nl_scratch("interrupted");
  AceNonlinearFitReport ra, rb1, rb2;
  const AceNonlinearModel straight = fit_ace_nonlinear_config(config(a, 20), test::mo_training_subset(), &ra);
  CHECK(ra.final_terms.loss < 0.9 * ra.start.loss);
  CHECK(ra.iterations == 20);
  CHECK(ra.resumed_from == -1);
  fit_ace_nonlinear_config(config(b, 10), test::mo_training_subset(), &rb1);
  CHECK(rb1.iterations == 10);
  AceNonlinearFitConfig more = config({}, 20);
  more.checkpoint = b / "fit.checkpoint.json";  // the same file, not removed
  const AceNonlinearModel resumed = fit_ace_nonlinear_config(more, test::mo_training_subset(), &rb2);
  CHECK(rb2.resumed_from == 10);
  CHECK(rb2.iterations == 20);
  CHECK(rb2.final_terms.loss == ra.final_terms.loss);
  CHECK(resumed.coefficients == straight.coefficients);
  CHECK(resumed.e0 == straight.e0);
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST_CASE("nonlinear ACE: the Gauss-Newton model has the loss's gradient and a 2JᵀJ Hessian", "[ace][ace_nonlinear]") {
  const AceNonlinearFitConfig c = config({}, 0);
  AceLossSettings s;
  s.kappa = 0.4;
  s.l2 = 1e-4;
  const AceNonlinearLoss loss(c.linear.spec, test::mo_training_subset(), c.linear.options.design, c.embedding, s);
  const Eigen::VectorXd t = random_theta(loss, 11);
  Eigen::VectorXd g, g_gn;
  Eigen::MatrixXd H;
  const double value = loss.evaluate(t, g);
  CHECK(loss.gauss_newton(t, H, g_gn) == Approx(value).epsilon(1e-12));
  CHECK((g_gn - g).norm() <= 1e-10 * g.norm());
  CHECK((H - H.transpose()).norm() <= 1e-12 * H.norm());
  CHECK(H.ldlt().isPositive());
}

TEST_CASE("nonlinear ACE: Levenberg-Marquardt lowers the loss and resumes exactly", "[ace][ace_nonlinear]") {
  const fs::path a = nl_scratch("lm_straight"), b = nl_scratch("lm_interrupted");
  AceNonlinearFitConfig straight = config(a, 6), first = config(b, 3);
  straight.method = first.method = "levenberg-marquardt";
  AceNonlinearFitReport ra, rb;
  const AceNonlinearModel m = fit_ace_nonlinear_config(straight, test::mo_training_subset(), &ra);
  CHECK(ra.final_terms.loss < 0.9 * ra.start.loss);
  fit_ace_nonlinear_config(first, test::mo_training_subset());
  AceNonlinearFitConfig more = config({}, 6);
  more.method = "levenberg-marquardt";
  more.checkpoint = first.checkpoint;
  const AceNonlinearModel resumed = fit_ace_nonlinear_config(more, test::mo_training_subset(), &rb);
  CHECK(rb.resumed_from == 3);
  CHECK(resumed.coefficients == m.coefficients);
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST_CASE("nonlinear ACE: ladder growth freezes the later functions, phases by iteration, exact resume",
          "[ace][ace_nonlinear]") {
  // Ladder order: body order first, then total degree.
  const AceDescriptor d = ace_b_descriptor(test::tiny_ace_spec());
  const auto& fns = d.basis().functions.at(0);
  const std::vector<int> degree = ace_column_degrees(d.basis(), 0);
  const std::vector<std::size_t> order = pestle::detail::acenl::ladder_order(d.basis(), 0, d.size());
  REQUIRE(order.size() == d.size());
  for (std::size_t j = 1; j < order.size(); ++j) {
    const auto a = order[j - 1], b = order[j];
    CHECK(std::make_pair(fns[a].ns.size(), degree[a]) <= std::make_pair(fns[b].ns.size(), degree[b]));
  }
  const pestle::detail::acenl::Ladder l{2, 3, 4};
  CHECK(l.total() == 10);
  CHECK(l.phase(0) == 0);
  CHECK(l.phase(3) == 1);
  CHECK(l.phase(6) == 2);
  CHECK(l.phase(9) == 2);
  CHECK(l.functions(0, 30) == 10);
  CHECK(l.functions(1, 30) == 20);
  CHECK(l.functions(2, 30) == 30);

  for (const std::string method : {"lbfgs", "levenberg-marquardt"}) {
    INFO(method);
    // Only the two ladder phases (max_iterations 0): the last third of the ladder order stays zero.
    AceNonlinearFitConfig two = config({}, 0);
    two.method = method;
    two.ladder_steps = 2;
    two.ladder_iterations = 3;
    std::vector<std::string> lines;
    AceNonlinearFitReport r;
    const AceNonlinearModel partial =
        fit_ace_nonlinear_config(two, test::mo_training_subset(), &r, [&](const std::string& m) { lines.push_back(m); });
    CHECK(r.final_terms.loss < r.start.loss);
    const std::size_t kept = l.functions(1, d.size());
    for (std::size_t p = 0; p < partial.coefficients[0].size(); ++p)
      for (std::size_t j = 0; j < order.size(); ++j) {
        const double v = partial.coefficients[0][p][order[j]];
        if (j >= kept) CHECK(v == 0.0);
      }
    CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string& m) { return m.find("ladder phase") != m.npos; }) == 2);

    // The whole ladder straight, and interrupted in phase 2 (iteration 4) then resumed: the same model.
    const fs::path a = nl_scratch("ladder_straight_" + method), b = nl_scratch("ladder_cut_" + method);
    AceNonlinearFitConfig straight = config(a, 4), cut = config(b, 4);
    for (AceNonlinearFitConfig* c : {&straight, &cut}) {
      c->method = method;
      c->ladder_steps = 2;
      c->ladder_iterations = 3;
      c->checkpoint_every = 1;
    }
    AceNonlinearFitReport rs, rc;
    const AceNonlinearModel m = fit_ace_nonlinear_config(straight, test::mo_training_subset(), &rs);
    struct Stop {};
    CHECK_THROWS_AS(fit_ace_nonlinear_config(cut, test::mo_training_subset(), nullptr,
                                             [](const std::string& m) {
                                               if (m.rfind("iteration 4/", 0) == 0) throw Stop{};
                                             }),
                    Stop);
    const AceNonlinearModel resumed = fit_ace_nonlinear_config(cut, test::mo_training_subset(), &rc);
    CHECK(rc.resumed_from == 4);
    CHECK(rc.iterations == rs.iterations);
    CHECK(resumed.coefficients == m.coefficients);
    CHECK(resumed.e0 == m.e0);
    fs::remove_all(a);
    fs::remove_all(b);
  }
}

namespace {

/// A fit of `iterations` saved as dir/first.json, the model the upfits below start from.
fs::path saved_fit(const fs::path& dir, int iterations, AceNonlinearFitReport& report, const AceBasisSpec& spec = test::tiny_ace_spec()) {
  AceNonlinearFitConfig c = config(dir, iterations);
  c.linear.spec = spec;
  save_ace_nonlinear_model((dir / "first.json").string(), fit_ace_nonlinear_config(c, test::mo_training_subset(), &report));
  return dir / "first.json";
}

/// The test config with `iterations` that starts from a saved model.
AceNonlinearFitConfig upfit_config(const fs::path& dir, int iterations, const fs::path& model) {
  AceNonlinearFitConfig c = config(dir, iterations);
  c.initial_model = model;
  return c;
}

}  // namespace

TEST_CASE("nonlinear ACE: upfit starts from the saved model", "[ace][ace_nonlinear]") {
  const fs::path dir = nl_scratch("upfit");
  AceNonlinearFitReport r1, r2;
  const fs::path first = saved_fit(dir, 10, r1);
  AceNonlinearFitConfig up = upfit_config(dir, 10, first);
  up.loss.kappa = 0.9;  // a new energy/force balance, as pacemaker's upfit allows
  fit_ace_nonlinear_config(up, test::mo_training_subset(), &r2);
  CHECK(r2.start.energy_rmse == Approx(r1.final_terms.energy_rmse).epsilon(1e-12));
  CHECK(r2.start.force_rmse == Approx(r1.final_terms.force_rmse).epsilon(1e-12));
  AceNonlinearFitConfig other = upfit_config(dir, 1, first);
  other.linear.spec.rcut = 4.8;
  CHECK_THROWS_WITH(fit_ace_nonlinear_config(other, test::mo_training_subset()), Catch::Contains("another descriptor"));
  fs::remove_all(dir);
}

TEST_CASE("nonlinear ACE: upfit to a grown basis keeps the model, a shrunk one is refused", "[ace][ace_nonlinear]") {
  const fs::path dir = nl_scratch("upfit_grown");
  AceNonlinearFitReport r1, r2;
  // Rank 4 with l <= 2 has a product with two couplings (two functions with the same factors and
  // m-combinations): each must land on its own function in the grown basis.
  AceBasisSpec small = test::tiny_ace_spec();
  small.nmax = {5, 3, 2, 1};
  small.lmax = {0, 2, 1, 2};
  std::map<std::vector<int>, int> per_product;
  const AceBasisSet small_basis = ace_b_basis(small);
  for (const AceBasisFunction& f : small_basis.functions[0]) {
    std::vector<int> k = f.ns;
    k.insert(k.end(), f.ls.begin(), f.ls.end());
    k.insert(k.end(), f.ms.begin(), f.ms.end());
    ++per_product[k];
  }
  CHECK(std::any_of(per_product.begin(), per_product.end(), [](const auto& kv) { return kv.second > 1; }));
  const fs::path first = saved_fit(dir, 6, r1, small);
  // More radial functions at ranks 1 and 2, l up to 3 at rank 2.
  AceNonlinearFitConfig grown = upfit_config(dir, 3, first);
  grown.linear.spec.nmax = {6, 4, 2, 1};
  grown.linear.spec.lmax = {0, 3, 1, 2};
  fit_ace_nonlinear_config(grown, test::mo_training_subset(), &r2);
  CHECK(ace_b_basis(grown.linear.spec).columns > small_basis.columns);
  CHECK(r2.start.energy_rmse == Approx(r1.final_terms.energy_rmse).epsilon(1e-9));
  CHECK(r2.start.force_rmse == Approx(r1.final_terms.force_rmse).epsilon(1e-9));
  CHECK(r2.final_terms.loss < r2.start.loss);
  AceNonlinearFitConfig shrunk = upfit_config(dir, 1, first);
  shrunk.linear.spec = small;
  shrunk.linear.spec.nmax[0] = 4;
  CHECK_THROWS_WITH(fit_ace_nonlinear_config(shrunk, test::mo_training_subset()), Catch::Contains("may only add functions"));
  fs::remove_all(dir);
}

TEST_CASE("nonlinear ACE: bad input is a clear error", "[ace][ace_nonlinear]") {
  const AceNonlinearFitConfig c = config({}, 5);
  const auto loss_of = [&](const Dataset& d, AceEmbeddingSpec e, AceLossSettings s) {
    return AceNonlinearLoss(c.linear.spec, d, c.linear.options.design, e, s);
  };
  AceEmbeddingSpec bad_exp;
  bad_exp.exponents = {1.0, -0.5};
  CHECK_THROWS_WITH(loss_of(test::mo_training_subset(), bad_exp, {}), Catch::Contains("exponents"));
  AceEmbeddingSpec unknown;
  unknown.type = "tanh";
  CHECK_THROWS_WITH(loss_of(test::mo_training_subset(), unknown, {}), Catch::Contains("cannot be fitted"));
  AceLossSettings kappa;
  kappa.kappa = 1.5;
  CHECK_THROWS_WITH(loss_of(test::mo_training_subset(), {}, kappa), Catch::Contains("kappa"));
  Dataset one;
  one.push_back(test::mo_training_subset()[0]);
  one[0].labels.forces.reset();
  CHECK_THROWS_WITH(loss_of(one, {}, {}), Catch::Contains("under-determined"));
  Dataset other = test::mo_training_subset();
  other[0].structure.numbers[0] = 28;
  CHECK_THROWS_WITH(loss_of(other, {}, {}), Catch::Contains("not among the fitted species"));
  AceNonlinearFitConfig huge = c;
  huge.init_scale = 1e308;  // the second density overflows: the loss is not finite at the start
  CHECK_THROWS_AS(fit_ace_nonlinear_config(huge, test::mo_training_subset()), NumericalError);
  const fs::path dir = nl_scratch("bad_checkpoint");
  fs::create_directories(dir);
  AceNonlinearFitConfig wrong = config(dir, 5);
  std::ofstream(wrong.checkpoint) << R"({"format": "pestle-ace-checkpoint", "iteration": 3, "parameters": [1, 2]})";
  CHECK_THROWS_WITH(fit_ace_nonlinear_config(wrong, test::mo_training_subset()), Catch::Contains("another basis"));
  fs::remove_all(dir);
}

TEST_CASE("nonlinear ACE: config keys", "[ace][ace_nonlinear]") {
  nlohmann::json j = {{"model", "ace"},
                      {"descriptor",
                       {{"type", "ace"},
                        {"elements", {"Mo"}},
                        {"cutoff", 4.6},
                        {"ranks", {{"1", {{"n_max", 5}}}, {"2", {{"n_max", 3}, {"l_max", 2}}}}}}},
                      {"training", "train.xyz"},
                      {"embedding", {{"type", "FinnisSinclair"}, {"weights", {1, 1, 0.5}}, {"exponents", {1, 0.5, 2}}}},
                      {"loss", {{"kappa", 0.2}, {"l2", 1e-6}}},
                      {"optimiser", {{"max_iterations", 40}, {"checkpoint_every", 5}}},
                      {"output", "Mo_ace.json"}};
  const AceNonlinearFitConfig c = parse_ace_nonlinear_config(j, "/data");
  CHECK(c.embedding.densities() == 3);
  CHECK(c.loss.kappa == 0.2);
  CHECK(c.max_iterations == 40);
  CHECK(c.checkpoint == fs::path("/data/Mo_ace.json.checkpoint.json"));
  j["optimiser"]["step"] = 1;
  CHECK_THROWS_WITH(parse_ace_nonlinear_config(j, "/data"), Catch::Contains("unknown key 'step'"));
  j["optimiser"].erase("step");
  j["optimiser"]["ladder"] = {{"steps", 4}, {"iterations_per_step", 10}};
  CHECK(parse_ace_nonlinear_config(j, "/data").ladder_steps == 4);
  j["optimiser"]["ladder"]["steps"] = -1;
  CHECK_THROWS_WITH(parse_ace_nonlinear_config(j, "/data"), Catch::Contains("ladder"));
  j["optimiser"].erase("ladder");
  j["embedding"]["weights"] = {1, 1};
  CHECK_THROWS_WITH(parse_ace_nonlinear_config(j, "/data"), Catch::Contains("one entry per density"));
}

TEST_CASE("nonlinear ACE: a search can fit and save it like any other family", "[ace][ace_nonlinear]") {
  const nlohmann::json j = {
      {"model", "ace"},
      {"descriptor",
       {{"type", "ace"},
        {"elements", {"Mo"}},
        {"cutoff", 4.6},
        {"ranks", {{"1", {{"n_max", 5}}}, {"2", {{"n_max", 3}, {"l_max", 2}}}, {"3", {{"n_max", 2}, {"l_max", 1}}}}}}},
      {"training", "unused.xyz"},
      {"reference_energies", {{"Mo", -4.0}}},
      {"optimiser", {{"method", "levenberg-marquardt"}, {"max_iterations", 3}}},
      {"output", "never_written.json"}};
  CHECK(runtime::fit_config_training(j, "/data") == std::vector<fs::path>{"/data/unused.xyz"});
  const runtime::FittedModel m = runtime::fit_model(j, "/data", test::mo_training_subset());
  CHECK(std::isfinite(m.compute(test::mo_training_subset()[0].structure).energy));
  const fs::path file = nl_scratch("search_model.json");
  m.save(file, nlohmann::json{{"iteration", 1}});
  CHECK(load_ace_nonlinear_model(file.string()).embedding.densities() == 2);
  CHECK(!fs::exists("/data/never_written.json.checkpoint.json"));
  fs::remove(file);
}
