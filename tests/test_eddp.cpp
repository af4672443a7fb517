// EDDP: the features against their closed form and finite differences, the network's forces and
// stress, invariances, NNLS on exact cases, training on Stillinger–Weber silicon, and bad input.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include <tbb/task_arena.h>

#include "pestle/descriptors/eddp_features.hpp"
#include "pestle/fit/eddp_train.hpp"
#include "pestle/math/nnls.hpp"
#include "pestle/models/eddp_potential.hpp"
#include "pestle/reference/stillinger_weber.hpp"
#include "test_helpers.hpp"

using namespace pestle;
using pestle::test::finite_difference_stress;
using pestle::test::random_structure;

namespace {

Structure eddp_triangle(int z1, int z2) {
  Structure s;
  s.pbc = {false, false, false};
  s.add_atom(14, Vec3(0.0, 0.0, 0.0));
  s.add_atom(z1, Vec3(2.0, 0.0, 0.0));
  s.add_atom(z2, Vec3(0.0, 2.5, 0.0));
  return s;
}

double eddp_f(double r, double rc) { return r < rc ? 2.0 * (1.0 - r / rc) : 0.0; }

std::vector<double> eddp_features_of(const EddpFeatures& d, const Structure& s, std::size_t i) {
  const NeighbourList nl = build_neighbour_list(s, d.neighbour_options());
  auto ws = d.make_workspace();
  std::vector<double> q(d.size());
  d.compute(s, nl, i, ws, q);
  return q;
}

/// A model of random networks (one per species, two members) over the given features.
EddpModel eddp_random_model(const EddpFeatures& d, std::vector<int> hidden, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<int> sizes{int(d.size())};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(1);
  std::vector<EddpMember> members(2);
  for (EddpMember& m : members)
    for (std::size_t sp = 0; sp < d.species_count(); ++sp) {
      EddpNetwork net(sizes);
      eddp_detail::initialise(net, -4.0, rng);
      net.parameters() *= 3.0;  // larger than at the start of training, so every term matters
      net.set_standardisation(Eigen::VectorXd::Constant(Eigen::Index(d.size()), 0.5),
                              Eigen::VectorXd::Constant(Eigen::Index(d.size()), 0.3));
      m.networks.push_back(net);
    }
  return EddpModel(d.params().species, d.size(), members, {0.7, 0.4});
}

EddpFeatureParams eddp_small_params(std::vector<int> species, double cutoff) {
  EddpFeatureParams p;
  p.species = std::move(species);
  p.cutoff = cutoff;
  p.two_body = 4;
  p.three_body = 3;
  p.p_min = 2.0;
  p.p_max = 8.0;
  return p;
}

Structure eddp_si_sample(double a, double rattle, unsigned seed) {
  Structure s;
  s.cell = a * Mat3::Identity();
  s.pbc = {true, true, true};
  const double basis[8][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0},
                              {.25, .25, .25}, {.25, .75, .75}, {.75, .25, .75}, {.75, .75, .25}};
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, rattle);
  for (const auto& b : basis) s.add_atom(14, Vec3(a * b[0] + g(rng), a * b[1] + g(rng), a * b[2] + g(rng)));
  return s;
}

Dataset eddp_sw_data(int count, unsigned seed) {
  const StillingerWeber sw = StillingerWeber::silicon();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> a(5.2, 5.9), rattle(0.02, 0.25);
  Dataset d;
  for (int k = 0; k < count; ++k) {
    Frame f;
    f.structure = eddp_si_sample(a(rng), rattle(rng), seed + unsigned(k));
    f.labels.energy = sw.compute(f.structure).energy;
    d.push_back(f);
  }
  return d;
}

}  // namespace

