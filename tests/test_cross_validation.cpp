// Structure families (vacuum rule), stratified folds, and the held-out energy errors per frame
// and per family that FoldedNormalEquations reports (include/pestle/fit/cross_validation.hpp).
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <thread>

#include "pestle/core/families.hpp"
#include "pestle/core/lattices.hpp"
#include "pestle/fit/cross_validation.hpp"
#include "thread_ranks.hpp"

using namespace pestle;

namespace {

Frame frame_of(Structure s) {
  Frame f;
  f.structure = std::move(s);
  return f;
}

/// bcc Mo 3×3×3 with its c axis stretched by `vacuum` Å (atoms kept): a (001) slab if vacuum > 0.
Structure bcc_with_vacuum(double vacuum) {
  Structure s = cubic_supercell(cubic_basis::bcc, 3.16, 3, 42);
  s.cell(2, 2) += vacuum;
  return s;
}

}  // namespace

TEST_CASE("vacuum rule: bulk crystals are bulk, slabs and open axes are slabs", "[cross_validation]") {
  const Structure bulk = bcc_with_vacuum(0.0);
  CHECK(widest_vacuum_layer(bulk) == Approx(1.58).margin(1e-9));  // (001) plane spacing a/2
  CHECK(structure_family(frame_of(bulk)) == "bulk");

  Structure diamond = cubic_supercell(cubic_basis::diamond, 5.43, 2, 14);
  CHECK(widest_vacuum_layer(diamond) < 4.0);
  CHECK(structure_family(frame_of(diamond)) == "bulk");

  const Structure slab = bcc_with_vacuum(8.0);
  CHECK(widest_vacuum_layer(slab) == Approx(1.58 + 8.0).margin(1e-9));
  CHECK(structure_family(frame_of(slab)) == "slab");

  // a sheared (triclinic) slab: the gap is measured across the planes, not along c
  Structure sheared = slab;
  sheared.cell(2, 0) += 3.0;
  CHECK(widest_vacuum_layer(sheared) == Approx(1.58 + 8.0).margin(1e-9));

  // atoms wrapped across the boundary: the vacuum layer lies in the middle of the cell
  Structure shifted = slab;
  for (auto& r : shifted.positions) r.z() = std::fmod(r.z() + 6.0, shifted.cell(2, 2));
  CHECK(widest_vacuum_layer(shifted) == Approx(1.58 + 8.0).margin(1e-9));

  Structure open = bulk;
  open.pbc = {true, true, false};
  CHECK(structure_family(frame_of(open)) == "slab");

  Frame labelled = frame_of(slab);
  labelled.labels.config_type = "surface_110";
  CHECK(structure_family(labelled) == "surface_110");
}

TEST_CASE("stratified folds spread every family and keep fold sizes even", "[cross_validation]") {
  std::vector<int> family(200, 0);
  for (int k = 0; k < 9; ++k) family[static_cast<std::size_t>(20 * k + 3)] = 1;  // nine rare ones
  for (int k = 0; k < 30; ++k) family[static_cast<std::size_t>(5 * k + 1)] = 2;
  const int folds = 5;
  const std::vector<int> fold = assign_folds_stratified(family, folds, 7);
  std::map<std::pair<int, int>, int> count;  // (family, fold) -> frames
  std::vector<int> size(folds, 0);
  for (std::size_t i = 0; i < fold.size(); ++i) {
    REQUIRE(fold[i] >= 0);
    REQUIRE(fold[i] < folds);
    ++count[{family[i], fold[i]}];
    ++size[static_cast<std::size_t>(fold[i])];
  }
  for (int g = 0; g < 3; ++g) {
    int lo = 1 << 30, hi = 0;
    for (int f = 0; f < folds; ++f) lo = std::min(lo, count[{g, f}]), hi = std::max(hi, count[{g, f}]);
    CHECK(hi - lo <= 1);
  }
  CHECK(*std::max_element(size.begin(), size.end()) - *std::min_element(size.begin(), size.end()) <= 1);
  CHECK(assign_folds_stratified(family, folds, 8) != fold);  // the seed matters
  CHECK_THROWS_AS(assign_folds_stratified({0, 1}, 3), InputError);
}

