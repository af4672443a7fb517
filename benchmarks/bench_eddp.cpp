// EDDP speed per atom against pestle's SNAP and ACE, in one binary and one run (docs/eddp.md):
//   eddp_si   an 8-member EDDP (default features: r_c 5 Å, 8 two-body and 4 three-body powers, one
//             hidden layer of 16; random weights, which do not change the cost) on 1728-atom diamond Si
//   snap_si   Zuo et al.'s published Si SNAP (Debian lammps-data) on the same structure
//   eddp_cu   the same EDDP on 2048-atom fcc Cu (a = 3.597 Å), the structure of bench_ace
//   ace_cu    pacemaker's Cu-PBE-core-rep.ace on that Cu
// All lightly rattled (0.01 Å) as in an MD step; energy, forces and virial; one thread and two.
//
//   <build>/bin/bench_eddp --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <random>

#include <tbb/global_control.h>

#include "pestle/core/lattices.hpp"
#include "pestle/formats/ace_file.hpp"
#include "pestle/models/eddp_potential.hpp"
#include "pestle/runtime/load.hpp"

namespace {

pestle::EddpPotential random_eddp(int z) {
  pestle::EddpFeatureParams p;
  p.species = {z};
  const pestle::EddpFeatures features(p);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 0.3);
  std::vector<pestle::EddpMember> members(8);
  for (auto& m : members) {
    pestle::EddpNetwork net({int(features.size()), 16, 1});
    for (Eigen::Index k = 0; k < net.parameters().size(); ++k) net.parameters()[k] = normal(rng);
    m.networks.push_back(net);
  }
  return pestle::make_eddp_potential(p, pestle::EddpModel({z}, features.size(), members, std::vector<double>(8, 0.125)));
}

struct Setup {
  pestle::Structure si = pestle::cubic_supercell(pestle::cubic_basis::diamond, 5.43, 6, 14);
  pestle::Structure cu = pestle::cubic_supercell(pestle::cubic_basis::fcc, 3.597, 8, 29);
  pestle::EddpPotential eddp_si = random_eddp(14), eddp_cu = random_eddp(29);
  pestle::runtime::CalculatorPtr snap_si =
      pestle::runtime::load_calculator("/usr/share/lammps/potentials/Si_Zuo_JPCA2020.snapcoeff");
  pestle::AcePotential ace_cu = pestle::read_ace_potential("/usr/share/lammps/potentials/Cu-PBE-core-rep.ace");
  Setup() {
    pestle::rattle(si, 0.01, 1728);
    pestle::rattle(cu, 0.01, 2048);
  }
};
const Setup& setup() {
  static const Setup st;
  return st;
}

template <class Run>
void timed(benchmark::State& state, std::size_t atoms, Run&& run) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, std::size_t(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(run());
  state.counters["us_per_atom"] =
      benchmark::Counter(double(atoms) * 1e-6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["threads"] = double(state.range(0));
}

void BM_eddp_si(benchmark::State& state) { timed(state, setup().si.size(), [] { return setup().eddp_si.compute(setup().si); }); }
void BM_snap_si(benchmark::State& state) { timed(state, setup().si.size(), [] { return setup().snap_si->compute(setup().si); }); }
void BM_eddp_cu(benchmark::State& state) { timed(state, setup().cu.size(), [] { return setup().eddp_cu.compute(setup().cu); }); }
void BM_ace_cu(benchmark::State& state) { timed(state, setup().cu.size(), [] { return setup().ace_cu.compute(setup().cu); }); }

}  // namespace

BENCHMARK(BM_eddp_si)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_snap_si)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_eddp_cu)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_ace_cu)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

BENCHMARK_MAIN();