TEST_CASE("EDDP features equal their closed form on an isolated triangle", "[eddp]") {
  const double rc = 5.0;
  const std::vector<double> p2 = eddp_powers(4, 2.0, 8.0), p3 = eddp_powers(3, 2.0, 8.0);
  CHECK(p2.front() == Approx(2.0));
  CHECK(p2.back() == Approx(8.0));
  CHECK(p2[1] / p2[0] == Approx(p2[2] / p2[1]));  // geometric
  const double f01 = eddp_f(2.0, rc), f02 = eddp_f(2.5, rc), f12 = eddp_f(std::hypot(2.0, 2.5), rc);

  SECTION("one species") {
    const EddpFeatures d(eddp_small_params({14}, rc));
    REQUIRE(d.size() == 4 + 9);
    const std::vector<double> q = eddp_features_of(d, eddp_triangle(14, 14), 0);
    for (std::size_t m = 0; m < 4; ++m) CHECK(q[m] == Approx(std::pow(f01, p2[m]) + std::pow(f02, p2[m])).epsilon(1e-13));
    for (std::size_t m = 0; m < 3; ++m)
      for (std::size_t o = 0; o < 3; ++o)
        CHECK(q[4 + m * 3 + o] == Approx(std::pow(f01 * f02, p3[m]) * std::pow(f12, p3[o])).epsilon(1e-13));
  }
  SECTION("two species: blocks by neighbour species, the mixed pair in the middle") {
    const EddpFeatures d(eddp_small_params({14, 6}, rc));
    REQUIRE(d.size() == 2 * 4 + 3 * 9);
    const std::vector<double> q = eddp_features_of(d, eddp_triangle(6, 14), 0);  // neighbour 1 is C, 2 is Si
    for (std::size_t m = 0; m < 4; ++m) {
      CHECK(q[m] == Approx(std::pow(f02, p2[m])).epsilon(1e-13));      // Si block
      CHECK(q[4 + m] == Approx(std::pow(f01, p2[m])).epsilon(1e-13));  // C block
    }
    for (std::size_t k = 0; k < 9; ++k) {
      CHECK(q[8 + k] == 0.0);        // Si–Si pair
      CHECK(q[8 + 9 + k] != 0.0);    // Si–C pair
      CHECK(q[8 + 18 + k] == 0.0);   // C–C pair
    }
    CHECK(q[8 + 9] == Approx(std::pow(f01 * f02, p3[0]) * std::pow(f12, p3[0])).epsilon(1e-13));
  }
  SECTION("a third atom beyond the cutoff of the second drops the three-body term") {
    Structure s;
    s.pbc = {false, false, false};
    s.add_atom(14, Vec3(0, 0, 0));
    s.add_atom(14, Vec3(4.0, 0, 0));
    s.add_atom(14, Vec3(-4.0, 0, 0));  // 8 Å from atom 1
    const std::vector<double> q = eddp_features_of(EddpFeatures(eddp_small_params({14}, rc)), s, 0);
    for (std::size_t k = 4; k < q.size(); ++k) CHECK(q[k] == 0.0);
  }
}

TEST_CASE("EDDP feature derivatives match finite differences", "[eddp]") {
  const EddpFeatures d(eddp_small_params({14, 6}, 3.6));
  const Structure s = random_structure(4.2 * Mat3::Identity(), 7, {14, 6}, 1.6, 11);
  const NeighbourList nl = build_neighbour_list(s, d.neighbour_options());
  auto ws = d.make_workspace();
  const std::size_t n = d.size();
  for (std::size_t i : {std::size_t(0), std::size_t(3)}) {
    const std::size_t count = nl.count(i);
    REQUIRE(count > 2);
    std::vector<double> q(n), dq(count * 3 * n);
    d.compute_with_derivatives(s, nl, i, ws, q, dq);
    // Moving neighbour atom j moves every image of j: sum the analytic derivatives of its entries,
    // and compare with a displacement of atom j (j ≠ i).
    for (std::size_t a = 0; a < count; a += 3) {
      const std::size_t j = std::size_t(nl.index[nl.begin(i) + a]);
      if (j == i) continue;
      for (int dir = 0; dir < 3; ++dir) {
        const double h = 1e-6;
        Structure plus = s, minus = s;
        plus.positions[j][dir] += h;
        minus.positions[j][dir] -= h;
        const auto qp = eddp_features_of(d, plus, i), qm = eddp_features_of(d, minus, i);
        for (std::size_t c = 0; c < n; ++c) {
          double analytic = 0.0;
          for (std::size_t b = 0; b < count; ++b)
            if (std::size_t(nl.index[nl.begin(i) + b]) == j) analytic += dq[(b * 3 + std::size_t(dir)) * n + c];
          const double numeric = (qp[c] - qm[c]) / (2 * h);
          CHECK(analytic == Approx(numeric).margin(1e-6 * (1.0 + std::abs(numeric))).epsilon(1e-6));
        }
      }
    }
  }
}

