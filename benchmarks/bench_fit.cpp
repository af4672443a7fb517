// Streamed SNAP fitting: memory stays bounded by one block of rows, not by the data set.
//
//   snap_stream       the real bispectrum (Zuo Mo settings: twojmax 6, rcutfac 4.6) on the
//                     Zuo Mo training set replicated with random rattles (0.05 Å) until it has
//                     >= 500k force-component rows, fitted with the SVD solver (incremental QR)
//                     and with ridge (normal equations). Labels: the Zuo Mo SNAP itself, so the
//                     fit must recover it (the counter coef_rel_err checks that).
//   synthetic_stream  random rows (500k × 496 columns, the width of a twojmax 6 qSNAP) pushed
//                     through the SVD solver in blocks of 2000.
//   potential_compute energy + forces + stress of a 2000-atom bcc Mo cell with the Zuo Mo
//                     SNAP/qSNAP through Potential::compute (oneTBB over atoms).
//
//   <build>/bin/bench_fit --benchmark_counters_tabular=true
//
// Counters: rows (force rows for snap_stream), dense_MiB (what the design matrix would take if
// stored), peak_rss_MiB (VmHWM of the process, reset before each run through
// /proc/self/clear_refs), us_per_atom. Figures are recorded in docs/fitting.md.
#include <benchmark/benchmark.h>

#include <fstream>
#include <random>
#include <string>

#include "pestle/core/lattices.hpp"
#include "pestle/fit.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/formats/snap_files.hpp"

namespace {

const std::string potentials = "/usr/share/lammps/potentials/";

long status_kib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  return -1;
}

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

pestle::SnapPotential zuo_mo() {
  return std::get<pestle::SnapPotential>(
      pestle::load_snap(potentials + "Mo_Zuo_JPCA2020.snapcoeff", potentials + "Mo_Zuo_JPCA2020.snapparam").variant());
}

/// Zuo Mo training structures, rattled copies, labelled by `truth`, with >= min_force_rows force rows.
template <class P>
pestle::Dataset replicated_mo(const P& truth, std::size_t min_force_rows) {
  const pestle::Dataset train = pestle::read_extxyz(std::string(PESTLE_SHARED_DIR) + "/data/zuo2020/Mo_train.xyz");
  std::mt19937 rng(42);
  std::normal_distribution<double> g(0.0, 0.05);
  pestle::Dataset out;
  std::size_t rows = 0;
  for (std::size_t k = 0; rows < min_force_rows; ++k) {
    pestle::Frame f;
    f.structure = train[k % train.size()].structure;
    for (auto& r : f.structure.positions) r += pestle::Vec3(g(rng), g(rng), g(rng));
    const auto res = truth.compute(f.structure);
    f.labels.energy = res.energy;
    f.labels.forces = res.forces;
    rows += 3 * f.size();
    out.push_back(std::move(f));
  }
  return out;
}

void snap_stream(benchmark::State& state) {
  const auto truth = zuo_mo();
  const pestle::Dataset data = replicated_mo(truth, 500000);
  pestle::FitOptions opt;
  opt.solver.kind = state.range(0) == 0 ? pestle::SolverKind::svd : pestle::SolverKind::ridge;
  opt.solver.ridge = 1e-12;
  opt.design.weights.energy = 100.0;
  pestle::FitSummary summary;
  const long before = status_kib("VmRSS");
  reset_peak_rss();
  double err = 0.0;
  for (auto _ : state) {
    const auto fitted = pestle::fit_linear_model<pestle::Linear>(truth.descriptor(), data, {42}, opt, &summary);
    const auto& a = fitted.model().coefficients(0);
    const auto& b = truth.model().coefficients(0);
    double num = 0.0, den = 0.0;
    for (std::size_t p = 0; p < a.size(); ++p) num += (a[p] - b[p]) * (a[p] - b[p]), den += b[p] * b[p];
    err = std::sqrt(num / den);
  }
  const double rows = static_cast<double>(summary.energy_rows + summary.force_rows);
  state.counters["rows"] = rows;
  state.counters["force_rows"] = static_cast<double>(summary.force_rows);
  state.counters["dense_MiB"] = rows * 31 * 8 / (1024.0 * 1024.0);
  state.counters["rss_before_MiB"] = static_cast<double>(before) / 1024.0;
  state.counters["peak_rss_MiB"] = static_cast<double>(status_kib("VmHWM")) / 1024.0;
  state.counters["coef_rel_err"] = err;
  state.SetLabel(pestle::solver_name(opt.solver.kind));
}
BENCHMARK(snap_stream)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

