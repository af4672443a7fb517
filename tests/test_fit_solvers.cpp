// Streamed least-squares solvers: SVD (incremental QR), ridge, Bayesian ridge, ARD.
#include <catch2/catch.hpp>

#include <algorithm>
#include <barrier>
#include <condition_variable>
#include <deque>
#include <map>
#include <fstream>
#include <mutex>
#include <thread>
#include <random>
#include <string>

#include "pestle/core/communicator.hpp"
#include "thread_ranks.hpp"
#include "pestle/fit/solvers.hpp"

using namespace pestle;

using pestle::test::ThreadRanks;

namespace {

struct Problem {
  Eigen::MatrixXd A;
  Eigen::VectorXd b, w, x;
};

/// Rows A x + noise with columns of very different scales (as SNAP features have).
Problem make_problem(Eigen::Index rows, Eigen::Index cols, double noise, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g;
  Problem p;
  p.A.resize(rows, cols);
  p.x.resize(cols);
  for (Eigen::Index j = 0; j < cols; ++j) {
    const double scale = std::pow(10.0, static_cast<double>(j % 5) - 2.0);
    for (Eigen::Index r = 0; r < rows; ++r) p.A(r, j) = scale * g(rng);
    p.x[j] = g(rng) / scale;
  }
  p.b = p.A * p.x;
  for (Eigen::Index r = 0; r < rows; ++r) p.b[r] += noise * g(rng);
  p.w = Eigen::VectorXd::Ones(rows);
  return p;
}

SolverOptions with(SolverKind k) {
  SolverOptions o;
  o.kind = k;
  return o;
}

/// Reference: weighted least squares through a dense QR of diag(w)·A.
Eigen::VectorXd reference_solution(const Problem& p) {
  const Eigen::MatrixXd WA = p.w.asDiagonal() * p.A;
  return WA.colPivHouseholderQr().solve(Eigen::VectorXd(p.w.cwiseProduct(p.b)));
}

}  // namespace

TEST_CASE("svd solver recovers exact coefficients, streamed in small blocks", "[fit][solvers]") {
  const Problem p = make_problem(500, 12, 0.0, 1);
  SolverOptions o = with(SolverKind::svd);
  o.block_rows = 7;  // many QR updates
  LeastSquares ls(12, o);
  for (Eigen::Index r = 0; r < p.A.rows(); r += 33) {
    const Eigen::Index m = std::min<Eigen::Index>(33, p.A.rows() - r);
    ls.add(p.A.middleRows(r, m), p.b.segment(r, m), p.w.segment(r, m));
  }
  const Solution s = ls.solve();
  CHECK(s.rank == 12);
  CHECK(s.rows == 500);
  CHECK((s.coefficients - p.x).norm() / p.x.norm() < 1e-12);
  CHECK(s.residual < 1e-9);
}

TEST_CASE("weighted svd and unregularised solvers match a dense weighted QR", "[fit][solvers]") {
  Problem p = make_problem(300, 8, 0.05, 2);
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0.1, 3.0);
  for (Eigen::Index r = 0; r < p.w.size(); ++r) p.w[r] = u(rng);
  p.w[3] = 0.0;  // ignored row
  const Eigen::VectorXd ref = reference_solution(p);
  const Solution s = solve_least_squares(p.A, p.b, p.w, with(SolverKind::svd));
  CHECK(s.rows == 299);
  CHECK((s.coefficients - ref).norm() / ref.norm() < 1e-11);
  CHECK(s.residual == Approx((p.w.asDiagonal() * (p.A * ref - p.b)).norm()).epsilon(1e-10));
  SolverOptions r = with(SolverKind::ridge);
  r.ridge = 0.0;
  const Solution sr = solve_least_squares(p.A, p.b, p.w, r);
  CHECK((sr.coefficients - ref).norm() / ref.norm() < 1e-8);
  // without column scaling the svd answer is the same (well-conditioned enough here)
  SolverOptions ns = with(SolverKind::svd);
  ns.scale_columns = false;
  CHECK((solve_least_squares(p.A, p.b, p.w, ns).coefficients - ref).norm() / ref.norm() < 1e-9);
}

TEST_CASE("ridge shrinks coefficients as lambda grows", "[fit][solvers]") {
  const Problem p = make_problem(100, 6, 0.1, 3);
  double last = std::numeric_limits<double>::infinity();
  for (double lambda : {1e-8, 1e-2, 1.0, 100.0}) {
    SolverOptions o = with(SolverKind::ridge);
    o.ridge = lambda;
    o.scale_columns = false;
    const Solution s = solve_least_squares(p.A, p.b, p.w, o);
    // closed form (AᵀA + λI)⁻¹Aᵀb without scaling
    const Eigen::MatrixXd M = p.A.transpose() * p.A + lambda * Eigen::MatrixXd::Identity(6, 6);
    const Eigen::VectorXd ref = M.ldlt().solve(p.A.transpose() * p.b);
    CHECK((s.coefficients - ref).norm() / ref.norm() < 1e-9);
    CHECK(s.coefficients.norm() < last);
    last = s.coefficients.norm();
  }
}