TEST_CASE("EDDP forces and stress are derivatives of the energy, which is invariant", "[eddp]") {
  const EddpFeatures d(eddp_small_params({14, 6}, 3.6));
  for (std::vector<int> hidden : {std::vector<int>{5}, std::vector<int>{6, 4}}) {
    const EddpPotential pot(d, eddp_random_model(d, hidden, 5));
    const Structure s = random_structure(Mat3{{4.3, 0.2, 0.0}, {0.0, 4.0, 0.3}, {0.1, 0.0, 4.4}}, 8, {14, 6}, 1.6, 17);
    const PotentialResult r = pot.compute(s);
    REQUIRE(std::isfinite(r.energy));
    REQUIRE(r.stress);
    CHECK(r.energy == Approx(pot.energy(s)).epsilon(1e-12));
    const double h = 1e-5;
    for (std::size_t k = 0; k < s.size(); ++k)
      for (int dir = 0; dir < 3; ++dir) {
        Structure plus = s, minus = s;
        plus.positions[k][dir] += h;
        minus.positions[k][dir] -= h;
        const double numeric = -(pot.energy(plus) - pot.energy(minus)) / (2 * h);
        CHECK(r.forces[k][dir] == Approx(numeric).margin(1e-6));
      }
    const Mat3 fd = finite_difference_stress(s, [&](const Structure& t) { return pot.energy(t); }, 1e-6);
    const Mat3 sym = 0.5 * (fd + fd.transpose());
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) CHECK((*r.stress)(a, b) == Approx(sym(a, b)).margin(1e-7));

    // Rotation, translation and a permutation of the atoms leave E unchanged and carry the forces along.
    const Mat3 R = Eigen::AngleAxisd(0.7, Vec3(1, 2, 3).normalized()).toRotationMatrix();
    Structure moved = s;
    moved.cell = s.cell * R.transpose();
    for (auto& x : moved.positions) x = R * x + Vec3(0.3, -1.1, 2.0);
    std::swap(moved.positions[0], moved.positions[5]);
    std::swap(moved.numbers[0], moved.numbers[5]);
    const PotentialResult rm = pot.compute(moved);
    CHECK(rm.energy == Approx(r.energy).epsilon(1e-11));
    CHECK((rm.forces[5] - R * r.forces[0]).norm() < 1e-9);
    CHECK((rm.forces[2] - R * r.forces[2]).norm() < 1e-9);
  }
}

TEST_CASE("EDDP per-atom spread of two members is half their difference", "[eddp]") {
  const EddpFeatures d(eddp_small_params({14, 6}, 3.6));
  const EddpPotential pot(d, eddp_random_model(d, {5}, 9));  // two members, weights 0.7 and 0.4
  const Structure s = random_structure(4.3 * Mat3::Identity(), 8, {14, 6}, 1.6, 23);
  const std::vector<double> spreads = eddp_atom_spreads(pot, s, 5);
  REQUIRE(spreads.size() == 5);
  const NeighbourList nl = build_neighbour_list(s, d.neighbour_options());
  auto ws = d.make_workspace();
  std::vector<double> q(d.size());
  for (std::size_t i = 0; i < 5; ++i) {
    d.compute(s, nl, i, ws, q);
    const std::size_t sp = std::size_t(pot.model().species_index(s.numbers[i]));
    const double e0 = pot.model().member_energy(0, sp, q), e1 = pot.model().member_energy(1, sp, q);
    CHECK(spreads[i] == Approx(0.5 * std::abs(e0 - e1)).epsilon(1e-12));  // sd of two values, unweighted
  }
  // The structure's spread uses the members' totals the same way.
  const EddpSpread total = eddp_spread(pot, s);
  CHECK(total.sigma_per_atom * double(s.size()) ==
        Approx(0.5 * std::abs(total.member_energies[0] - total.member_energies[1])).epsilon(1e-12));
  CHECK(total.energy == Approx(0.7 * total.member_energies[0] + 0.4 * total.member_energies[1]).epsilon(1e-12));
}

