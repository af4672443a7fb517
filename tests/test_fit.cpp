// Design-matrix assembly and end-to-end linear/quadratic fits with a simple descriptor.
#include <catch2/catch.hpp>

#include <random>

#include "pestle/descriptors/radial2b.hpp"
#include "pestle/fit.hpp"
#include "pestle/models.hpp"
#include "test_models_support.hpp"

using namespace pestle;

namespace {

Radial2B fit_radial() {
  Radial2BParams p;
  p.count = 5;
  p.cutoff = 4.2;
  p.r_min = 2.2;
  p.sigma = 0.5;
  p.weights = {{28, 0.6}};
  return Radial2B(p);
}

template <class M>
M model_to_recover(std::size_t features, std::vector<int> species, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 0.2);
  std::vector<std::vector<double>> c(species.size());
  for (auto& v : c) {
    v.resize(1 + M::map_type::size(features));
    for (auto& x : v) x = g(rng);
    v[0] = -3.0 + g(rng);
  }
  return M(features, species, c);
}

/// Structures labelled by a known potential (energy, forces, stress), two config_types.
template <class P>
Dataset labelled(const P& truth, std::size_t count, unsigned seed) {
  Dataset data;
  for (std::size_t k = 0; k < count; ++k) {
    Frame f;
    f.structure = test::jittered_bcc(42, 3.1 + 0.02 * static_cast<double>(k % 5), 2, 0.25, seed + static_cast<unsigned>(k));
    test::substitute(f.structure, 28, 3, k % 3);
    const auto r = truth.compute(f.structure);
    f.labels.energy = r.energy;
    f.labels.forces = r.forces;
    f.labels.stress = r.stress;
    f.labels.config_type = k % 2 ? "bulk" : "rattled";
    data.push_back(f);
  }
  return data;
}

}  // namespace

TEMPLATE_TEST_CASE("design rows reproduce the potential's energy, forces and virial", "[fit][design]", Linear,
                   Quadratic) {
  using Map = typename TestType::map_type;
  const Radial2B d = fit_radial();
  const TestType model = model_to_recover<TestType>(d.size(), {28, 42}, 3);
  const Potential<Radial2B, TestType> pot(d, model);
  const Dataset data = labelled(pot, 3, 10);
  const DesignLayout layout{{28, 42}, Map::size(d.size())};
  const RowBlock all = design_matrix<Map>(d, data, layout, DesignOptions{});
  REQUIRE(all.A.cols() == static_cast<Eigen::Index>(2 * (1 + Map::size(d.size()))));
  REQUIRE(all.A.rows() == static_cast<Eigen::Index>(3 * (1 + 3 * 16 + 6)));
  Eigen::VectorXd coeff(all.A.cols());
  for (std::size_t s = 0; s < 2; ++s)
    for (std::size_t p = 0; p < layout.per_species(); ++p)
      coeff[static_cast<Eigen::Index>(s * layout.per_species() + p)] = model.coefficients(s)[p];
  const Eigen::VectorXd pred = all.A * coeff;
  // labels came from the same potential: every row is reproduced
  for (Eigen::Index r = 0; r < pred.size(); ++r) CHECK(pred[r] == Approx(all.b[r]).epsilon(1e-10).margin(1e-10));
  CHECK(all.kind[0] == RowKind::energy);
  CHECK(all.kind[1] == RowKind::force);
  CHECK(all.kind[49] == RowKind::virial);
}

TEST_CASE("weights, reference energies and per-atom energy rows", "[fit][design]") {
  const Radial2B d = fit_radial();
  const auto pot = Potential<Radial2B, Linear>(d, model_to_recover<Linear>(d.size(), {28, 42}, 4));
  Dataset data = labelled(pot, 2, 20);
  data[1].labels.weight = 2.0;
  data[1].labels.stress.reset();
  DesignOptions opt;
  opt.weights.energy = 10.0;
  opt.weights.force = 0.5;
  opt.weights.virial = 0.1;
  opt.weights.config_type["bulk"] = 3.0;
  opt.weights.per_atom_energy = true;
  opt.reference_energies = {{42, -1.5}, {28, -0.5}};
  const DesignLayout layout{{28, 42}, d.size()};
  const RowBlock r = design_matrix<LinearMap>(d, data, layout, opt);
  REQUIRE(r.A.rows() == (1 + 48 + 6) + (1 + 48));
  const Frame& f0 = data[0];
  double e0 = 0.0;
  for (int z : f0.structure.numbers) e0 += z == 42 ? -1.5 : -0.5;
  CHECK(r.b[0] == Approx((*f0.labels.energy - e0) / 16.0));
  CHECK(r.A(0, 0) + r.A(0, static_cast<Eigen::Index>(layout.per_species())) == Approx(1.0));  // counts / N
  CHECK(r.w[0] == 10.0);  // frame 0 is "rattled"
  CHECK(r.w[1] == 0.5);
  CHECK(r.w[49] == Approx(0.1));
  CHECK(r.w[55] == Approx(10.0 * 3.0 * 2.0));  // energy row of frame 1: eweight × group × frame weight
  CHECK(r.w[56] == Approx(0.5 * 3.0 * 2.0));
}