TEST_CASE("Bayesian ridge estimates the noise level and gives posterior errors", "[fit][solvers]") {
  const double sigma = 0.05;
  const Problem p = make_problem(4000, 10, sigma, 4);
  const Solution s = solve_least_squares(p.A, p.b, p.w, with(SolverKind::bayesian_ridge));
  CHECK(1.0 / std::sqrt(s.beta) == Approx(sigma).epsilon(0.05));
  CHECK(s.effective_parameters == Approx(10.0).margin(0.1));
  REQUIRE(s.coefficient_std.size() == 10);
  // truth lies within 4 posterior standard deviations
  for (Eigen::Index j = 0; j < 10; ++j) CHECK(std::abs(s.coefficients[j] - p.x[j]) < 4 * s.coefficient_std[j]);
  CHECK(std::isfinite(s.log_evidence));
}

TEST_CASE("ARD prunes irrelevant columns", "[fit][solvers]") {
  Problem p = make_problem(2000, 12, 0.01, 6);
  for (Eigen::Index j = 4; j < 12; ++j) p.x[j] = 0.0;  // only the first 4 columns matter
  std::mt19937 rng(8);
  std::normal_distribution<double> g;
  p.b = p.A * p.x;
  for (Eigen::Index r = 0; r < p.b.size(); ++r) p.b[r] += 0.01 * g(rng);
  const Solution s = solve_least_squares(p.A, p.b, p.w, with(SolverKind::ard));
  for (Eigen::Index j = 0; j < 4; ++j) CHECK(s.coefficients[j] == Approx(p.x[j]).epsilon(1e-2));
  CHECK(s.rank < 12);
  CHECK(s.rank >= 4);
  // pruned or tiny: the irrelevant coefficients contribute almost nothing
  CHECK((p.A.rightCols(8) * s.coefficients.tail(8)).norm() < 0.05 * (p.A * p.x).norm());
}

TEST_CASE("singular, under-determined and empty fits are reported, not solved silently", "[fit][solvers]") {
  Problem p = make_problem(50, 6, 0.0, 9);
  SECTION("under-determined svd") {
    CHECK_THROWS_AS(solve_least_squares(p.A.topRows(4), p.b.head(4), p.w.head(4)), NumericalError);
    try {
      solve_least_squares(p.A.topRows(4), p.b.head(4), p.w.head(4));
    } catch (const NumericalError& e) {
      CHECK(std::string(e.what()).find("under-determined") != std::string::npos);
    }
  }
  SECTION("rank-deficient svd; a minimum-norm solution on request") {
    p.A.col(5) = 2.0 * p.A.col(1);
    p.b = p.A * p.x;
    CHECK_THROWS_AS(solve_least_squares(p.A, p.b, p.w), NumericalError);
    SolverOptions o;
    o.allow_rank_deficient = true;
    const Solution s = solve_least_squares(p.A, p.b, p.w, o);
    CHECK(s.rank == 5);
    // minimum norm in the standardised columns: both scaled columns are equal, so they share evenly
    CHECK(s.coefficients[5] == Approx(0.5 * s.coefficients[1]).epsilon(1e-8));
    o.scale_columns = false;  // minimum norm in the original columns
    const Solution u = solve_least_squares(p.A, p.b, p.w, o);
    CHECK(u.coefficients[5] == Approx(2.0 * u.coefficients[1]).epsilon(1e-8));
    CHECK((p.A * u.coefficients - p.b).norm() < 1e-9 * p.b.norm());
    SolverOptions r = with(SolverKind::ridge);
    r.ridge = 0.0;
    CHECK_THROWS_AS(solve_least_squares(p.A, p.b, p.w, r), NumericalError);
    r.ridge = 1e-6;
    CHECK_NOTHROW(solve_least_squares(p.A, p.b, p.w, r));
  }
  SECTION("all weights zero") {
    CHECK_THROWS_AS(solve_least_squares(p.A, p.b, Eigen::VectorXd::Zero(50)), InputError);
  }
  SECTION("NaN in a block") {
    p.b[7] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(solve_least_squares(p.A, p.b, p.w), NumericalError);
  }
  CHECK_THROWS_AS(solver_from_name("lasso"), InputError);
  CHECK(solver_from_name("ard") == SolverKind::ard);
}

namespace {
long status_kib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  return -1;
}
}  // namespace