TEST_CASE("held-out errors per frame and per family equal explicit refits, unweighted", "[cross_validation]") {
  // synthetic linear data: 40 frames, each one energy row and three force rows, 4 columns
  const Eigen::Index n = 4;
  const std::size_t frames = 40;
  const int folds = 4;
  std::mt19937 rng(11);
  std::normal_distribution<double> normal;
  const Eigen::Vector4d truth(0.5, -1.0, 2.0, 0.25);
  // varying frame weights keep one training force part per fold; a single weight lets the
  // training forces be w² × the unweighted validation sums (no second n×n matrix)
  double spread = 1.0;
  SECTION("frame weights 1, 2, 3") {}
  SECTION("one frame weight") { spread = 0.0; }
  std::vector<RowBlock> blocks;
  std::vector<int> family(frames);
  for (std::size_t k = 0; k < frames; ++k) {
    RowBlock r;
    r.frame = k;
    r.A = Eigen::MatrixXd::NullaryExpr(4, n, [&] { return normal(rng); });
    r.b = r.A * truth + 0.1 * Eigen::VectorXd::NullaryExpr(4, [&] { return normal(rng); });
    r.w = Eigen::VectorXd::Constant(4, 1.5 + spread * static_cast<double>(k % 3));  // frame weights shape training only
    r.kind = {RowKind::energy, RowKind::force, RowKind::force, RowKind::force};
    family[k] = k % 8 == 0 ? 1 : 0;  // a rare family of 5 frames
    blocks.push_back(r);
  }
  const std::vector<int> fold = assign_folds_stratified(family, folds);
  std::vector<std::size_t> atoms(frames);
  for (std::size_t k = 0; k < frames; ++k) atoms[k] = 1 + k % 4;  // energy rows read as per atom
  FoldedNormalEquations ne(static_cast<std::size_t>(n), fold, folds, atoms, true);
  ne.set_families(family, 2);
  for (const RowBlock& r : blocks) ne.add(r);
  ne.finish();

  const double we = 3.0, wf = 1.0;
  SolverOptions solver;
  solver.kind = SolverKind::ridge;
  solver.ridge = 1e-14;
  const CvScore score = ne.score(we, wf, 0.0, solver);
  REQUIRE(score.solved);

  // explicit refit per fold: weighted least squares on the other folds' rows
  std::vector<double> sq(2, 0.0), count(2, 0.0);
  double pooled = 0.0, force_sq = 0.0, per_sqrt_atoms = 0.0;
  std::vector<Eigen::VectorXd> betas;
  for (int f = 0; f < folds; ++f) {
    Eigen::MatrixXd A(0, n);
    Eigen::VectorXd b(0);
    for (const RowBlock& r : blocks) {
      if (fold[r.frame] == f) continue;
      Eigen::VectorXd w = Eigen::VectorXd::Constant(4, wf);
      w[0] = we;
      w = w.cwiseProduct(r.w);
      A.conservativeResize(A.rows() + 4, n);
      b.conservativeResize(b.rows() + 4);
      A.bottomRows(4) = w.asDiagonal() * r.A;
      b.tail(4) = w.asDiagonal() * r.b;
    }
    const Eigen::VectorXd beta = A.colPivHouseholderQr().solve(b);
    betas.push_back(beta);
    for (const RowBlock& r : blocks) {
      if (fold[r.frame] != f) continue;
      const double e = r.A.row(0).dot(beta) - r.b[0];
      sq[static_cast<std::size_t>(family[r.frame])] += e * e;
      count[static_cast<std::size_t>(family[r.frame])] += 1.0;
      pooled += e * e;
      per_sqrt_atoms += e * e * static_cast<double>(atoms[r.frame]);  // ((Ê − E)/√n)², Ê − E = e·n
      force_sq += (r.A.bottomRows(3) * beta - r.b.tail(3)).squaredNorm();
    }
  }
  CHECK(score.energy_rmse == Approx(std::sqrt(pooled / frames)).epsilon(1e-8));
  CHECK(score.force_rmse == Approx(std::sqrt(force_sq / (3.0 * frames))).epsilon(1e-8));
  REQUIRE(score.family_energy_rmse.size() == 2);
  CHECK(count[1] == 5.0);
  for (std::size_t g = 0; g < 2; ++g) CHECK(score.family_energy_rmse[g] == Approx(std::sqrt(sq[g] / count[g])).epsilon(1e-8));
  CHECK(score.balanced_energy_rmse ==
        Approx(std::sqrt(0.5 * (sq[0] / count[0] + sq[1] / count[1]))).epsilon(1e-8));

  // the optimiser's unweighted summaries (energies from the kept rows, forces from the sums)
  const auto errors = ne.fold_errors(betas);
  CHECK(errors.energies == frames);
  CHECK(errors.force_components == 3 * frames);
  CHECK(errors.energy_sq_per_atom == Approx(pooled).epsilon(1e-10));
  CHECK(errors.energy_sq_per_sqrt_atoms == Approx(per_sqrt_atoms).epsilon(1e-10));
  CHECK(errors.force_sq == Approx(force_sq).epsilon(1e-8));

  CHECK_THROWS(ne.set_families(std::vector<int>(frames, 2), 2));
  CHECK_THROWS(ne.set_families(std::vector<int>(frames - 1, 0), 1));
}