TEST_CASE("config_type weights reach unlabelled frames through their vacuum family", "[fit][design]") {
  const Radial2B d = fit_radial();
  const auto pot = Potential<Radial2B, Linear>(d, model_to_recover<Linear>(d.size(), {28, 42}, 5));
  Dataset data = labelled(pot, 3, 40);
  for (auto& f : data) f.labels.config_type.clear();
  data[1].structure.cell(2, 2) += 10.0;  // the same atoms with a 10 Å vacuum layer: a slab
  data[1].labels.stress.reset();
  data[2].labels.config_type = "slab_like_name";  // a label wins over the rule
  data[2].structure.cell(2, 2) += 10.0;
  data[2].labels.stress.reset();
  DesignOptions opt;
  opt.weights.energy = 2.0;
  opt.weights.config_type["slab"] = 7.0;
  const DesignLayout layout{{28, 42}, d.size()};
  const RowBlock r = design_matrix<LinearMap>(d, data, layout, opt);
  REQUIRE(r.A.rows() == (1 + 48 + 6) + 2 * (1 + 48));
  CHECK(r.w[0] == 2.0);             // bulk: no multiplier
  CHECK(r.w[55] == 2.0 * 7.0);      // unlabelled slab
  CHECK(r.w[55 + 49] == 2.0);       // labelled: its own config_type, which has no weight
  opt.weights.config_type = {{"bulk", 0.5}};
  CHECK(design_matrix<LinearMap>(d, data, layout, opt).w[0] == 1.0);
}

TEMPLATE_TEST_CASE("fitting labels of a known model recovers it", "[fit]", Linear, Quadratic) {
  const Radial2B d = fit_radial();
  const Potential<Radial2B, TestType> truth(d, model_to_recover<TestType>(d.size(), {28, 42}, 7));
  const Dataset data = labelled(truth, std::is_same_v<TestType, Linear> ? 6 : 12, 30);
  for (SolverKind kind : {SolverKind::svd, SolverKind::ridge, SolverKind::bayesian_ridge}) {
    FitOptions opt;
    opt.solver.kind = kind;
    opt.solver.ridge = 1e-12;
    opt.design.reference_energies = {{42, -2.0}, {28, -1.0}};
    FitSummary summary;
    const auto fitted = fit_linear_model<TestType>(d, data, {28, 42}, opt, &summary);
    CHECK(summary.structures == data.size());
    CHECK(summary.energy_rows == data.size());
    CHECK(summary.force_rows == 3 * 16 * data.size());
    CHECK(summary.virial_rows == 6 * data.size());
    const ErrorReport rep = error_report(fitted, data);
    INFO("solver " << solver_name(kind));
    CHECK(rep.overall.energy_rmse_meV_per_atom() < 1e-4);
    CHECK(rep.overall.force_rmse() < 1e-6);
    CHECK(rep.overall.stress_rmse_GPa() < 1e-5);
    CHECK(rep.by_config_type.size() == 2);
    if (kind == SolverKind::svd) {
      CHECK(summary.solution.rank == 2 * (1 + TestType::map_type::size(d.size())));
      for (std::size_t s = 0; s < 2; ++s)
        for (std::size_t p = 0; p < fitted.model().coefficients_per_species(); ++p)
          CHECK(fitted.model().coefficients(s)[p] ==
                Approx(truth.model().coefficients(s)[p]).epsilon(1e-5).margin(1e-6));
    }
  }
}

