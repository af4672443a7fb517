// pestle's ACE evaluator with pacemaker's Cu-PBE-core-rep.ace (Debian lammps-data) on the timing
// setup of ../shared/data/reference/lammps-pace/README.md: 2048-atom fcc Cu (8×8×8 conventional
// cells, a = 3.597 Å, ≈168 neighbours within 7.4 Å), lightly rattled (0.01 Å) as in an MD step.
//   energy_forces   AcePotential::compute: neighbour list + energy, per-atom energies, forces, virial
//   energy          AcePotential::energy (no forces)
// on one thread and on two.
//
//   <build>/bin/bench_ace --benchmark_counters_tabular=true
//
// Counter us_per_atom = wall time per atom (per atom-step for energy_forces). The README's ML-PACE
// figures (LAMMPS pair_style pace, one core of this machine, measured in a separate run, not in this
// process): 172.3 µs/atom-step (recursive evaluator, -O3 -march=native), 229.7 µs (product, -O2).
#include <benchmark/benchmark.h>

#include <tbb/global_control.h>

#include "pestle/core/lattices.hpp"
#include "pestle/formats/ace_file.hpp"

namespace {

struct Setup {
  pestle::Structure s;
  pestle::AcePotential potential = pestle::read_ace_potential("/usr/share/lammps/potentials/Cu-PBE-core-rep.ace");
  Setup() {
    s = pestle::cubic_supercell(pestle::cubic_basis::fcc, 3.597, 8, 29);
    pestle::rattle(s, 0.01, 2048);
  }
};
const Setup& setup() {
  static const Setup st;
  return st;
}

void BM_ace_energy_forces(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, std::size_t(state.range(0)));
  const Setup& st = setup();
  for (auto _ : state) benchmark::DoNotOptimize(st.potential.compute(st.s));
  state.counters["us_per_atom"] = benchmark::Counter(double(st.s.size()) * 1e-6,
                                                     benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["threads"] = double(state.range(0));
}

void BM_ace_energy(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, std::size_t(state.range(0)));
  const Setup& st = setup();
  for (auto _ : state) benchmark::DoNotOptimize(st.potential.energy(st.s));
  state.counters["us_per_atom"] = benchmark::Counter(double(st.s.size()) * 1e-6,
                                                     benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["threads"] = double(state.range(0));
}

}  // namespace

BENCHMARK(BM_ace_energy_forces)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_ace_energy)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

BENCHMARK_MAIN();
