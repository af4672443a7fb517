// Linear ACE fitting (fit/ace_fit.hpp, models/ace_linear.hpp, formats/ace_model_json.hpp): the fitted,
// precontracted model predicts exactly what the design matrix predicts; its forces and stress are
// derivatives of its energy; save/load round-trips through load_potential; under-determined fits,
// bad configs and bad model files are clear errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pestle/fit/ace_fit.hpp"
#include "pestle/formats/ace_model_json.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/formats/yace_file.hpp"
#include "ace_fit_fixtures.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {


FitOptions options() { return test::tiny_ace_fit_options(); }

const AceLinearModel& fitted() { return test::tiny_fitted_ace(); }

}  // namespace

TEST_CASE("linear ACE: the fitted model predicts what the design matrix predicts", "[ace][ace_fit]") {
  const AceLinearModel& m = fitted();
  const AceDescriptor d = ace_b_descriptor(m.spec);
  const DesignLayout layout{m.spec.elements, d.size()};
  DesignOptions plain;  // unit weights, total energies, no e0: rows are E and F themselves
  const RowBlock rows = design_matrix<LinearMap>(d, test::mo_training_subset(), layout, plain);
  Eigen::VectorXd beta(static_cast<Eigen::Index>(layout.columns()));
  for (std::size_t p = 0; p < layout.columns(); ++p) beta[static_cast<Eigen::Index>(p)] = m.coefficients[0][p];
  const Eigen::VectorXd design_prediction = rows.A * beta;

  const AcePotential pot = m.potential();
  Eigen::Index r = 0;
  double worst_e = 0.0, worst_f = 0.0;
  for (const Frame& f : test::mo_training_subset().frames) {
    const PotentialResult res = pot.compute(f.structure);
    worst_e = std::max(worst_e, std::abs(res.energy - design_prediction[r++]) / std::max(1.0, std::abs(res.energy)));
    for (const Vec3& force : res.forces)
      for (int k = 0; k < 3; ++k) worst_f = std::max(worst_f, std::abs(force[k] - design_prediction[r++]));
    constexpr int va[6] = {0, 1, 2, 1, 0, 0}, vb[6] = {0, 1, 2, 2, 2, 1};  // Voigt order of design_matrix.hpp
    for (int v = 0; r < rows.A.rows() && rows.kind[std::size_t(r)] == RowKind::virial; ++v)
      worst_f = std::max(worst_f, std::abs(res.virial(va[v], vb[v]) - design_prediction[r++]) / 10.0);
  }
  REQUIRE(r == rows.A.rows());
  CHECK(worst_e < 1e-10);
  CHECK(worst_f < 1e-9);
  // and the fit means something: per-atom energy error well below the spread of the labels
  const ErrorReport err = error_report(pot, test::mo_training_subset());
  CHECK(err.overall.energy_rmse_meV_per_atom() < 100.0);
  CHECK(err.overall.force_rmse() < 1.0);
}

TEST_CASE("linear ACE: forces and stress of a fitted model are derivatives of its energy", "[ace][ace_fit]") {
  const AcePotential pot = fitted().potential();
  Structure s = test::mo_training_subset()[3].structure;
  const PotentialResult res = pot.compute(s);
  const double h = 1e-5;
  double worst = 0.0, fmax = 0.0;
  for (std::size_t i = 0; i < std::min<std::size_t>(s.size(), 6); ++i)
    for (int d = 0; d < 3; ++d) {
      Structure p = s, q = s;
      p.positions[i][d] += h, q.positions[i][d] -= h;
      const double fd = -(pot.energy(p) - pot.energy(q)) / (2 * h);
      worst = std::max(worst, std::abs(fd - res.forces[i][d]));
      fmax = std::max(fmax, std::abs(res.forces[i][d]));
    }
  CHECK(fmax > 1e-3);
  CHECK(worst <= 1e-6 * std::max(1.0, fmax));
  REQUIRE(res.stress);
  const Mat3 fd_stress = test::finite_difference_stress(s, [&](const Structure& t) { return pot.energy(t); }, h);
  const Mat3 sym = 0.5 * (fd_stress + fd_stress.transpose());
  CHECK((sym - *res.stress).cwiseAbs().maxCoeff() <= 1e-6 * std::max(1.0, res.stress->norm()));
}