TEST_CASE("a zero config_type weight removes that group from the fit", "[fit]") {
  const Radial2B d = fit_radial();
  const auto truth = Potential<Radial2B, Linear>(d, model_to_recover<Linear>(d.size(), {28, 42}, 8));
  Dataset data = labelled(truth, 8, 40);
  // corrupt the "bulk" group: with weight 0 it must not matter
  Dataset clean;
  for (auto& f : data.frames) {
    if (f.labels.config_type == "bulk") *f.labels.energy += 5.0;
    else clean.push_back(f);
  }
  FitOptions opt;
  opt.design.weights.config_type["bulk"] = 0.0;
  const auto a = fit_linear_model<Linear>(d, data, {28, 42}, opt);
  const auto b = fit_linear_model<Linear>(d, clean, {28, 42}, opt);
  for (std::size_t s = 0; s < 2; ++s)
    for (std::size_t p = 0; p < a.model().coefficients_per_species(); ++p)
      CHECK(a.model().coefficients(s)[p] == Approx(b.model().coefficients(s)[p]).epsilon(1e-9).margin(1e-12));
  // per-config_type metrics see the corruption only in "bulk"
  const ErrorReport rep = error_report(a, data);
  CHECK(rep.by_config_type.at("rattled").energy_rmse_meV_per_atom() < 1e-3);
  CHECK(rep.by_config_type.at("bulk").energy_rmse_meV_per_atom() == Approx(5.0 / 16 * 1e3).epsilon(1e-6));
  CHECK(rep.by_config_type.at("bulk").energy_mae_meV_per_atom() == Approx(5.0 / 16 * 1e3).epsilon(1e-6));
}

TEST_CASE("bad fitting input gives typed errors", "[fit]") {
  const Radial2B d = fit_radial();
  const auto truth = Potential<Radial2B, Linear>(d, model_to_recover<Linear>(d.size(), {28, 42}, 9));
  Dataset data = labelled(truth, 3, 50);
  FitOptions opt;
  SECTION("NaN energy label") {
    data[1].labels.energy = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(fit_linear_model<Linear>(d, data, {28, 42}, opt), InputError);
  }
  SECTION("wrong number of force labels") {
    data[2].labels.forces->pop_back();
    CHECK_THROWS_AS(fit_linear_model<Linear>(d, data, {28, 42}, opt), InputError);
  }
  SECTION("all weights zero") {
    opt.design.weights = FitWeights{0.0, 0.0, 0.0, {}, false};
    CHECK_THROWS_AS(fit_linear_model<Linear>(d, data, {28, 42}, opt), InputError);
  }
  SECTION("species not in the model") {
    CHECK_THROWS_AS(fit_linear_model<Linear>(d, data, {42}, opt), InputError);
  }
  SECTION("a species without atoms leaves its columns undetermined") {
    CHECK_THROWS_AS(fit_linear_model<Linear>(d, data, {13, 28, 42}, opt), NumericalError);
    opt.solver.kind = SolverKind::ridge;
    CHECK_NOTHROW(fit_linear_model<Linear>(d, data, {13, 28, 42}, opt));
  }
  SECTION("empty data set") { CHECK_THROWS_AS(fit_linear_model<Linear>(d, Dataset{}, {42}, opt), InputError); }
  SECTION("negative weight") {
    opt.design.weights.force = -1.0;
    CHECK_THROWS_AS(fit_linear_model<Linear>(d, data, {28, 42}, opt), InputError);
  }
}

TEST_CASE("error metrics: known offsets", "[fit][metrics]") {
  Frame f;
  f.structure = test::jittered_bcc(42, 3.16, 1, 0.0, 1, 0.0);  // 2 atoms, cubic
  f.labels.energy = -10.0;
  f.labels.forces = std::vector<Vec3>{Vec3(1, 0, 0), Vec3(0, 0, 0)};
  f.labels.stress = Mat3::Zero();
  PotentialResult p;
  p.energy = -9.0;                                          // +0.5 eV/atom
  p.forces = {Vec3(1, 0, 0), Vec3(0.3, 0.4, 0.0)};          // |ΔF| = 0.5 on atom 1
  p.stress = Mat3::Identity() * (1.0 / gpa_per_ev_per_a3);  // 1 GPa on the diagonal
  ErrorMetrics m;
  m.add(f, p);
  CHECK(m.energy_rmse_meV_per_atom() == Approx(500.0));
  CHECK(m.force_rmse() == Approx(std::sqrt((0.09 + 0.16) / 6)));
  CHECK(m.force_mae() == Approx(0.7 / 6));
  CHECK(m.force_vector_rmse() == Approx(std::sqrt(0.25 / 2)));
  CHECK(m.stress_rmse_GPa() == Approx(std::sqrt(0.5)));
  CHECK(m.stress_mae_GPa() == Approx(0.5));
}
