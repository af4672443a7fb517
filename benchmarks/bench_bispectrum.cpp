// SNAP bispectrum on bcc Mo: 2000 atoms (10×10×10 conventional cells, a = 3.16 Å, rattled by
// 0.05 Å), rcutfac 4.6, R = 0.5, w = 1, rfac0 0.99363, twojmax 6 and 8 (compile-time).
//   values       B of every atom (compute_atoms: W atoms per SIMD group)
//   derivatives  B and dB/dr of every atom (compute_with_derivatives, one atom at a time)
//   derivatives grouped: the same through compute_with_derivatives_atoms (W atoms per SIMD group)
//   adjoint      energy + forces + virial of a linear model through the adjoint path (evaluate),
//                via evaluate_structure (oneTBB over atoms, per-thread workspaces and force arrays)
// on one thread and on all threads.
//
//   <build>/bin/bench_bispectrum --benchmark_counters_tabular=true
//
// Counter us_per_atom = wall time per atom; compare with LAMMPS ML-SNAP (one core, this machine):
// 67.7 µs/atom-step at twojmax 6 and 167 µs at twojmax 8 (pair_style snap, i.e. energy + forces).
#include <benchmark/benchmark.h>

#include <random>
#include <thread>

#include <tbb/global_control.h>

#include "pestle/core/lattices.hpp"
#include "pestle/descriptors/bispectrum.hpp"

namespace {

pestle::Structure bcc_mo() {
  // 2000-atom bcc Mo of the LAMMPS timing runs (a = 3.16 Å), lightly rattled
  pestle::Structure s = pestle::cubic_supercell(pestle::cubic_basis::bcc, 3.16, 10, 42);
  pestle::rattle(s, 0.05, 4928459);
  return s;
}

pestle::BispectrumParams params(int twojmax) {
  pestle::BispectrumParams p;
  p.twojmax = twojmax;
  p.rcutfac = 4.6;
  p.rfac0 = 0.99363;
  p.bzeroflag = false;
  p.elements = {{42, 0.5, 1.0}};
  return p;
}

struct Setup {
  pestle::Structure s = bcc_mo();
  pestle::NeighbourList nl;
};
template <int J>
const Setup& setup() {
  static const Setup st = [] {
    Setup x;
    x.nl = pestle::build_neighbour_list(x.s, pestle::Bispectrum<J>(params(J)).neighbour_options());
    return x;
  }();
  return st;
}

int threads_of(benchmark::State& state) {
  return state.range(0) == 0 ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))
                             : static_cast<int>(state.range(0));
}

void report(benchmark::State& state, std::size_t atoms, int threads) {
  state.counters["us_per_atom"] = benchmark::Counter(static_cast<double>(atoms) * 1e-6,
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
  state.counters["threads"] = threads;
}

template <int J>
void BM_Values(benchmark::State& state) {
  const int threads = threads_of(state);
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto& st = setup<J>();
  const pestle::Bispectrum<J> desc(params(J));
  tbb::enumerable_thread_specific<typename pestle::Bispectrum<J>::Workspace> wss([&] { return desc.make_workspace(); });
  std::vector<double> B(st.s.size() * desc.size());
  for (auto _ : state) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, st.s.size(), 16), [&](const tbb::blocked_range<std::size_t>& r) {
      desc.compute_atoms(st.s, st.nl, r.begin(), r.end(), wss.local(),
                         std::span<double>(B.data() + r.begin() * desc.size(), (r.end() - r.begin()) * desc.size()));
    });
    benchmark::DoNotOptimize(B.data());
  }
  report(state, st.s.size(), threads);
}

template <int J>
void BM_Derivatives(benchmark::State& state) {
  const int threads = threads_of(state);
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto& st = setup<J>();
  const pestle::Bispectrum<J> desc(params(J));
  struct Local {
    typename pestle::Bispectrum<J>::Workspace ws;
    std::vector<double> B, dB;
  };
  tbb::enumerable_thread_specific<Local> locals([&] { return Local{desc.make_workspace(), std::vector<double>(desc.size()), {}}; });
  for (auto _ : state) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, st.s.size(), 16), [&](const tbb::blocked_range<std::size_t>& r) {
      auto& l = locals.local();
      for (std::size_t i = r.begin(); i < r.end(); ++i) {
        l.dB.resize(st.nl.count(i) * 3 * desc.size());
        desc.compute_with_derivatives(st.s, st.nl, i, l.ws, l.B, l.dB);
        benchmark::DoNotOptimize(l.dB.data());
      }
    });
  }
  report(state, st.s.size(), threads);
}

template <int J>
void BM_DerivativesGrouped(benchmark::State& state) {
  const int threads = threads_of(state);
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto& st = setup<J>();
  const pestle::Bispectrum<J> desc(params(J));
  tbb::enumerable_thread_specific<typename pestle::Bispectrum<J>::Workspace> wss([&] { return desc.make_workspace(); });
  for (auto _ : state) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, st.s.size(), 16), [&](const tbb::blocked_range<std::size_t>& r) {
      desc.compute_with_derivatives_atoms(st.s, st.nl, r.begin(), r.end(), wss.local(),
                                          [](std::size_t, std::span<const double>, std::span<const double> dB) {
                                            benchmark::DoNotOptimize(dB.data());
                                          });
    });
  }
  report(state, st.s.size(), threads);
}

template <int J>
void BM_Adjoint(benchmark::State& state) {
  const int threads = threads_of(state);
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto& st = setup<J>();
  const pestle::Bispectrum<J> desc(params(J));
  std::vector<double> beta(desc.size());
  for (std::size_t k = 0; k < beta.size(); ++k) beta[k] = 0.001 * (1.0 + 0.1 * static_cast<double>(k % 7));
  auto linear = [&](std::span<const double> B, std::span<double> dE) {
    double e = -10.0;
    for (std::size_t k = 0; k < B.size(); ++k) e += beta[k] * B[k], dE[k] = beta[k];
    return e;
  };
  std::vector<pestle::Vec3> forces(st.s.size());
  pestle::Mat3 virial;
  for (auto _ : state) {
    const double e = pestle::evaluate_structure(desc, st.s, st.nl, linear, forces, virial);
    benchmark::DoNotOptimize(e);
  }
  report(state, st.s.size(), threads);
}

}  // namespace

#define PESTLE_SNAP_BENCH(fn)                                                       \
  BENCHMARK_TEMPLATE(fn, 6)->Arg(1)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond); \
  BENCHMARK_TEMPLATE(fn, 8)->Arg(1)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond);
PESTLE_SNAP_BENCH(BM_Values)
PESTLE_SNAP_BENCH(BM_Derivatives)
PESTLE_SNAP_BENCH(BM_DerivativesGrouped)
PESTLE_SNAP_BENCH(BM_Adjoint)

BENCHMARK_MAIN();