TEST_CASE("linear ACE: a saved model reads back (load_potential) and predicts the same", "[ace][ace_fit]") {
  const auto dir = std::filesystem::temp_directory_path() / "pestle_test_ace_fit";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "mo_ace.json").string();
  save_ace_linear_model(path, fitted(), nlohmann::json{{"note", "test"}});
  const runtime::CalculatorPtr back = runtime::load_calculator(path);
  CHECK(back->name() == "ace");
  CHECK(back->cutoff() == Approx(4.6));
  const AcePotential original = fitted().potential();
  for (std::size_t k : {0, 5}) {
    const Structure& s = test::mo_training_subset()[k].structure;
    const PotentialResult a = original.compute(s), b = back->compute(s);
    CHECK(b.energy == Approx(a.energy).epsilon(1e-14));
    for (std::size_t i = 0; i < s.size(); ++i) CHECK((a.forces[i] - b.forces[i]).norm() < 1e-12);
  }
  // a damaged file is an InputError naming the key
  nlohmann::json j = ace_linear_model_to_json(fitted());
  j["ctilde"]["Mo"][3]["ms"] = "x";
  std::ofstream(dir / "bad.json") << j.dump();
  CHECK_THROWS_WITH(runtime::load_calculator((dir / "bad.json").string()), Catch::Contains("ctilde.Mo[3].ms"));
  j = ace_linear_model_to_json(fitted());
  j["ctilde"]["Mo"][3]["l"][0] = 7;
  std::ofstream(dir / "bad2.json") << j.dump();
  CHECK_THROWS_AS(runtime::load_calculator((dir / "bad2.json").string()), InputError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("linear ACE: a fitted model exported as .yace evaluates the same in ML-PACE's form", "[ace][ace_fit][yace]") {
  std::ostringstream text;
  write_yace(ace_file_from_linear_model(fitted()), text);
  const AcePotential pace_form = make_ace_potential(read_yace_text(text.str(), "fitted.yace"));
  const AcePotential original = fitted().potential();
  for (std::size_t k : {1, 4}) {
    const Structure& s = test::mo_training_subset()[k].structure;
    const PotentialResult a = original.compute(s), b = pace_form.compute(s);
    CHECK(b.energy == Approx(a.energy).epsilon(1e-12));
    for (std::size_t i = 0; i < s.size(); ++i) CHECK((a.forces[i] - b.forces[i]).norm() < 1e-10);
    CHECK((*a.stress - *b.stress).norm() < 1e-10);
  }
}

TEST_CASE("linear ACE: an under-determined fit is a clear InputError", "[ace][ace_fit]") {
  Dataset one;
  one.push_back(test::mo_training_subset()[0]);
  one.frames[0].labels.forces.reset();  // one energy row for dozens of coefficients
  CHECK_THROWS_WITH(fit_ace_linear(test::tiny_ace_spec(), one, options()), Catch::Contains("under-determined"));
  AceBasisSpec other = test::tiny_ace_spec();
  other.elements = {29};
  CHECK_THROWS_WITH(fit_ace_linear(other, test::mo_training_subset(), options()), Catch::Contains("not among the fitted species"));
}

TEST_CASE("linear ACE: smoothness prior factors and config keys", "[ace][ace_fit]") {
  const AceBasisSet b = ace_b_basis(test::tiny_ace_spec());
  const std::vector<double> s = ace_smoothness_scale(b, 2.0);
  REQUIRE(s.size() == std::size_t(b.columns) + 1);
  CHECK(s[0] == 1.0);  // β₀
  CHECK(s[1] == 1.0);  // g_0: degree 0
  CHECK(s[3] == 9.0);  // g_2: (1 + 2)²
  // a larger p damps the high-degree coefficients more than the low ones
  const AceLinearModel smooth = fit_ace_linear(test::tiny_ace_spec(), test::mo_training_subset(), [] {
    FitOptions o = options();
    o.solver.ridge = 1e-2;
    return o;
  }(), 4.0);
  CHECK(std::isfinite(smooth.coefficients[0].back()));

  const auto parse = [](const std::string& text) { return parse_ace_fit_config(nlohmann::json::parse(text), "."); };
  const std::string good = R"({"model": "ace_linear", "training": "x.xyz",
      "descriptor": {"type": "ace", "elements": ["Mo"], "cutoff": 5.0, "radial": "ChebExpCos", "lambda": 5, "d_cut": 0.4,
                     "ranks": {"1": {"n_max": 6}, "2": {"n_max": 4, "l_max": 3}, "3": {"n_max": 2, "l_max": 2}}},
      "solver": {"ridge": 1e-6, "smoothness": 2}})";
  const AceFitConfig c = parse(good);
  CHECK(c.spec.nmax == std::vector<int>{6, 4, 2});
  CHECK(c.spec.lmax == std::vector<int>{0, 3, 2});
  CHECK(c.smoothness == 2.0);
  CHECK(c.options.solver.kind == SolverKind::ridge);
  auto broken = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  CHECK_THROWS_WITH(parse(broken("\"lambda\"", "\"lamda\"")), Catch::Contains("unknown key 'lamda'"));
  CHECK_THROWS_WITH(parse(broken("\"2\": {", "\"5\": {")), Catch::Contains("missing \"2\""));
  CHECK_THROWS_WITH(parse(broken("\"l_max\": 3", "\"l_max\": 3, \"nmax\": 1")), Catch::Contains("unknown key 'nmax'"));
  CHECK_THROWS_WITH(parse(broken("ChebExpCos", "Gaussian")), Catch::Contains("unknown ACE radial basis"));
  CHECK_THROWS_WITH(parse(broken("ace_linear", "ace")), Catch::Contains("nonlinear ACE"));
  CHECK_THROWS_WITH(parse(broken("\"smoothness\": 2", "\"smoothness\": 2, \"type\": \"svd\"")), Catch::Contains("ridge"));
  CHECK_THROWS_AS(parse(broken("\"cutoff\": 5.0", "\"cutoff\": -1")), InputError);

  // total degree (docs/ace.md §4): max_degree alone sets the n_max and l_max it allows, and round-trips
  const std::string degree = R"({"model": "ace_linear", "training": "x.xyz",
      "descriptor": {"type": "ace", "elements": ["Mo"], "cutoff": 5.0, "l_weight": 2,
                     "ranks": {"1": {"max_degree": 8}, "2": {"max_degree": 10}, "3": {"n_max": 3, "max_degree": 9}}}})";
  const AceFitConfig d = parse(degree);
  CHECK(d.spec.nmax == std::vector<int>{8, 9, 3});  // n + 1 <= D − (rank − 1)
  CHECK(d.spec.lmax == std::vector<int>{0, 4, 3});  // 2·l <= D − rank
  CHECK(d.spec.max_degree == std::vector<double>{8, 10, 9});
  const AceFitConfig again = parse_ace_fit_config(
      {{"model", "ace_linear"}, {"training", "x.xyz"}, {"descriptor", ace_spec_to_json(d.spec)}}, ".");
  CHECK(again.spec.nmax == d.spec.nmax);
  CHECK(again.spec.lmax == d.spec.lmax);
  CHECK(again.spec.max_degree == d.spec.max_degree);
  CHECK(again.spec.l_weight == 2.0);
  CHECK(ace_b_basis(again.spec).columns == ace_b_basis(d.spec).columns);
  const auto degree_broken = [&](const std::string& from, const std::string& to) {
    std::string t = degree;
    t.replace(t.find(from), from.size(), to);
    return parse(t);
  };
  CHECK_THROWS_WITH(degree_broken("\"max_degree\": 10", "\"max_degree\": 1.5"), Catch::Contains("max_degree must lie in [2"));
  CHECK_THROWS_WITH(degree_broken("{\"max_degree\": 10}", "{}"), Catch::Contains("needs \"n_max\" (or \"max_degree\")"));
  CHECK_THROWS_WITH(degree_broken("\"l_weight\": 2", "\"l_weight\": 0"), Catch::Contains("l_weight"));
}

