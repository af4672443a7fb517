// GAP fits (fit/gap_fit.hpp): the fitted model evaluated by GapPotential gives exactly the
// predictions of the fit's own covariance rows (2b + SOAP, 2b + 3b), it describes its training data,
// and bad settings are refused.
#include <catch2/catch.hpp>

#include "pestle/fit/gap_fit.hpp"
#include "pestle/data/extxyz.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

Dataset mo_every_7th(std::size_t count) {
  Dataset all = read_extxyz(test::shared("data/zuo2020/Mo_train.xyz"));
  Dataset out;
  for (std::size_t k = 0; k < all.size() && out.size() < count; k += 7) out.push_back(all[k]);
  return out;
}

/// The fitted GapPotential against the fit's covariance rows on structures it did not see.
void check_potential_matches_fit(const GapModel& model, const GpFitResult& details, const std::vector<GapFitTermSpec>& specs,
                                 const Dataset& probe) {
  const GapPotential pot(model);
  for (const Frame& f : probe) {
    const PotentialResult r = pot.compute(f.structure);
    const Eigen::VectorXd y = gp_predict_rows(specs, details, f.structure);
    CHECK(r.energy == Approx(y[0]).epsilon(1e-10));  // large cancelling α: round-off ~1e-8 eV
    double worst = 0.0;
    for (std::size_t a = 0; a < f.size(); ++a)
      worst = std::max(worst, (r.forces[a] - y.segment(static_cast<Eigen::Index>(1 + 3 * a), 3)).cwiseAbs().maxCoeff());
    CHECK(worst < 1e-8);
  }
}

}  // namespace

TEST_CASE("GAP fit 2b + SOAP: GapPotential reproduces the fitted GP and the training data", "[gap_fit]") {
  const Dataset train = mo_every_7th(8);
  GapFitSettings s;
  s.gap = "distance_2b cutoff=5.0 cutoff_transition_width=1.0 covariance_type=ard_se delta=1.0 theta_uniform=1.0 "
          "sparse_method=uniform n_sparse=10 : soap cutoff=5.0 cutoff_transition_width=0.5 n_max=4 l_max=3 "
          "atom_sigma=0.5 zeta=4 delta=1.0 covariance_type=dot_product n_sparse=40 sparse_method=cur";
  s.sigma.energy = 0.002;
  s.sigma.force = 0.05;
  GpFitResult details;
  std::size_t calls = 0;
  const GapModel model = fit_gap(train, s, [&](std::size_t, std::size_t) { ++calls; }, &details);
  CHECK(calls > 0);
  REQUIRE(model.terms.size() == 2);
  CHECK(model.terms[0].descriptor_string.find("Z1=42 Z2=42") != std::string::npos);
  CHECK(model.terms[1].descriptor_string.find("Z=42") != std::string::npos);
  CHECK(model.e0_of(42) < -10.0);  // e0_method=average: mean E/N of the training set
  CHECK(model.terms[1].sparse.size() == 40);

  const auto [terms, specs] = gap_fit_terms(s.gap, {42});
  check_potential_matches_fit(model, details, specs, mo_every_7th(12));

  // The fit describes its training set: energies to a few meV/atom, forces well inside their spread.
  const GapPotential pot(model);
  double e2 = 0.0, f2 = 0.0, fl2 = 0.0;
  std::size_t nf = 0;
  for (const Frame& f : train) {
    const PotentialResult r = pot.compute(f.structure);
    e2 += std::pow((r.energy - *f.labels.energy) / static_cast<double>(f.size()), 2);
    for (std::size_t a = 0; a < f.size(); ++a, ++nf) {
      f2 += (r.forces[a] - (*f.labels.forces)[a]).squaredNorm();
      fl2 += (*f.labels.forces)[a].squaredNorm();
    }
  }
  const double e_rmse = std::sqrt(e2 / static_cast<double>(train.size()));
  const double f_rmse = std::sqrt(f2 / static_cast<double>(3 * nf)), f_rms = std::sqrt(fl2 / static_cast<double>(3 * nf));
  INFO("training RMSE " << e_rmse * 1000 << " meV/atom, forces " << f_rmse << " eV/Å of " << f_rms);
  CHECK(e_rmse < 0.005);
  CHECK(f_rmse < 0.3 * f_rms);
}

TEST_CASE("GAP fit 2b + 3b (distance_Nb): GapPotential reproduces the fitted GP", "[gap_fit]") {
  const Dataset train = mo_every_7th(4);
  GapFitSettings s;
  s.gap = "distance_Nb order=2 cutoff=4.5 cutoff_transition_width=1.0 theta_uniform=1.0 n_sparse=8 delta=1.0 : "
          "distance_Nb order=3 cutoff=3.5 cutoff_transition_width=0.5 theta_uniform=1.0 n_sparse=30 "
          "sparse_method=random delta=0.1";
  GpFitResult details;
  const GapModel model = fit_gap(train, s, [](std::size_t, std::size_t) {}, &details);
  REQUIRE(model.terms.size() == 2);
  CHECK(model.terms[1].permutations.size() == 6);
  const auto [terms, specs] = gap_fit_terms(s.gap, {42});
  check_potential_matches_fit(model, details, specs, mo_every_7th(6));
}

TEST_CASE("GAP fit: bad settings", "[gap_fit]") {
  const Dataset train = mo_every_7th(2);
  GapFitSettings s;
  s.gap = "soap cutoff=5.0 n_max=2 l_max=2 atom_sigma=0.5 zeta=4 n_sparse=10 covariance_type=gaussian";
  CHECK_THROWS_WITH(fit_gap(train, s), Catch::Contains("covariance_type"));
  s.gap = "soap cutoff=5.0 n_max=2 l_max=2 atom_sigma=0.5 zeta=0 n_sparse=10";
  CHECK_THROWS_WITH(fit_gap(train, s), Catch::Contains("zeta"));
  s.gap = "soap cutoff=5.0 n_max=2 l_max=2 atom_sigma=0.5 zeta=2 n_sparse=100000";
  CHECK_THROWS_WITH(fit_gap(train, s), Catch::Contains("environments"));
  s.gap = "soap cutoff=5.0 n_max=2 l_max=2 atom_sigma=0.5 zeta=2";
  CHECK_THROWS_AS(fit_gap(train, s), InputError);  // n_sparse is required
  s.gap = "turbo_soap cutoff=5.0 n_sparse=4";
  CHECK_THROWS_WITH(fit_gap(train, s), Catch::Contains("turbo_soap"));
  s.gap = " : ";
  CHECK_THROWS_WITH(fit_gap(train, s), Catch::Contains("no terms"));
  s.gap = "soap cutoff=5.0 n_max=2 l_max=2 atom_sigma=0.5 zeta=2 n_sparse=4";
  s.sigma.energy = -1.0;
  CHECK_THROWS_AS(fit_gap(train, s), InputError);
  CHECK_THROWS_AS(fit_gap(Dataset{}, GapFitSettings{}), InputError);
}
