// GAP XML potential evaluation: QUIP's Mo GAP (2b + SOAP n8l8, 500 sparse points, ζ = 4) on the
// 2000-atom rattled bcc Mo cell of the reference timings (QUIP: 1644 µs/atom for E+F on one
// thread, README section 5), on 1 and 2 threads; and the SOAP kernel contraction alone.
//
//   <build>/bin/bench_gap --benchmark_counters_tabular=true
//
// Counters: time_per_atom (wall time per atom, with its unit).
#include <benchmark/benchmark.h>

#include <random>

#include <tbb/global_control.h>

#include "pestle/data/extxyz.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/models/gap.hpp"

namespace {

std::string shared(const std::string& rel) { return std::string(PESTLE_SHARED_DIR) + "/" + rel; }

const pestle::GapPotential& mo_gap() {
  static const pestle::GapPotential gap = pestle::io::read_gap_potential(shared("data/reference/quip-gap/gap/Mo_gap.xml"));
  return gap;
}

const pestle::Structure& mo_2000() {
  static const pestle::Structure s =
      pestle::read_extxyz_frame(shared("data/reference/quip-gap/timing/bcc_Mo_2000atom_rattled.xyz")).structure;
  return s;
}

void per_atom(benchmark::State& state, std::size_t atoms) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * atoms));
  state.counters["time_per_atom"] =
      benchmark::Counter(double(atoms), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

/// Energy + forces + virial; arg: threads.
void BM_GapEnergyForces(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, std::size_t(state.range(0)));
  const auto& gap = mo_gap();
  const auto& s = mo_2000();
  for (auto _ : state) benchmark::DoNotOptimize(gap.compute(s).energy);
  per_atom(state, s.size());
}
BENCHMARK(BM_GapEnergyForces)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

/// Energy only; arg: threads.
void BM_GapEnergy(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, std::size_t(state.range(0)));
  const auto& gap = mo_gap();
  const auto& s = mo_2000();
  for (auto _ : state) benchmark::DoNotOptimize(gap.energy(s));
  per_atom(state, s.size());
}
BENCHMARK(BM_GapEnergy)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

/// The SOAP kernel contraction alone (E_i and ∂E_i/∂q_i for a block of unit vectors), one thread;
/// arg: block size (rows of Q).
void BM_GapKernelContraction(benchmark::State& state) {
  const auto& term = mo_gap().model().terms.at(1);
  const pestle::DotProductKernel kernel(term.zeta);
  const Eigen::VectorXd w = pestle::DotProductKernel::weights(term.sparse);
  const auto rows = Eigen::Index(state.range(0));
  std::mt19937_64 rng(7);
  std::normal_distribution<double> g;
  pestle::RowMatrix Q(rows, Eigen::Index(term.dimensions()));
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < Q.cols(); ++c) Q(r, c) = std::abs(g(rng));
    Q.row(r).normalize();
  }
  pestle::RowMatrix C, G;
  Eigen::VectorXd E;
  for (auto _ : state) {
    kernel.predict_block(term.sparse, w, Q, C, E, G);
    benchmark::DoNotOptimize(G.data());
  }
  per_atom(state, std::size_t(rows));
}
BENCHMARK(BM_GapKernelContraction)->Arg(1)->Arg(32)->Arg(256)->Unit(benchmark::kMicrosecond);

/// Reading the XML and its 4.4 MB sparseX file.
void BM_GapReadXml(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(pestle::io::read_gap_xml(shared("data/reference/quip-gap/gap/Mo_gap.xml")).terms.size());
}
BENCHMARK(BM_GapReadXml)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
