// The extrapolation grade γ of ACE models (models/ace_projection.hpp, models/extrapolation_grade.hpp) and
// the active-set file (formats/active_set_json.hpp): every training atom has γ <= 1 (MaxVol's tolerance),
// the active atoms γ = 1, γ is invariant to rotation and permutation, a squeezed cell gives γ >> 1, the
// nonlinear projection is the derivative of the atomic energy on the coefficients, a saved active set
// reads back to the same grades, and bad files or models are clear errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

#include "pestle/core/lattices.hpp"
#include "pestle/fit/ace_fit.hpp"
#include "pestle/formats/active_set_json.hpp"
#include "pestle/formats/ace_model_json.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/runtime/grader.hpp"
#include "pestle/models/ace_projection.hpp"
#include "pestle/runtime/extrapolation.hpp"
#include "pestle/validate/stability.hpp"
#include "ace_fit_fixtures.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

const AceLinearModel& active_set_linear_ace() { return test::tiny_fitted_ace(); }

/// Two densities, E_i = e0 + F(φ₁; 1) + F(φ₂; ½): the linear fit as the first density, a scaled copy
/// with alternating signs as the second.
AceNonlinearModel active_set_nonlinear_ace() {
  const AceLinearModel& lin = active_set_linear_ace();
  AceNonlinearModel m;
  m.spec = lin.spec;
  m.embedding.type = "FinnisSinclair";
  m.embedding.weights = {1.0, 0.5};
  m.embedding.exponents = {1.0, 0.5};
  m.e0 = {lin.coefficients[0][0]};
  std::vector<double> first(lin.coefficients[0].begin() + 1, lin.coefficients[0].end()), second = first;
  for (std::size_t q = 0; q < second.size(); ++q) second[q] *= (q % 2 ? -0.3 : 0.7);
  m.coefficients = {{first, second}};
  m.contracted = contract_ace_densities(ace_b_basis(m.spec), m.coefficients);
  return m;
}

double largest_training_grade(const ExtrapolationGrade& g, const AceProjection& view, const Dataset& data) {
  double worst = 0.0;
  for (const Frame& f : data.frames)
    for (double v : g.atom_grades(view, f.structure)) worst = std::max(worst, v);
  return worst;
}

}  // namespace

TEST_CASE("linear ACE grade: <= 1 on training atoms, 1 on active atoms, >> 1 in a squeezed cell", "[extrapolation][ace]") {
  const AceProjection view(active_set_linear_ace());
  const Dataset& train = test::mo_training_subset();
  const ExtrapolationGrade g = ExtrapolationGrade::from_training(view, train);
  REQUIRE(g.active_sets().size() == 1);
  const ActiveSet& set = g.active_sets()[0];
  CHECK(set.rows.rows() == view.feature_width(0));
  CHECK(set.rows.rows() > 10);  // the tiny basis still has dozens of functions

  CHECK(largest_training_grade(g, view, train) <= 1.0 + 1e-3 + 1e-9);
  for (const AtomRef& a : set.atoms) CHECK(g.atom_grades(view, train[a.frame].structure)[a.atom] == Approx(1.0).margin(1e-8));

  const Structure squeezed = cubic_supercell(cubic_basis::bcc, 3.16 * 0.75, 2, 42);
  const double gamma_squeezed = g.max_grade(view, squeezed);
  CHECK(gamma_squeezed > 10.0);
}