TEST_CASE("NNLS solves exact cases and satisfies the Kuhn-Tucker conditions", "[eddp][nnls]") {
  SECTION("a non-negative exact solution is found") {
    Eigen::MatrixXd A(6, 4);
    A << 1, 2, 0, 1, 0, 1, 3, 1, 2, 0, 1, 0, 1, 1, 1, 1, 0, 3, 1, 2, 4, 0, 0, 1;
    const Eigen::VectorXd x_true = (Eigen::VectorXd(4) << 0.5, 0.0, 2.0, 1.25).finished();
    const NnlsResult r = nnls(A, A * x_true);
    CHECK((r.x - x_true).norm() < 1e-12);
    CHECK(r.residual < 1e-12);
  }
  SECTION("when least squares wants a negative weight, that weight is zero and the gradient points outward") {
    Eigen::MatrixXd A(5, 3);
    A << 1, 0.9, 0, 1, 1.1, 0.1, 1, 1.0, 0.2, 1, 0.95, 0.1, 1, 1.05, 0.0;
    const Eigen::VectorXd b = (Eigen::VectorXd(5) << 1.0, -0.5, 0.3, 2.0, -1.0).finished();
    const Eigen::VectorXd ls = A.colPivHouseholderQr().solve(b);
    REQUIRE(ls.minCoeff() < 0.0);
    const NnlsResult r = nnls(A, b);
    const Eigen::VectorXd grad = A.transpose() * (A * r.x - b);  // ∇ of ½‖Ax − b‖²
    for (Eigen::Index j = 0; j < 3; ++j) {
      CHECK(r.x[j] >= 0.0);
      if (r.x[j] > 0.0) CHECK(std::abs(grad[j]) < 1e-10);
      else CHECK(grad[j] > -1e-10);
    }
    // No other choice of free columns does better (all 8 subsets, each solved by least squares).
    for (int mask = 0; mask < 8; ++mask) {
      std::vector<Eigen::Index> cols;
      for (Eigen::Index j = 0; j < 3; ++j)
        if (mask & (1 << j)) cols.push_back(j);
      Eigen::MatrixXd As(5, Eigen::Index(cols.size()));
      for (std::size_t k = 0; k < cols.size(); ++k) As.col(Eigen::Index(k)) = A.col(cols[k]);
      const Eigen::VectorXd xs = cols.empty() ? Eigen::VectorXd() : Eigen::VectorXd(As.colPivHouseholderQr().solve(b));
      if (xs.size() && xs.minCoeff() < 0.0) continue;
      const double res = cols.empty() ? b.norm() : (As * xs - b).norm();
      CHECK(r.residual <= res + 1e-12);
    }
  }
  SECTION("bad input") {
    CHECK_THROWS_AS(nnls(Eigen::MatrixXd::Ones(3, 2), Eigen::VectorXd::Ones(2)), InputError);
    Eigen::MatrixXd A = Eigen::MatrixXd::Ones(3, 2);
    A(1, 1) = std::nan("");
    CHECK_THROWS_AS(nnls(A, Eigen::VectorXd::Ones(3)), InputError);
  }
}

TEST_CASE("An EDDP ensemble learns Stillinger-Weber silicon energies", "[eddp][fit]") {
  const Dataset train = eddp_sw_data(300, 3), test = eddp_sw_data(30, 1001);
  EddpTrainSettings settings;
  settings.features = eddp_small_params({}, 4.0);
  settings.hidden = {8};
  settings.members = 5;
  settings.max_epochs = 120;
  EddpTrainReport report;
  const EddpModel model = train_eddp(train, settings, &report);
  settings.features.species = {14};
  const EddpPotential pot = make_eddp_potential(settings.features, model);

  // Spread of the labels, per atom: the trivial model's error.
  double mean = 0.0, var = 0.0, err = 0.0;
  for (const Frame& f : test) mean += *f.labels.energy / double(f.size()) / double(test.size());
  for (const Frame& f : test) {
    const double e = *f.labels.energy / double(f.size());
    var += (e - mean) * (e - mean) / double(test.size());
    const double p = pot.energy(f.structure) / double(f.size());
    err += (p - e) * (p - e) / double(test.size());
  }
  INFO("label sd " << std::sqrt(var) << " eV/atom, test RMSE " << std::sqrt(err) << " eV/atom, validation RMSE "
                   << report.ensemble_validation_rmse);
  CHECK(std::sqrt(err) < 0.15 * std::sqrt(var));
  CHECK(report.train_structures + report.validation_structures == train.size());
  CHECK(model.members().size() >= 3);  // NNLS's choice, topped up to spread_members for the spread
  CHECK(model.members().size() <= 5);
  std::size_t weighted = 0;
  for (const auto& m : report.members) {
    CHECK(m.weight >= 0.0);
    weighted += m.weight > 0.0;
  }
  CHECK(weighted >= 1);
  for (double w : model.weights()) CHECK(w >= 0.0);

  // The ensemble's energy is what eddp_spread reports, and the members disagree more far from the data.
  const EddpSpread at_data = eddp_spread(pot, test[0].structure);
  CHECK(at_data.energy == Approx(pot.energy(test[0].structure)).epsilon(1e-10));
  std::vector<double> spreads;
  for (const Frame& f : test) spreads.push_back(eddp_spread(pot, f.structure).sigma_per_atom);
  std::sort(spreads.begin(), spreads.end());
  const double median = spreads[spreads.size() / 2];
  const EddpSpread squeezed = eddp_spread(pot, eddp_si_sample(4.3, 0.1, 7));  // 2.2x denser than the data
  INFO("median spread on the test cells " << median << " eV/atom, on the squeezed cell " << squeezed.sigma_per_atom);
  CHECK(squeezed.sigma_per_atom > 3.0 * median);

}

