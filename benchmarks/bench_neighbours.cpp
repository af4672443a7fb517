// Neighbour-list construction at silicon-like density (0.05 atoms/Å³, random positions in a
// periodic cubic box), 5 Å cutoff, full list, from 100 to 10⁶ atoms, on one thread and on
// all threads; the brute-force reference on the small sizes gives the baseline ratio.
//
//   <build>/bin/bench_neighbours --benchmark_counters_tabular=true
//
// Counters: atoms/s (items_per_second), time_per_atom (wall time per atom), pairs_per_atom,
// list_bytes_per_atom (memory of the finished list: index, displacement, distance, image,
// offsets).
#include <benchmark/benchmark.h>

#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include <tbb/global_control.h>

#include "pestle/neighbours.hpp"

namespace {

constexpr double density = 0.05;  // atoms/Å³, crystalline Si is 0.0499
constexpr double cutoff = 5.0;

/// Random positions in a periodic cube holding n atoms at the target density (cached).
const pestle::Structure& silicon_like(std::size_t n) {
  static std::map<std::size_t, std::unique_ptr<pestle::Structure>> cache;
  auto& slot = cache[n];
  if (!slot) {
    slot = std::make_unique<pestle::Structure>();
    const double side = std::cbrt(double(n) / density);
    slot->cell = side * pestle::Mat3::Identity();
    slot->pbc = {true, true, true};
    std::mt19937_64 rng(n);
    std::uniform_real_distribution<double> u(0.0, side);
    for (std::size_t i = 0; i < n; ++i) slot->add_atom(14, pestle::Vec3(u(rng), u(rng), u(rng)));
  }
  return *slot;
}

int all_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

void report(benchmark::State& state, std::size_t n, const pestle::NeighbourList& nl) {
  const double atoms = double(n);
  const double bytes = double(nl.pairs()) * (sizeof(int) + sizeof(pestle::Vec3) + sizeof(double) +
                                             sizeof(std::array<int, 3>)) +
                       double(nl.offsets.size()) * sizeof(std::size_t);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.counters["time_per_atom"] =  // wall time per atom, printed with its unit (e.g. 2.1us)
      benchmark::Counter(atoms, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["pairs_per_atom"] = double(nl.pairs()) / atoms;
  state.counters["list_bytes_per_atom"] = bytes / atoms;
}

/// args: atoms, threads (0 = all)
void BM_NeighbourList(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const int threads = state.range(1) == 0 ? all_threads() : static_cast<int>(state.range(1));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto& s = silicon_like(n);
  pestle::NeighbourOptions opt;
  opt.cutoff = cutoff;
  pestle::NeighbourList nl;
  for (auto _ : state) {
    nl = pestle::build_neighbour_list(s, opt);
    benchmark::DoNotOptimize(nl.index.data());
  }
  state.counters["threads"] = threads;
  report(state, n, nl);
}

void BM_NeighbourListBruteForce(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto& s = silicon_like(n);
  pestle::NeighbourOptions opt;
  opt.cutoff = cutoff;
  pestle::NeighbourList nl;
  for (auto _ : state) {
    nl = pestle::build_neighbour_list_brute_force(s, opt);
    benchmark::DoNotOptimize(nl.index.data());
  }
  state.counters["threads"] = 1;
  report(state, n, nl);
}

}  // namespace

BENCHMARK(BM_NeighbourList)
    ->ArgNames({"atoms", "threads"})
    ->ArgsProduct({{100, 1000, 10000, 100000, 1000000}, {1, 0}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_NeighbourListBruteForce)
    ->ArgNames({"atoms"})
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_NeighbourListBruteForce)
    ->ArgNames({"atoms"})
    ->Arg(10000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
