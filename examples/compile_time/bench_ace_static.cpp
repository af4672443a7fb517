// What fixing the model at compile time gains (issue 5, item 7; docs/ace.md §12): the linear ACE model
// Mo_ace_325.json (body order 4, 325 B functions, cutoff 5.2 Å) evaluated
//   runtime  as read from the model file at run time (runtime::load_calculator: runtime::Calculator → AcePotential)
//   static   from the generated header mo_ace_325.hpp (StaticAcePotential: sizes fixed at compile time)
// on 2000-atom bcc Mo (10×10×10 cells, a = 3.16 Å, rattled 0.05 Å): energy + forces + virial with the
// neighbour list (one MD step), one thread and two; and the set-up cost of each (file read and parse
// against building the basis from constexpr tables).
//
//   <build>/bin/bench_ace_static --benchmark_counters_tabular=true --benchmark_repetitions=3
#include <benchmark/benchmark.h>

#include "mo_ace_325.hpp"
#include "bench_md_step.hpp"
#include "pestle/core/lattices.hpp"
#include "pestle/runtime/load.hpp"

namespace {

using Model = pestle_generated::mo_ace_325;

struct Setup {
  pestle::Structure s = [] {
    pestle::Structure c = pestle::cubic_supercell(pestle::cubic_basis::bcc, 3.16, 10, 42);
    pestle::rattle(c, 0.05, 4928459);
    return c;
  }();
  pestle::runtime::CalculatorPtr runtime = pestle::runtime::load_calculator(PESTLE_ACE_STATIC_MODEL);
  pestle::StaticAcePotential<Model> fixed = pestle::make_static_ace_potential<Model>();
};
const Setup& setup() {
  static const Setup st;
  return st;
}

void BM_step_runtime(benchmark::State& state) { pestle::bench::time_md_steps(state, *setup().runtime, setup().s); }
void BM_step_static(benchmark::State& state) { pestle::bench::time_md_steps(state, setup().fixed, setup().s); }

void BM_setup_runtime(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(pestle::runtime::load_calculator(PESTLE_ACE_STATIC_MODEL));
}
void BM_setup_static(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(pestle::make_static_ace_potential<Model>());
}

}  // namespace

BENCHMARK(BM_step_runtime)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_step_static)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_setup_runtime)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_setup_static)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