namespace {

/// B of atom 0 of a dimer (Z0 at the origin, Z1 at distance r) in a large empty box.
std::vector<double> dimer_b(const AceDescriptor& d, int z0, int z1, double r) {
  Structure s;
  s.positions = {Vec3(0, 0, 0), Vec3(r, 0.3, -0.2)};
  s.numbers = {z0, z1};
  const NeighbourList nl = build_neighbour_list(s, d.neighbour_options());
  auto ws = d.make_workspace();
  std::vector<double> q(d.size());
  d.compute(s, nl, 0, ws, q);
  return q;
}

AceBasisSpec cu_ni_spec_with_bond() {
  AceBasisSpec spec = test::tiny_ace_spec();
  spec.elements = {29, 28};
  spec.rcut = 5.0;
  spec.bonds = {{29, 28, 3.5, 1.5, 0.3}};
  return spec;
}

}  // namespace

TEST_CASE("linear ACE: per-bond cutoffs apply to both orders of the pair and only to it", "[ace][ace_fit]") {
  const AceBasisSpec spec = cu_ni_spec_with_bond();
  const AceRadialBasis rb = ace_b_radial(spec);
  CHECK(rb.cutoff == 5.0);
  CHECK(rb.pair(0, 1).rcut == 3.5);
  CHECK(rb.pair(1, 0).rcut == 3.5);
  CHECK(rb.pair(0, 1).lambda == 1.5);
  CHECK(rb.pair(0, 0).rcut == 5.0);
  CHECK(rb.pair(1, 1).rcut == 5.0);

  // A Ni neighbour at 4 Å lies beyond the Cu-Ni cutoff: atom 0 sees nothing (its B is the isolated
  // atom's); a Cu neighbour at 4 Å lies inside the Cu-Cu cutoff and changes B.
  const AceDescriptor d = ace_b_descriptor(spec);
  const auto isolated = dimer_b(d, 29, 29, 9.0);
  const auto cu_ni = dimer_b(d, 29, 28, 4.0), cu_cu = dimer_b(d, 29, 29, 4.0), cu_ni_near = dimer_b(d, 29, 28, 3.0);
  double d_ni = 0.0, d_cu = 0.0, d_near = 0.0;
  for (std::size_t c = 0; c < isolated.size(); ++c) {
    d_ni = std::max(d_ni, std::abs(cu_ni[c] - isolated[c]));
    d_cu = std::max(d_cu, std::abs(cu_cu[c] - isolated[c]));
    d_near = std::max(d_near, std::abs(cu_ni_near[c] - isolated[c]));
  }
  CHECK(d_ni == 0.0);
  CHECK(d_cu > 1e-3);
  CHECK(d_near > 1e-3);
}

