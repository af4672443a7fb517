// The two GP kernels of issue 4 at GAP-production size, M = 2000 sparse points, one thread:
//   KnmAssembly   the covariance rows of one structure (energy, 3N forces, virial) for the sparse fit,
//                 arg 0: rows only (SOAP values and gradients computed beforehand),
//                 arg 1: including the SOAP values and gradients (what a fit pays per structure)
//   GpPredict     GAP prediction with those 2000 sparse points (a GapPotential built in memory):
//                 arg 0: energy only, arg 1: energy + forces + virial
// on bulk diamond Si, a = 5.431 Å, 3×3×3 conventional cells (216 atoms) rattled by 0.05 Å,
// SOAP n_max = 8, l_max = 6, cutoff 5 Å (d = 253), dot-product kernel ζ = 4. The sparse points are
// SOAP vectors of other rattled copies of the cell, as CUR would pick them.
//
//   <build>/bin/bench_gap_fit --benchmark_counters_tabular=true
//
// Counter us_per_atom = wall time per atom of the structure.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include <tbb/global_control.h>

#include "pestle/core/lattices.hpp"
#include "pestle/fit/gap_fit.hpp"
#include "pestle/fit/sparse_gp.hpp"
#include "pestle/formats/quip_descriptor_string.hpp"
#include "pestle/models/gap.hpp"

namespace {

constexpr const char* soap_string =
    "soap cutoff=5.0 cutoff_transition_width=0.5 n_max=8 l_max=6 atom_sigma=0.5 n_species=1 species_Z={14} Z=14";
constexpr Eigen::Index sparse_count = 2000;

pestle::Structure rattled_si(unsigned seed) {
  pestle::Structure s = pestle::cubic_supercell(pestle::cubic_basis::diamond, 5.431, 3, 14);
  pestle::rattle(s, 0.05, seed);
  return s;
}

pestle::Soap<> si_soap() {
  const auto q = std::get<pestle::io::QuipSoap>(pestle::io::parse_quip_descriptor(soap_string));
  return pestle::Soap<>(pestle::gap_detail::soap_params(q));
}

/// 2000 SOAP vectors of rattled copies of the cell (seeds 101, 102, ...).
const Eigen::MatrixXd& sparse_points() {
  static const Eigen::MatrixXd X = [] {
    const pestle::AtomEnvironments<pestle::Soap<>> source{si_soap(), {}};
    Eigen::MatrixXd x(sparse_count, Eigen::Index(source.dimension()));
    Eigen::Index filled = 0;
    for (unsigned seed = 101; filled < sparse_count; ++seed) {
      const pestle::TermInstances inst = source.instances(rattled_si(seed), false);
      const Eigen::Index take = std::min<Eigen::Index>(inst.q.rows(), sparse_count - filled);
      x.middleRows(filled, take) = inst.q.topRows(take);
      filled += take;
    }
    return x;
  }();
  return X;
}

void per_atom(benchmark::State& state, std::size_t atoms) {
  state.counters["us_per_atom"] = benchmark::Counter(double(atoms) * 1e-6, benchmark::Counter::kIsIterationInvariantRate |
                                                                              benchmark::Counter::kInvert);
}

void BM_KnmAssembly(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 1);
  const bool with_descriptor = state.range(0) == 1;
  const pestle::Structure s = rattled_si(7);
  const pestle::AtomEnvironments<pestle::Soap<>> source{si_soap(), {}};
  const pestle::DotProductFitKernel kernel{pestle::DotProductKernel(4.0)};
  const Eigen::MatrixXd& X = sparse_points();
  const Eigen::VectorXd fX = Eigen::VectorXd::Ones(X.rows());
  const auto f0 = Eigen::Index(1), v0 = f0 + Eigen::Index(3 * s.size());
  Eigen::MatrixXd At(X.rows(), v0 + 6);
  pestle::TermInstances inst = source.instances(s, true);
  for (auto _ : state) {
    if (with_descriptor) inst = source.instances(s, true);
    At.setZero();
    pestle::add_covariance_rows(inst, kernel, 1.0, X, fX, 0, true, f0, true, v0, true, At);
    benchmark::DoNotOptimize(At.data());
  }
  state.SetLabel(with_descriptor ? "SOAP gradients + rows" : "rows only");
  per_atom(state, s.size());
}
BENCHMARK(BM_KnmAssembly)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

const pestle::GapPotential& si_gap() {
  static const pestle::GapPotential gap = [] {
    pestle::GapTerm term;
    term.label = "soap_n8l6_M2000";
    term.descriptor_string = soap_string;
    term.descriptor = pestle::io::parse_quip_descriptor(soap_string);
    term.covariance = pestle::GapCovariance::dot_product;
    term.zeta = 4.0;
    term.sparse.points = sparse_points();
    std::mt19937_64 rng(11);
    std::normal_distribution<double> normal(0.0, 1e-3);
    term.sparse.alpha.resize(sparse_count);
    for (auto& a : term.sparse.alpha) a = normal(rng);
    term.sparse.cutoff = Eigen::VectorXd::Ones(sparse_count);
    term.sparse.delta = 1.0;
    pestle::GapModel model;
    model.label = "bench";
    model.terms.push_back(std::move(term));
    return pestle::GapPotential(std::move(model));
  }();
  return gap;
}

void BM_GpPredict(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 1);
  const bool forces = state.range(0) == 1;
  const pestle::GapPotential& gap = si_gap();
  const pestle::Structure s = rattled_si(7);
  for (auto _ : state) benchmark::DoNotOptimize(forces ? gap.compute(s).energy : gap.energy(s));
  state.SetLabel(forces ? "energy + forces + virial" : "energy");
  per_atom(state, s.size());
}
BENCHMARK(BM_GpPredict)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