TEST_CASE("cross-validation and least squares refuse systems larger than the machine's memory", "[cross_validation]") {
  // 200 000 columns: 5 folds of 320 GB normal equations; refused before anything is allocated
  CHECK_THROWS_WITH(FoldedNormalEquations(200000, std::vector<int>{0, 1, 2, 3, 4}, 5, std::vector<std::size_t>(5, 1), true),
                    Catch::Contains("5-fold cross-validation of 200000 columns needs about") &&
                        Catch::Contains("GB allowed"));
  SolverOptions solver;
  solver.kind = SolverKind::ridge;
  CHECK_THROWS_WITH(LeastSquares(2000000, solver), Catch::Contains("least-squares fit of 2000000 columns needs about"));
  solver.kind = SolverKind::svd;
  CHECK_THROWS_WITH(LeastSquares(500000, solver), Catch::Contains("GB allowed"));
  CHECK_NOTHROW(LeastSquares(100, solver));
}

TEST_CASE("folded normal equations shared over ranks and reduced equal the one-process ones", "[cross_validation][ranks]") {
  // 30 frames of 5 columns: energy, three forces and one virial row, frame weights 1, 2 (two force
  // groups per fold), on ranks that hold uneven shares (the last rank of three holds none)
  const Eigen::Index n = 5;
  const std::size_t frames = 30;
  const int folds = 3;
  std::mt19937 rng(5);
  std::normal_distribution<double> normal;
  std::vector<RowBlock> blocks;
  for (std::size_t k = 0; k < frames; ++k) {
    RowBlock r;
    r.frame = k;
    r.A = Eigen::MatrixXd::NullaryExpr(5, n, [&] { return normal(rng); });
    r.b = Eigen::VectorXd::NullaryExpr(5, [&] { return normal(rng); });
    r.w = Eigen::VectorXd::Constant(5, 1.0 + static_cast<double>(k % 2));
    r.kind = {RowKind::energy, RowKind::force, RowKind::force, RowKind::force, RowKind::virial};
    blocks.push_back(r);
  }
  const std::vector<int> fold = assign_folds(frames, folds, 7);
  std::vector<std::size_t> atoms(frames);
  for (std::size_t k = 0; k < frames; ++k) atoms[k] = 2 + k % 3;
  auto fresh = [&] { return FoldedNormalEquations(static_cast<std::size_t>(n), fold, folds, atoms, true); };
  FoldedNormalEquations one = fresh();
  for (const RowBlock& r : blocks) one.add(r);
  one.finish();
  SolverOptions solver;
  solver.kind = SolverKind::ridge;
  solver.ridge = 1e-6;
  const CvScore expected = one.score(10.0, 1.0, 0.5, solver);
  const std::vector<Eigen::VectorXd> betas = one.fold_coefficients(10.0, 1.0, 0.5, solver);
  const std::vector<double> frame_errors = one.frame_energy_errors(betas);
  const auto errors = one.fold_errors(betas);
  REQUIRE(expected.solved);

  for (int ranks : {2, 3}) {
    INFO(ranks << " ranks");
    test::ThreadRanks group(ranks);
    std::vector<CvScore> scores(static_cast<std::size_t>(ranks));
    std::vector<std::vector<double>> per_frame(scores.size());
    std::vector<double> force_sq(scores.size());
    std::vector<std::thread> threads;
    for (int r = 0; r < ranks; ++r)
      threads.emplace_back([&, r] {
        const test::ThreadRanks::Rank comm(group, r);
        FoldedNormalEquations ne = fresh();
        // rank r takes frames in reverse order, as local blocks whose global index is given
        for (std::size_t k = frames; k-- > 0;)
          if (static_cast<int>(k % 5) % ranks == r && !(ranks == 3 && r == 2)) {
            RowBlock local = blocks[k];
            local.frame = 999;  // the local index must not be used
            ne.add(local, k);
          } else if (ranks == 3 && r == 0 && k % 5 == 2) {
            ne.add(blocks[k], k);  // rank 2's share goes to rank 0
          }
        ne.reduce(comm);
        ne.finish();
        scores[std::size_t(r)] = ne.score(10.0, 1.0, 0.5, solver);
        const auto b = ne.fold_coefficients(10.0, 1.0, 0.5, solver);
        per_frame[std::size_t(r)] = ne.frame_energy_errors(b);
        force_sq[std::size_t(r)] = ne.fold_errors(b).force_sq;
      });
    for (auto& t : threads) t.join();
    for (int r = 0; r < ranks; ++r) {
      const CvScore& s = scores[std::size_t(r)];
      CHECK(s.energy_rmse == Approx(expected.energy_rmse).epsilon(1e-10));
      CHECK(s.force_rmse == Approx(expected.force_rmse).epsilon(1e-10));
      REQUIRE(per_frame[std::size_t(r)].size() == frame_errors.size());
      for (std::size_t k = 0; k < frames; ++k) CHECK(per_frame[std::size_t(r)][k] == Approx(frame_errors[k]).margin(1e-12));
      CHECK(force_sq[std::size_t(r)] == Approx(errors.force_sq).epsilon(1e-10));
    }
  }
}