void synthetic_stream(benchmark::State& state) {
  const Eigen::Index cols = state.range(0), rows = 500000, block = 2000;
  std::mt19937 rng(1);
  std::normal_distribution<double> g;
  Eigen::VectorXd x(cols);
  for (auto& v : x) v = g(rng);
  Eigen::MatrixXd A(block, cols);
  Eigen::VectorXd b(block), w = Eigen::VectorXd::Ones(block);
  const long before = status_kib("VmRSS");
  reset_peak_rss();
  double err = 0.0;
  for (auto _ : state) {
    pestle::LeastSquares ls(static_cast<std::size_t>(cols), pestle::SolverOptions{});
    for (Eigen::Index done = 0; done < rows; done += block) {
      for (auto& v : A.reshaped()) v = g(rng);
      b = A * x;
      ls.add(A, b, w);
    }
    err = (ls.solve().coefficients - x).norm() / x.norm();
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["dense_MiB"] = static_cast<double>(rows * (cols + 1)) * 8 / (1024.0 * 1024.0);
  state.counters["rss_before_MiB"] = static_cast<double>(before) / 1024.0;
  state.counters["peak_rss_MiB"] = static_cast<double>(status_kib("VmHWM")) / 1024.0;
  state.counters["coef_rel_err"] = err;
}
BENCHMARK(synthetic_stream)->Arg(496)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

/// Linear SNAP and qSNAP fitted to the Zuo Mo training set with the published hyperparameters,
/// errors on the Zuo Mo test set, next to the errors of the published Zuo potentials.
void zuo_mo_fit(benchmark::State& state) {
  const bool quadratic = state.range(0) != 0;
  const std::string file = quadratic ? "Mo_Zuo_JPCA2020.quadratic" : "Mo_Zuo_JPCA2020";
  const pestle::AnyPotential published = pestle::load_snap(potentials + file + ".snapcoeff", potentials + file + ".snapparam");
  const std::string dir = std::string(PESTLE_SHARED_DIR) + "/data/zuo2020/";
  const pestle::Dataset train = pestle::read_extxyz(dir + "Mo_train.xyz"), test = pestle::read_extxyz(dir + "Mo_test.xyz");
  pestle::FitOptions opt;
  opt.design.weights.energy = 100.0;
  opt.design.weights.per_atom_energy = true;
  opt.solver.kind = pestle::SolverKind::svd;
  opt.solver.allow_rank_deficient = true;
  opt.solver.rcond = 1e-10;
  pestle::ErrorReport ours_train, ours_test, pub_test;
  std::size_t rank = 0;
  for (auto _ : state) {
    published.visit([&](const auto& pub) {
      using M = typename std::remove_cvref_t<decltype(pub)>::model_type;
      pestle::FitSummary summary;
      const auto fitted = pestle::fit_linear_model<M>(pub.descriptor(), train, {42}, opt, &summary);
      rank = summary.solution.rank;
      ours_train = pestle::error_report(fitted, train);
      ours_test = pestle::error_report(fitted, test);
      pub_test = pestle::error_report(pub, test);
    });
  }
  state.counters["rank"] = static_cast<double>(rank);
  state.counters["train_E_meV"] = ours_train.overall.energy_rmse_meV_per_atom();
  state.counters["train_F"] = ours_train.overall.force_rmse();
  state.counters["test_E_meV"] = ours_test.overall.energy_rmse_meV_per_atom();
  state.counters["test_F"] = ours_test.overall.force_rmse();
  state.counters["zuo_test_E_meV"] = pub_test.overall.energy_rmse_meV_per_atom();
  state.counters["zuo_test_F"] = pub_test.overall.force_rmse();
  state.SetLabel(std::string(published.type_name()) + " eweight 100 per-atom, fweight 1, svd; F = component RMSE eV/A");
}
BENCHMARK(zuo_mo_fit)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

pestle::Structure bcc_mo(int n) {
  // 2000-atom bcc Mo of the LAMMPS timing runs (a = 3.16 Å), lightly rattled
  pestle::Structure s = pestle::cubic_supercell(pestle::cubic_basis::bcc, 3.16, n, 42);
  pestle::rattle(s, 0.05, 4928459);
  return s;
}

void potential_compute(benchmark::State& state) {
  const std::string file = state.range(0) ? "Mo_Zuo_JPCA2020.quadratic" : "Mo_Zuo_JPCA2020";
  const pestle::AnyPotential pot = pestle::load_snap(potentials + file + ".snapcoeff", potentials + file + ".snapparam");
  const pestle::Structure s = bcc_mo(10);
  for (auto _ : state) benchmark::DoNotOptimize(pot.compute(s));
  state.counters["us_per_atom"] = benchmark::Counter(static_cast<double>(s.size()) * 1e-6,
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
  state.SetLabel(std::string(pot.type_name()));
}
BENCHMARK(potential_compute)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
