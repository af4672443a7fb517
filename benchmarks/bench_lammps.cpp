// What pair_style pestle (lammps/) costs beyond pestle's own evaluation loop, for the Zuo 2020
// Mo SNAP (Debian's lammps-data) on rattled bcc Mo, one thread:
//   periodic  compute(s) on the periodic cell (pestle's own loop)
//   cluster   the cell's atoms plus every image within cutoff + 2 Å (LAMMPS's ghost shell with the
//             default metal skin) as one non-periodic structure, compute(s, n_centres) with the
//             cell's atoms as centres: exactly the call the pair style makes on one rank
// Counter us_per_atom = wall time per (centre) atom.
//   <build>/bin/bench_lammps --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>

#include <tbb/global_control.h>

#include "pestle/core/lattices.hpp"
#include "pestle/runtime/load.hpp"

namespace {

const char* const snap_file = "/usr/share/lammps/potentials/Mo_Zuo_JPCA2020.snapcoeff";

pestle::Structure bcc_mo(int n) {
  pestle::Structure s = pestle::cubic_supercell(pestle::cubic_basis::bcc, 3.16, n, 42);
  pestle::rattle(s, 0.05, 4928459);
  return s;
}

// cell atoms first, then their images within `shell` Å of the (orthorhombic) cell
pestle::Structure with_ghosts(const pestle::Structure& s, double shell) {
  pestle::Structure c;
  c.positions = s.positions;
  c.numbers = s.numbers;
  const pestle::Vec3 box = s.cell.diagonal();
  for (int x = -1; x <= 1; ++x)
    for (int y = -1; y <= 1; ++y)
      for (int z = -1; z <= 1; ++z) {
        if (x == 0 && y == 0 && z == 0) continue;
        const pestle::Vec3 shift(x * box[0], y * box[1], z * box[2]);
        for (std::size_t i = 0; i < s.size(); ++i) {
          const pestle::Vec3 r = s.positions[i] + shift;
          bool inside = true;
          for (int a = 0; a < 3; ++a) inside = inside && r[a] >= -shell && r[a] < box[a] + shell;
          if (inside) c.add_atom(s.numbers[i], r);
        }
      }
  return c;
}

void run(benchmark::State& state, bool ghosts) {
  if (!std::filesystem::exists(snap_file)) {
    state.SkipWithError("lammps-data not installed");
    return;
  }
  tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  const pestle::runtime::CalculatorPtr model = pestle::runtime::load_calculator(snap_file);
  const pestle::Structure s = bcc_mo(int(state.range(0)));
  const pestle::Structure c = with_ghosts(s, model->cutoff() + 2.0);
  for (auto _ : state) {
    auto r = ghosts ? model->compute(c, s.size()) : model->compute(s);
    benchmark::DoNotOptimize(r.energy);
  }
  state.counters["atoms"] = double(s.size());
  state.counters["ghosts"] = double(ghosts ? c.size() - s.size() : 0);
  state.counters["us_per_atom"] =
      benchmark::Counter(double(s.size()) * 1e-6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void periodic(benchmark::State& state) { run(state, false); }
void cluster(benchmark::State& state) { run(state, true); }

}  // namespace

BENCHMARK(periodic)->Arg(8)->Arg(10)->Arg(25)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cluster)->Arg(8)->Arg(10)->Arg(25)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