TEST_CASE("streaming keeps memory bounded by the block, not the rows", "[fit][solvers][memory]") {
  // 200k rows × 40 columns would be 64 MB as one matrix; streamed, the solver holds one
  // block (1024 × 41) plus R. The peak RSS (VmHWM, reset first) may grow by far less.
  const Eigen::Index cols = 40, rows = 200000, block = 2000;
  {
    std::ofstream reset("/proc/self/clear_refs");
    reset << "5";  // resets VmHWM to the current RSS
  }
  const long before = status_kib("VmRSS");
  std::mt19937 rng(1);
  std::normal_distribution<double> g;
  Eigen::VectorXd x(cols);
  for (auto& v : x) v = g(rng);
  LeastSquares ls(static_cast<std::size_t>(cols), SolverOptions{});
  Eigen::MatrixXd A(block, cols);
  Eigen::VectorXd b(block), w = Eigen::VectorXd::Ones(block);
  for (Eigen::Index done = 0; done < rows; done += block) {
    for (auto& v : A.reshaped()) v = g(rng);
    b = A * x;
    ls.add(A, b, w);
  }
  const Solution s = ls.solve();
  CHECK((s.coefficients - x).norm() < 1e-10 * x.norm());
  const long peak = status_kib("VmHWM");
  if (before > 0 && peak > 0) CHECK(peak - before < 16 * 1024);  // < 16 MiB over the starting RSS
}

namespace {

/// The solution of rows split over `ranks` threads (blocks of 7 rows dealt round robin) and reduced.
std::vector<Solution> solve_over_ranks(const Problem& p, const SolverOptions& o, int ranks) {
  ThreadRanks group(ranks);
  std::vector<Solution> out(static_cast<std::size_t>(ranks));
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      const ThreadRanks::Rank comm(group, r);
      LeastSquares ls(static_cast<std::size_t>(p.A.cols()), o);
      for (Eigen::Index start = 7 * r; start < p.A.rows(); start += 7 * ranks) {
        const Eigen::Index n = std::min<Eigen::Index>(7, p.A.rows() - start);
        ls.add(p.A.middleRows(start, n), p.b.segment(start, n), p.w.segment(start, n));
      }
      ls.reduce(comm);
      out[static_cast<std::size_t>(r)] = ls.solve();
    });
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace

TEST_CASE("rows shared over ranks and reduced give the one-process solution", "[fit][solvers][ranks]") {
  Problem p = make_problem(400, 24, 1e-3, 17);
  for (Eigen::Index r = 0; r < p.w.size(); ++r) p.w[r] = 0.5 + 0.01 * static_cast<double>(r % 13);
  for (SolverKind kind : {SolverKind::svd, SolverKind::ridge, SolverKind::bayesian_ridge}) {
    SolverOptions o;
    o.kind = kind;
    o.block_rows = 50;  // the svd path re-factors several times per rank
    const Solution one = solve_least_squares(p.A, p.b, p.w, o);
    for (int ranks : {1, 2, 3, 5}) {
      INFO(solver_name(kind) << " over " << ranks << " ranks");
      for (const Solution& s : solve_over_ranks(p, o, ranks)) {
        CHECK(s.rows == one.rows);
        const double diff = (s.coefficients - one.coefficients).cwiseQuotient(one.coefficients.cwiseAbs()).cwiseAbs().maxCoeff();
        CHECK(diff < 1e-9);
        // the normal equations' residual, sqrt(bᵀb - 2yᵀh + yᵀGy), cancels: round-off of ~1e-8 here
        CHECK(s.residual == Approx(one.residual).epsilon(kind == SolverKind::svd ? 1e-9 : 1e-6));
      }
    }
  }
}

TEST_CASE("a data set's rank shares cover it once, balanced by assembly cost", "[fit][ranks]") {
  Dataset data;
  std::mt19937 rng(3);
  for (int k = 0; k < 57; ++k) {
    Frame f;
    f.structure.numbers.assign(static_cast<std::size_t>(1 + rng() % 40), 14);
    f.structure.positions.assign(f.structure.numbers.size(), Vec3{0, 0, 0});
    if (k % 3) {  // periodic, with densities that differ
      f.structure.cell = (8.0 + static_cast<double>(rng() % 5)) * Mat3::Identity();
      f.structure.pbc = {true, true, true};
    }
    data.push_back(f);
  }
  for (int ranks : {1, 2, 3, 5}) {
    ThreadRanks group(ranks);
    std::vector<int> seen(data.size(), 0);
    std::vector<double> costs;
    double largest = 0.0;
    for (const Frame& f : data) largest = std::max(largest, assembly_cost(f.structure));
    for (int r = 0; r < ranks; ++r) {
      const ThreadRanks::Rank comm(group, r);
      double n = 0.0;
      std::size_t last = 0;
      const std::vector<std::size_t> mine = rank_share(data, comm);
      for (std::size_t k = 0; k < mine.size(); ++k) {
        ++seen[mine[k]];
        n += assembly_cost(data[mine[k]].structure);
        if (k) CHECK(mine[k] > last);  // data-set order within a rank
        last = mine[k];
      }
      costs.push_back(n);
    }
    CHECK(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
    const auto [lo, hi] = std::minmax_element(costs.begin(), costs.end());
    CHECK(*hi - *lo <= largest + 1e-12);  // at most one structure's cost apart (greedy, costliest first)
  }
}