TEST_CASE("EDDP training gives the same ensemble on one thread as on all", "[eddp][fit]") {
  const Dataset train = eddp_sw_data(30, 21);
  EddpTrainSettings settings;
  settings.features = eddp_small_params({14}, 4.0);
  settings.hidden = {6};
  settings.members = 3;
  settings.max_epochs = 20;
  const EddpModel all = train_eddp(train, settings);
  tbb::task_arena one_thread(1);
  const EddpModel one = one_thread.execute([&] { return train_eddp(train, settings); });
  REQUIRE(all.members().size() == one.members().size());
  for (std::size_t m = 0; m < all.members().size(); ++m) {
    CHECK(all.weights()[m] == one.weights()[m]);
    CHECK(all.members()[m].networks[0].parameters() == one.members()[m].networks[0].parameters());
  }
}

TEST_CASE("EDDP training honours the frames' weights", "[eddp][fit]") {
  Dataset train = eddp_sw_data(80, 31);
  EddpTrainSettings settings;
  settings.features = eddp_small_params({14}, 4.0);
  settings.hidden = {6};
  settings.members = 3;
  settings.max_epochs = 80;
  settings.validation_fraction = 0.0;  // every frame trains, so the weights act on all of them
  auto rmse_of_first = [&](const EddpModel& model, std::size_t n) {
    const EddpPotential pot = make_eddp_potential(settings.features, model);
    double sum = 0.0;
    for (std::size_t f = 0; f < n; ++f)
      sum += std::pow((pot.energy(train[f].structure) - *train[f].labels.energy) / double(train[f].size()), 2);
    return std::sqrt(sum / double(n));
  };
  const double plain = rmse_of_first(train_eddp(train, settings), 10);
  for (std::size_t f = 0; f < 10; ++f) train[f].labels.weight = 20.0;
  const double weighted = rmse_of_first(train_eddp(train, settings), 10);
  INFO("RMSE on the first 10 frames: " << plain << " eV/atom unweighted, " << weighted << " with weight 20");
  CHECK(weighted < 0.5 * plain);
  train[3].labels.weight = -1.0;
  CHECK_THROWS_WITH(train_eddp(train, settings), Catch::Contains("frame 3 has a negative"));
}

TEST_CASE("EDDP training refuses bad input with clear messages", "[eddp][errors]") {
  EddpTrainSettings settings;
  settings.features = eddp_small_params({14}, 4.0);
  settings.members = 2;
  settings.max_epochs = 5;
  Dataset data = eddp_sw_data(6, 9);
  SECTION("a frame without energy") {
    data[2].labels.energy.reset();
    CHECK_THROWS_WITH(train_eddp(data, settings), Catch::Contains("frame 2 has no finite energy"));
  }
  SECTION("a species outside the features") {
    data[1].structure.numbers[0] = 6;
    CHECK_THROWS_WITH(train_eddp(data, settings), Catch::Contains("frame 1 contains C"));
  }
  SECTION("labels so large that the loss overflows name the member") {
    for (Frame& f : data) f.labels.energy = 1e300 * (1.0 + double(f.size() % 3));
    data[0].labels.energy = -1e300;
    CHECK_THROWS_WITH(train_eddp(data, settings), Catch::Contains("eddp member") && Catch::Contains("not finite"));
  }
  SECTION("settings") {
    settings.hidden = {8, 8, 8};
    CHECK_THROWS_WITH(train_eddp(data, settings), Catch::Contains("one or two hidden layers"));
  }
  SECTION("features") {
    CHECK_THROWS_AS(EddpFeatures(eddp_small_params({14, 14}, 4.0)), InputError);
    CHECK_THROWS_AS(EddpFeatures(eddp_small_params({14}, -1.0)), InputError);
  }
}
