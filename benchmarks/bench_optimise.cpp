// The optimiser's quality study and timings.
//
//   bench_optimise --study [--seeds 20] [--evaluations 50] [--initial 10]
//       Branin (2-D), Hartmann-6 and 10-D Ackley and Levy: median (and quartiles) of the best
//       value after the budget over the seeds, Bayesian optimisation (GP-hedge after a
//       Hammersley design) against uniform random search with the same budget. Figures in
//       docs/optimise.md. Deterministic for the seed set; not a timed test.
//   bench_optimise [Google Benchmark options]
//       time of a GP hyperparameter fit and of one ask() at 50 observations.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "pestle/optimise/optimiser.hpp"

using namespace pestle::optimise;

namespace {

struct TestFunction {
  std::string name;
  std::size_t dim;
  double low, high;  // the same box in every dimension except Branin's
  double minimum;
  std::function<double(const std::vector<double>&)> f;
};

double branin(const std::vector<double>& x) {
  const double pi = std::numbers::pi;
  const double a = 1.0, b = 5.1 / (4 * pi * pi), c = 5.0 / pi, r = 6.0, s = 10.0, t = 1.0 / (8 * pi);
  return a * std::pow(x[1] - b * x[0] * x[0] + c * x[0] - r, 2) + s * (1 - t) * std::cos(x[0]) + s;
}

double hartmann6(const std::vector<double>& x) {
  static constexpr double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static constexpr double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14}, {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}};
  static constexpr double P[4][6] = {{1312, 1696, 5569, 124, 8283, 5886},
                                     {2329, 4135, 8307, 3736, 1004, 9991},
                                     {2348, 1451, 3522, 2883, 3047, 6650},
                                     {4047, 8828, 8732, 5743, 1091, 381}};
  double sum = 0.0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0.0;
    for (int j = 0; j < 6; ++j) inner += A[i][j] * std::pow(x[j] - 1e-4 * P[i][j], 2);
    sum += alpha[i] * std::exp(-inner);
  }
  return -sum;
}

double ackley(const std::vector<double>& x) {
  const double d = static_cast<double>(x.size());
  double s1 = 0, s2 = 0;
  for (double v : x) s1 += v * v, s2 += std::cos(2 * std::numbers::pi * v);
  return -20 * std::exp(-0.2 * std::sqrt(s1 / d)) - std::exp(s2 / d) + 20 + std::numbers::e;
}

double levy(const std::vector<double>& x) {
  const std::size_t d = x.size();
  const auto w = [&](std::size_t i) { return 1 + (x[i] - 1) / 4; };
  const double pi = std::numbers::pi;
  double s = std::pow(std::sin(pi * w(0)), 2);
  for (std::size_t i = 0; i + 1 < d; ++i)
    s += std::pow(w(i) - 1, 2) * (1 + 10 * std::pow(std::sin(pi * w(i) + 1), 2));
  s += std::pow(w(d - 1) - 1, 2) * (1 + std::pow(std::sin(2 * pi * w(d - 1)), 2));
  return s;
}

std::vector<TestFunction> functions() {
  return {{"Branin (2-D)", 2, 0, 0, 0.397887, branin},
          {"Hartmann-6", 6, 0, 1, -3.32237, hartmann6},
          {"Ackley (10-D)", 10, -32.768, 32.768, 0.0, ackley},
          {"Levy (10-D)", 10, -10, 10, 0.0, levy}};
}

Space space_of(const TestFunction& t) {
  std::vector<Dimension> dims;
  for (std::size_t j = 0; j < t.dim; ++j) {
    if (t.name.rfind("Branin", 0) == 0) dims.push_back(j == 0 ? Dimension::real("x0", -5, 10) : Dimension::real("x1", 0, 15));
    else {
      std::string name = "x";
      name += std::to_string(j);
      dims.push_back(Dimension::real(name, t.low, t.high));
    }
  }
  return Space(dims);
}

std::vector<double> values(const Point& p) {
  std::vector<double> v;
  for (const auto& x : p) v.push_back(std::get<double>(x));
  return v;
}

DesignKind study_design = DesignKind::hammersley;
AcquisitionKind study_acquisition = AcquisitionKind::hedge;
double study_prior_width = 0.0, study_prior_scale = 0.25, study_local = 0.25;

