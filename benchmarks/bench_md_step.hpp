#pragma once
// One MD step of a potential as a Google Benchmark body: Potential::compute (neighbour list, energy,
// forces, virial) on a fixed structure with state.range(0) threads; counter us_per_atom = wall µs per
// atom-step. Shared by the benchmarks that compare evaluators on one cell.
#include <benchmark/benchmark.h>

#include <tbb/global_control.h>

#include "pestle/core/structure.hpp"

namespace pestle::bench {

template <class P>
void time_md_steps(benchmark::State& state, const P& potential, const Structure& s) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, std::size_t(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(potential.compute(s));
  state.counters["us_per_atom"] =
      benchmark::Counter(double(s.size()) * 1e-6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["threads"] = double(state.range(0));
}

}  // namespace pestle::bench
