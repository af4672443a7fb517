// The built-in reference potentials (energy, forces, virial of one structure, neighbour list
// included): Stillinger–Weber and Tersoff on diamond Si, EAM (Cu_u3 funcfl) on fcc Cu, from 512 to
// 32768 atoms, on one thread and on all threads.
//
//   <build>/bin/bench_reference --benchmark_counters_tabular=true
//
// Counter: time_per_atom (wall time per atom and evaluation). Tersoff and EAM need Debian's
// lammps-data parameter files and are skipped without them.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <memory>
#include <thread>

#include <tbb/global_control.h>

#include "pestle/core/lattices.hpp"
#include "pestle/reference/eam.hpp"
#include "pestle/reference/stillinger_weber.hpp"
#include "pestle/reference/tersoff.hpp"

namespace {

const std::string potentials = "/usr/share/lammps/potentials/";

/// n×n×n conventional cells, rattled by 0.05 Å (cached).
const pestle::Structure& crystal(const std::vector<pestle::Vec3>& basis, double a, int n, int z) {
  static std::map<std::tuple<std::size_t, int, int>, std::unique_ptr<pestle::Structure>> cache;
  auto& slot = cache[{basis.size(), n, z}];
  if (!slot) {
    slot = std::make_unique<pestle::Structure>(pestle::cubic_supercell(basis, a, n, z));
    pestle::rattle(*slot, 0.05, 1);
  }
  return *slot;
}

template <class Potential>
void run(benchmark::State& state, const Potential& p, const pestle::Structure& s) {
  const int threads = state.range(1) == 0 ? int(std::thread::hardware_concurrency()) : int(state.range(1));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
  for (auto _ : state) benchmark::DoNotOptimize(p.compute(s).energy);
  state.counters["atoms"] = double(s.size());
  state.counters["threads"] = threads;
  state.counters["time_per_atom"] =
      benchmark::Counter(double(s.size()), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void sw(benchmark::State& state) {
  static const auto p = pestle::StillingerWeber::silicon();
  run(state, p, crystal(pestle::cubic_basis::diamond, 5.431, int(state.range(0)), 14));
}
void tersoff(benchmark::State& state) {
  if (!std::filesystem::exists(potentials + "Si.tersoff")) return state.SkipWithError("no Si.tersoff");
  static const auto p = pestle::Tersoff::from_file(potentials + "Si.tersoff");
  run(state, p, crystal(pestle::cubic_basis::diamond, 5.432, int(state.range(0)), 14));
}
void eam(benchmark::State& state) {
  if (!std::filesystem::exists(potentials + "Cu_u3.eam")) return state.SkipWithError("no Cu_u3.eam");
  static const auto p = pestle::Eam::from_funcfl(potentials + "Cu_u3.eam");
  run(state, p, crystal(pestle::cubic_basis::fcc, 3.615, int(state.range(0)), 29));
}

// range(0): cells per edge (diamond: 8 atoms per cell, fcc: 4); range(1): threads (0 = all)
void sizes(benchmark::internal::Benchmark* b) {
  for (int n : {4, 8, 16})
    for (int t : {1, 0}) b->Args({n, t});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(sw)->Apply(sizes);
BENCHMARK(tersoff)->Apply(sizes);
BENCHMARK(eam)->Apply(sizes);
BENCHMARK_MAIN();
