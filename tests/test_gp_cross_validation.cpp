// Cross-validation of a sparse GP from fold summaries (fit/gp_cross_validation.hpp) against the
// direct computation: for each fold, a QR fit on the other folds' rows with the same sparse points,
// and the held-out rows evaluated one by one.
#include <catch2/catch.hpp>

#include "pestle/fit/gp_cross_validation.hpp"
#include "pestle/data/extxyz.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

Dataset mo_every_11th(std::size_t count) {
  Dataset all = read_extxyz(test::shared("data/zuo2020/Mo_train.xyz"));
  Dataset out;
  for (std::size_t k = 0; k < all.size() && out.size() < count; k += 11) out.push_back(all[k]);
  return out;
}

struct Rmse {
  double energy = 0.0, force = 0.0;
};

/// k-fold validation errors computed the long way, with σ_E and σ_F scaled by mE and mF.
template <class Specs>
Rmse direct_cv(const Dataset& data, const Specs& specs, GpFitOptions opt, int folds, double mE, double mF) {
  const std::vector<int> fold_of = assign_folds(data.size(), folds, 2020);
  const pestle::detail::GpSetup g = pestle::detail::gp_setup(data, specs, opt);  // sparse points from all data, as the CV
  opt.sigma.energy *= mE;
  opt.sigma.force *= mF;
  double se = 0.0, sf = 0.0;
  std::size_t ne = 0, nf = 0;
  for (int f = 0; f < folds; ++f) {
    SolverOptions so;
    so.kind = SolverKind::svd;
    so.scale_columns = false;
    so.allow_rank_deficient = true;
    so.rcond = opt.rcond;  // as fit_sparse_gp
    LeastSquares ls(static_cast<std::size_t>(g.columns), so);
    for (std::size_t t = 0; t < g.prior.size(); ++t) {
      Eigen::MatrixXd A = Eigen::MatrixXd::Zero(g.prior[t].rows(), g.columns);
      A.middleCols(g.col0[t], g.prior[t].cols()) = g.prior[t];
      ls.add(A, Eigen::VectorXd::Zero(A.rows()), Eigen::VectorXd::Ones(A.rows()));
    }
    std::vector<RowBlock> held_out;
    pestle::detail::for_each_structure_rows(
        data, specs, g, opt,
        [&](const RowBlock& b) {
          if (fold_of[b.frame] != f) ls.add(b.A, b.b, b.w);
          else held_out.push_back(b);
        },
        [](std::size_t, std::size_t) {});
    const Eigen::VectorXd alpha = ls.solve().coefficients;
    for (const RowBlock& b : held_out) {
      const double n = static_cast<double>(data[b.frame].size());
      const Eigen::VectorXd r = b.A * alpha - b.b;
      for (Eigen::Index i = 0; i < r.size(); ++i) {
        if (b.kind[static_cast<std::size_t>(i)] == RowKind::energy) {
          se += std::pow(r[i] / n, 2);
          ++ne;
        } else if (b.kind[static_cast<std::size_t>(i)] == RowKind::force) {
          sf += r[i] * r[i];
          ++nf;
        }
      }
    }
  }
  return {std::sqrt(se / double(ne)), std::sqrt(sf / double(nf))};
}

}  // namespace

TEST_CASE("GP cross-validation from fold summaries equals refitting each fold", "[gp_cv]") {
  const Dataset data = mo_every_11th(10);
  GapFitSettings s;
  s.gap = "distance_2b cutoff=4.5 cutoff_transition_width=1.0 covariance_type=ard_se delta=1.0 theta_uniform=1.0 "
          "sparse_method=uniform n_sparse=8 : soap cutoff=4.5 cutoff_transition_width=0.5 n_max=4 l_max=3 atom_sigma=0.5 "
          "zeta=2 delta=1.0 covariance_type=dot_product n_sparse=40 sparse_method=cur_points";
  s.sigma.energy = 0.005;
  s.sigma.force = 0.1;
  s.sigma.virial = 0.0;
  s.sparse_jitter = 1e-8;  // gap_fit's usual value: K_MM badly conditioned
  const auto specs = gap_fit_terms(s.gap, data.species()).second;
  const GpFitOptions opt = gap_fit_options(data, s);
  const int folds = 3;
  const GpFoldSummaries cv = gp_fold_summaries(data, specs, opt, folds, 2020, [](std::size_t, std::size_t) {});
  for (auto [mE, mF] : {std::pair{1.0, 1.0}, std::pair{0.3, 2.0}, std::pair{4.0, 0.5}}) {
    const GpCvScore fast = cv.score(mE, mF, 1.0);
    const Rmse slow = direct_cv(data, specs, opt, folds, mE, mF);
    INFO("sigma factors " << mE << ", " << mF);
    REQUIRE(fast.solved);
    CHECK(fast.energy_rmse == Approx(slow.energy).epsilon(1e-8));
    CHECK(fast.force_rmse == Approx(slow.force).epsilon(1e-8));
    CHECK(fast.virial_rmse == 0.0);  // σ_V = 0: no virial rows
  }
  // the settings differ, so the scores must too (the test would pass trivially otherwise)
  CHECK(cv.score(0.3, 2.0, 1.0).force_rmse != Approx(cv.score(4.0, 0.5, 1.0).force_rmse).epsilon(1e-3));
}

TEST_CASE("GP cross-validation: bad fold counts are refused", "[gp_cv]") {
  const Dataset data = mo_every_11th(3);
  GapFitSettings s;
  s.gap = "distance_2b cutoff=4.5 covariance_type=ard_se delta=1.0 theta_uniform=1.0 sparse_method=uniform n_sparse=5";
  CHECK_THROWS_AS(gap_fold_summaries(data, s, 4, 2020, [](std::size_t, std::size_t) {}), InputError);
  CHECK_THROWS_AS(gap_fold_summaries(data, s, 1, 2020, [](std::size_t, std::size_t) {}), InputError);
}