TEST_CASE("ACE grade is invariant to rotation, translation and permutation of the atoms", "[extrapolation][ace]") {
  const AceProjection view(active_set_linear_ace());
  const ExtrapolationGrade g = ExtrapolationGrade::from_training(view, test::mo_training_subset());
  Structure s = cubic_supercell(cubic_basis::bcc, 3.25, 2, 42);
  std::mt19937 rng(7);
  std::normal_distribution<double> n(0.0, 0.15);
  for (auto& p : s.positions) p += Vec3(n(rng), n(rng), n(rng));
  const std::vector<double> before = g.atom_grades(view, s);

  Structure moved = s;
  const Mat3 R = Eigen::AngleAxisd(0.7, Vec3(1.0, 2.0, -0.5).normalized()).toRotationMatrix();
  moved.cell = s.cell * R.transpose();  // rows are cell vectors
  for (auto& p : moved.positions) p = R * p + Vec3(0.3, -1.1, 2.0);
  std::vector<std::size_t> order(s.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = order.size() - 1 - i;
  Structure permuted = moved;
  for (std::size_t i = 0; i < order.size(); ++i) permuted.positions[i] = moved.positions[order[i]];
  const std::vector<double> after = g.atom_grades(view, permuted);
  for (std::size_t i = 0; i < s.size(); ++i) CHECK(after[i] == Approx(before[order[i]]).epsilon(1e-9));
  CHECK(*std::max_element(before.begin(), before.end()) > 0.0);
}

TEST_CASE("nonlinear ACE projection is dE_i/dc, and its grade is <= 1 on training atoms", "[extrapolation][ace]") {
  const AceNonlinearModel model = active_set_nonlinear_ace();
  const AceProjection view(model);
  const std::size_t n = model.coefficients[0][0].size();
  CHECK(view.feature_width(0) == Eigen::Index(1 + 2 * n));

  Structure s = cubic_supercell(cubic_basis::bcc, 3.2, 2, 42);
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0.0, 0.1);
  for (auto& p : s.positions) p += Vec3(noise(rng), noise(rng), noise(rng));
  const AtomFeatures f = view.atom_features(s, s.size());
  const std::size_t atom = 5;
  auto atom_energy = [&](const AceNonlinearModel& m) {
    AceNonlinearModel copy = m;
    copy.contracted = contract_ace_densities(ace_b_basis(copy.spec), copy.coefficients);
    return copy.potential().compute(s).atom_energies[atom];
  };
  for (const auto& [p, q] : std::vector<std::pair<std::size_t, std::size_t>>{{0, 0}, {0, n / 2}, {1, 1}, {1, n - 1}}) {
    const double h = 1e-5;
    AceNonlinearModel up = model, down = model;
    up.coefficients[0][p][q] += h;
    down.coefficients[0][p][q] -= h;
    const double numeric = (atom_energy(up) - atom_energy(down)) / (2 * h);
    CHECK(f.rows(Eigen::Index(atom), Eigen::Index(1 + p * n + q)) == Approx(numeric).epsilon(1e-6).margin(1e-9));
  }
  CHECK(f.rows(Eigen::Index(atom), 0) == 1.0);

  const ExtrapolationGrade g = ExtrapolationGrade::from_training(view, test::mo_training_subset());
  CHECK(largest_training_grade(g, view, test::mo_training_subset()) <= 1.0 + 1e-3 + 1e-9);
}