TEST_CASE("linear ACE: \"bonds\" in the descriptor JSON round-trip and bad bonds are clear errors", "[ace][ace_fit]") {
  const AceBasisSpec spec = cu_ni_spec_with_bond();
  const nlohmann::json j = ace_spec_to_json(spec);
  REQUIRE(j.contains("bonds"));
  CHECK(j["bonds"]["Cu-Ni"]["cutoff"] == 3.5);
  const AceBasisSpec back = ace_spec_from_json(j);
  CHECK(back.bonds == spec.bonds);
  CHECK(ace_spec_to_json(back) == j);

  const auto refused = [&](const nlohmann::json& bonds, const std::string& words) {
    nlohmann::json bad = j;
    bad["bonds"] = bonds;
    CHECK_THROWS_WITH(ace_spec_from_json(bad), Catch::Contains(words));
  };
  refused({{"Cu-Mo", {{"cutoff", 4.0}}}}, "Mo is not in");
  refused({{"CuNi", {{"cutoff", 4.0}}}}, "two element symbols");
  refused({{"Cu-Ni", {{"lambda", 1.0}}}}, "needs a \"cutoff\"");
  refused({{"Cu-Ni", {{"cutoff", 4.0}}}, {"Ni-Cu", {{"cutoff", 4.0}}}}, "given twice");
  refused({{"Cu-Ni", {{"cutoff", 4.0}, {"d_cut", 5.0}}}}, "d_cut must lie in");
  refused({{"Cu-Ni", {{"cutoff", 4.0}, {"rcut", 5.0}}}}, "rcut");
}
