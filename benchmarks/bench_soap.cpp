// SOAP power spectrum (QUIP convention, EQUISPACED_GAUSS radial basis), one thread, atom by atom:
//   Values     q of every atom (compute)
//   Gradients  q and every ∂q/∂r_ij (compute_with_derivatives; the full per-neighbour rows)
//   Adjoint    E, forces and virial of a nonlinear model of q through evaluate() (no ∂q/∂r stored)
// on
//   Si   bulk diamond Si, a = 5.431 Å, 3×3×3 conventional cells (216 atoms), cutoff 5 Å,
//        n_max/l_max = 8/6 and 12/8 (issue 4's cases; featomic ~105 µs/atom with gradients at n8l7)
//   Mo   ../shared/data/reference/quip-gap/timing/bcc_Mo_2000atom_rattled.xyz, cutoff 5.2 Å, n8l8
//        (the Mo GAP's SOAP; QUIP: 388 µs/atom values, 1456 µs/atom with gradients)
//
//   <build>/bin/bench_soap --benchmark_counters_tabular=true
//
// Counter us_per_atom = wall time per atom. Neighbour-list construction is not included.
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

#include "pestle/core/lattices.hpp"
#include "pestle/descriptors/soap.hpp"
#include "pestle/data/extxyz.hpp"

namespace {

struct Case {
  pestle::Structure s;
  pestle::SoapParams p;
};

pestle::SoapParams params(double cutoff, int n_max, int l_max) {
  pestle::SoapParams p;
  p.cutoff = cutoff;
  p.cutoff_transition_width = 0.5;
  p.n_max = n_max;
  p.l_max = l_max;
  p.atom_sigma = 0.5;
  return p;
}

Case make_case(int which) {
  switch (which) {
    case 0:
    case 1: {
      pestle::Structure si = pestle::cubic_supercell(pestle::cubic_basis::diamond, 5.431, 3, 14);
      return {si, which == 0 ? params(5.0, 8, 6) : params(5.0, 12, 8)};
    }
    default: {
      const std::string path =
          std::string(PESTLE_SHARED_DIR) + "/data/reference/quip-gap/timing/bcc_Mo_2000atom_rattled.xyz";
      return {pestle::read_extxyz_frame(path).structure, params(5.2, 8, 8)};
    }
  }
}

const char* label(int which) { return which == 0 ? "Si_n8l6" : which == 1 ? "Si_n12l8" : "Mo2000_n8l8"; }

void report(benchmark::State& state, std::size_t atoms, double neighbours) {
  state.counters["us_per_atom"] = benchmark::Counter(static_cast<double>(atoms) * 1e-6,
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
  state.counters["neighbours"] = neighbours;
}

/// A smooth nonlinear energy of q (dot product with a fixed vector, squared), as a GP would be.
struct Energy {
  std::vector<double> w;
  double operator()(std::span<const double> q, std::span<double> g) const {
    double a = 0.0;
    for (std::size_t c = 0; c < q.size(); ++c) a += w[c] * q[c];
    for (std::size_t c = 0; c < q.size(); ++c) g[c] = 2.0 * a * w[c];
    return a * a;
  }
};

void BM_Soap(benchmark::State& state) {
  const int which = static_cast<int>(state.range(0));
  const int mode = static_cast<int>(state.range(1));  // 0 values, 1 gradients, 2 adjoint
  const Case c = make_case(which);
  const pestle::Soap<> soap(c.p);
  const auto nl = pestle::build_neighbour_list(c.s, soap.neighbour_options());
  auto ws = soap.make_workspace();
  std::vector<double> q(soap.size());
  std::size_t max_nb = 0;
  for (std::size_t i = 0; i < c.s.size(); ++i) max_nb = std::max(max_nb, nl.count(i));
  std::vector<double> dq(mode == 1 ? max_nb * 3 * soap.size() : 0);
  Energy energy{std::vector<double>(soap.size())};
  for (std::size_t k = 0; k < soap.size(); ++k) energy.w[k] = std::sin(0.37 * static_cast<double>(k));
  std::vector<pestle::Vec3> forces(c.s.size(), pestle::Vec3::Zero());
  pestle::Mat3 virial = pestle::Mat3::Zero();
  for (auto _ : state) {
    double sink = 0.0;
    for (std::size_t i = 0; i < c.s.size(); ++i) {
      if (mode == 0) {
        soap.compute(c.s, nl, i, ws, q);
        sink += q[0];
      } else if (mode == 1) {
        soap.compute_with_derivatives(c.s, nl, i, ws, q, std::span<double>(dq.data(), nl.count(i) * 3 * soap.size()));
        sink += dq[0];
      } else {
        sink += soap.evaluate(c.s, nl, i, ws, energy, forces, virial);
      }
    }
    benchmark::DoNotOptimize(sink);
  }
  state.SetLabel(std::string(label(which)) + (mode == 0 ? " values" : mode == 1 ? " gradients" : " adjoint"));
  report(state, c.s.size(), static_cast<double>(nl.pairs()) / static_cast<double>(c.s.size()));
}

}  // namespace

BENCHMARK(BM_Soap)
    ->ArgsProduct({{0, 1, 2}, {0, 1, 2}})
    ->ArgNames({"case", "mode"})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(1.0);
BENCHMARK_MAIN();