double run_bo(const TestFunction& t, std::uint64_t seed, std::size_t budget, std::size_t initial) {
  OptimiserOptions o;
  o.seed = seed;
  o.initial_points = initial;
  o.design = study_design;
  o.acquisition = study_acquisition;
  o.gp.restarts = 2;
  o.local_fraction = study_local;
  o.gp.length_prior_width = study_prior_width;
  o.gp.length_prior_scale = study_prior_scale;
  Optimiser opt(space_of(t), o);
  double best = INFINITY;
  for (std::size_t k = 0; k < budget; ++k) {
    const Point p = opt.ask();
    const double y = t.f(values(p));
    opt.tell(p, y);
    best = std::min(best, y);
  }
  return best;
}

double run_random(const TestFunction& t, std::uint64_t seed, std::size_t budget) {
  const Space s = space_of(t);
  Rng rng(seed * 7919 + 17);
  double best = INFINITY;
  for (std::size_t k = 0; k < budget; ++k) {
    std::vector<double> u(t.dim);
    for (auto& x : u) x = uniform01(rng);
    best = std::min(best, t.f(values(s.from_unit(u))));
  }
  return best;
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(pos);
  const double frac = pos - static_cast<double>(i);
  return i + 1 < v.size() ? v[i] * (1 - frac) + v[i + 1] * frac : v[i];
}

int study(int argc, char** argv) {
  std::size_t seeds = 20, budget = 50, initial = 10;
  for (int k = 1; k + 1 < argc; ++k) {
    if (!std::strcmp(argv[k], "--seeds")) seeds = std::stoul(argv[k + 1]);
    if (!std::strcmp(argv[k], "--evaluations")) budget = std::stoul(argv[k + 1]);
    if (!std::strcmp(argv[k], "--initial")) initial = std::stoul(argv[k + 1]);
    if (!std::strcmp(argv[k], "--length-prior")) study_prior_width = std::stod(argv[k + 1]);
    if (!std::strcmp(argv[k], "--length-scale")) study_prior_scale = std::stod(argv[k + 1]);
    if (!std::strcmp(argv[k], "--local")) study_local = std::stod(argv[k + 1]);
    if (!std::strcmp(argv[k], "--design")) study_design = design_from_name(argv[k + 1]);
    if (!std::strcmp(argv[k], "--acquisition")) study_acquisition = acquisition_from_name(argv[k + 1]);
  }
  std::printf("design %s, acquisition %s, %zu initial points, %zu evaluations, %zu seeds\n\n", design_name(study_design),
              acquisition_name(study_acquisition), initial, budget, seeds);
  std::printf("| function | minimum | BO median best [quartiles] | random median best [quartiles] | BO better on | BO s/run |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const auto& t : functions()) {
    std::vector<double> bo, rs;
    std::size_t wins = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t s = 0; s < seeds; ++s) bo.push_back(run_bo(t, s, budget, initial));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / static_cast<double>(seeds);
    for (std::size_t s = 0; s < seeds; ++s) {
      rs.push_back(run_random(t, s, budget));
      wins += bo[s] < rs[s];
    }
    std::printf("| %s | %.4g | %.4g [%.4g, %.4g] | %.4g [%.4g, %.4g] | %zu/%zu seeds | %.1f |\n", t.name.c_str(), t.minimum,
                quantile(bo, 0.5), quantile(bo, 0.25), quantile(bo, 0.75), quantile(rs, 0.5), quantile(rs, 0.25),
                quantile(rs, 0.75), wins, seeds, seconds);
    std::fflush(stdout);
  }
  return 0;
}

void BM_gp_fit(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0)), d = 6;
  const Design pts = make_design(DesignKind::sobol, n, d, 0);
  Eigen::MatrixXd X(n, d);
  Eigen::VectorXd y(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> u = pts[i];
    for (std::size_t j = 0; j < d; ++j) X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = u[j];
    y[static_cast<Eigen::Index>(i)] = hartmann6(u);
  }
  for (auto _ : state) {
    GaussianProcess gp;
    Rng rng(1);
    gp.fit(X, y, rng);
    benchmark::DoNotOptimize(gp.hyperparameters().noise_variance);
  }
}
BENCHMARK(BM_gp_fit)->Arg(20)->Arg(50)->Unit(benchmark::kMillisecond);

void BM_ask(benchmark::State& state) {
  const auto t = functions()[1];
  OptimiserOptions o;
  o.initial_points = 50;
  for (auto _ : state) {
    state.PauseTiming();
    Optimiser opt(space_of(t), o);
    for (int k = 0; k < 50; ++k) {
      const Point p = opt.ask();
      opt.tell(p, t.f(values(p)));
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(opt.ask());
  }
}
BENCHMARK(BM_ask)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  for (int k = 1; k < argc; ++k)
    if (!std::strcmp(argv[k], "--study")) return study(argc, argv);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