TEST_CASE("active-set file: reads back to the same grades; other models and bad files are clear errors", "[extrapolation][ace]") {
  const std::string model_path = test::temp_path("active_set_model.json");
  save_ace_linear_model(model_path, active_set_linear_ace());
  const runtime::GradedModel graded = runtime::GradedModel::load(model_path);
  const ExtrapolationGrade g = graded.active_set(test::mo_training_subset());
  const std::string asi = test::temp_path("active_set.asi");
  save_active_set(asi, g, model_path, "Mo subset");
  const ExtrapolationGrade back = load_active_set(asi);

  const Structure s = cubic_supercell(cubic_basis::bcc, 3.0, 2, 42);
  const std::vector<double> a = graded.grades(g, s), b = graded.grades(back, s);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(b[i] == Approx(a[i]).epsilon(1e-12));

  SECTION("pestle validate's stability indicator grades an ACE model the same way") {
    const runtime::CalculatorPtr calc = runtime::load_calculator(model_path);
    const runtime::Grader with_set = runtime::Grader::from_training(model_path, test::mo_training_subset());
    std::string kind;
    const std::optional<double> gamma = validate::extrapolation_indicator(*calc, s, kind, &with_set);
    REQUIRE(gamma.has_value());
    CHECK(*gamma == Approx(*std::max_element(a.begin(), a.end())).epsilon(1e-12));
    CHECK(kind.find("MaxVol") != std::string::npos);
    CHECK_FALSE(validate::extrapolation_indicator(*calc, s, kind).has_value());
    CHECK(kind.find("training") != std::string::npos);
  }
  SECTION("an active set of another model") {
    const runtime::GradedModel snap = runtime::GradedModel::load(test::lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff");
    CHECK_THROWS_WITH(snap.grades(back, s), Catch::Contains("another model"));
  }
  SECTION("a model without a linear view") {
    CHECK_THROWS_WITH(runtime::GradedModel::load(test::cu_ace), Catch::Contains("B-basis"));
  }
  SECTION("a singular or malformed file") {
    nlohmann::json j = active_set_to_json(g, model_path, "x");
    j["sets"][0]["rows"][1] = j["sets"][0]["rows"][0];
    std::ofstream(asi) << j.dump();
    CHECK_THROWS_WITH(load_active_set(asi), Catch::Contains("singular"));
    j["format"] = "something else";
    std::ofstream(asi) << j.dump();
    CHECK_THROWS_WITH(load_active_set(asi), Catch::Contains("not a pestle active-set file"));
    std::ofstream(asi) << "{";
    CHECK_THROWS_WITH(load_active_set(asi), Catch::Contains("not valid JSON"));
  }
}

TEST_CASE("ACE grade on a basis the training atoms do not span: taken in their span", "[extrapolation][ace]") {
  // a 325-function linear ACE fitted to all of Mo_train.xyz; its B functions are linearly dependent
  // over those 10,087 atoms
  const std::string model = std::string(PESTLE_TEST_DIR) + "/../examples/compile_time/Mo_ace_325.json";
  const Dataset train = read_extxyz(test::shared("data/zuo2020/Mo_train.xyz"));
  const runtime::GradedModel graded = runtime::GradedModel::load(model);
  const ExtrapolationGrade g = graded.active_set(train);
  const ActiveSet& set = g.active_sets().at(0);
  CHECK(set.width == 326);
  CHECK(set.rows.rows() < set.width);  // 248 when measured
  CHECK(set.rows.rows() > 200);
  CHECK(set.projection.rows() == set.width);

  double worst = 0.0;
  for (std::size_t k = 0; k < train.size(); k += 3)
    for (double v : graded.grades(g, train[k].structure)) worst = std::max(worst, v);
  CHECK(worst <= 1.0 + 1e-3 + 1e-8);
  CHECK(worst > 0.5);
  const std::vector<double> squeezed = graded.grades(g, cubic_supercell(cubic_basis::bcc, 3.16 * 0.75, 2, 42));
  CHECK(*std::max_element(squeezed.begin(), squeezed.end()) > 10.0);

  const std::string asi = test::temp_path("active_set_projected.asi");
  save_active_set(asi, g, model, "Mo_train.xyz");
  const ExtrapolationGrade back = load_active_set(asi);
  const std::vector<double> again = graded.grades(back, cubic_supercell(cubic_basis::bcc, 3.16 * 0.75, 2, 42));
  for (std::size_t i = 0; i < again.size(); ++i) CHECK(again[i] == Approx(squeezed[i]).epsilon(1e-10));
}

namespace {

/// What a LAMMPS rank sees: the periodic cell's atoms first, then their images in the 26 neighbouring
/// cells, as one non-periodic structure.
Structure among_image_cells(const Structure& cell) {
  Structure ghosts = cell;
  ghosts.pbc = {false, false, false};
  for (int a = -1; a <= 1; ++a)
    for (int b = -1; b <= 1; ++b)
      for (int c = -1; c <= 1; ++c)
        if (a || b || c)
          for (std::size_t i = 0; i < cell.size(); ++i)
            ghosts.add_atom(cell.numbers[i], cell.positions[i] + (a * cell.cell.row(0) + b * cell.cell.row(1) + c * cell.cell.row(2)).transpose());
  return ghosts;
}

}  // namespace

TEST_CASE("runtime::Grader: a rank's owned atoms among their ghosts grade as in the periodic cell", "[extrapolation][ace]") {
  // what pair_style pestle's compute pestle/gamma does: the periodic cell's atoms first, then their
  // images in the 26 neighbouring cells as a non-periodic structure, graded for the first n atoms only
  const std::string model_path = test::temp_path("grader_model.json");
  save_ace_linear_model(model_path, active_set_linear_ace());
  const runtime::Grader grader = runtime::Grader::from_training(model_path, test::mo_training_subset());
  Structure cell = cubic_supercell(cubic_basis::bcc, 3.16, 2, 42);
  std::mt19937 rng(8);
  std::normal_distribution<double> noise(0.0, 0.15);
  for (auto& p : cell.positions) p += Vec3(noise(rng), noise(rng), noise(rng));
  const std::vector<double> periodic = grader.grades(cell);

  const Structure ghosts = among_image_cells(cell);
  const std::vector<double> owned = grader.grades(ghosts, cell.size());
  REQUIRE(owned.size() == cell.size());
  for (std::size_t i = 0; i < owned.size(); ++i) CHECK(owned[i] == Approx(periodic[i]).epsilon(1e-10));
  CHECK(grader.max_grade(cell) == Approx(*std::max_element(periodic.begin(), periodic.end())));

  SECTION("an active-set file of another model is refused when loaded, not at the first grade") {
    const std::string asi = test::temp_path("grader_snap.asi");
    const runtime::GradedModel snap = runtime::GradedModel::load(test::lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff");
    save_active_set(asi, snap.active_set(read_extxyz(test::shared("data/zuo2020/Mo_train.xyz"))), "snap", "Mo_train.xyz");
    CHECK_THROWS_WITH(runtime::Grader::load(model_path, asi), Catch::Contains("another model"));
    CHECK(runtime::Grader::load(test::lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff", asi).max_grade(cell) > 0.0);
  }
}

TEST_CASE("runtime::Grader of a GAP: its local variance, the same among ghosts, no active set", "[extrapolation][gap]") {
  const std::string gap_path = test::shared("data/reference/quip-gap/gap/Mo_gap.xml");
  const runtime::Grader grader = runtime::Grader::load(gap_path, "");
  CHECK(grader.kind() == runtime::Uncertainty::gap_variance);
  CHECK(std::string(grader.column()) == "gap_variance");
  Structure cell = cubic_supercell(cubic_basis::bcc, 3.16, 2, 42);
  std::mt19937 rng(9);
  std::normal_distribution<double> noise(0.0, 0.15);
  for (auto& p : cell.positions) p += Vec3(noise(rng), noise(rng), noise(rng));
  const std::vector<double> periodic = grader.grades(cell);
  const std::vector<double> direct = io::read_gap_potential(gap_path).local_variance(cell);
  REQUIRE(periodic.size() == cell.size());
  for (std::size_t i = 0; i < cell.size(); ++i) CHECK(periodic[i] == Approx(direct[i]).epsilon(1e-12));
  CHECK(*std::max_element(periodic.begin(), periodic.end()) > 1.01 * *std::min_element(periodic.begin(), periodic.end()));

  const Structure ghosts = among_image_cells(cell);
  const std::vector<double> owned = grader.grades(ghosts, cell.size());
  REQUIRE(owned.size() == cell.size());
  // the variance is δ² − kᵀK⁻¹k with δ² = 1 and a result of ~5e-5: round-off of ~1e-16 of δ², not of the result
  for (std::size_t i = 0; i < owned.size(); ++i) CHECK(owned[i] == Approx(periodic[i]).margin(1e-12));

  // a GAP takes no active set, and the other families need one
  CHECK_THROWS_WITH(runtime::Grader::load(gap_path, test::temp_path("any.asi")), Catch::Contains("needs no active set"));
  CHECK_THROWS_WITH(runtime::Grader::load(test::lammps_potentials + "Mo_Zuo_JPCA2020.snapcoeff", ""),
                    Catch::Contains("needs an active set"));
}
