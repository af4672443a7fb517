// Linear ACE on bcc Mo against SNAP at the same cutoff (issue 5, item 6; docs/ace.md §8):
// 2000-atom bcc Mo (10×10×10 conventional cells, a = 3.16 Å, rattled 0.05 Å, the SNAP timing cell),
// cutoff 5.2 Å (the Zuo Mo ACE cutoff), energy + forces + virial including the neighbour list (one MD
// step), on one thread and on two:
//   ace_325     pestle's own B-basis, body order 4 (ranks 1–3), n_max/l_max 8/0, 8/4, 3/3: 325 functions
//   ace_1086    the same with 10/0, 8/5, 4/5: 1086 functions (21838 m-combinations, against 2072)
//   ace_degree_309, ace_degree_1091
//               body order 4 selected by total degree Σ (n + 2 l) <= 10, 16, 14 (ranks 1, 2, 3), 309
//               functions, and <= 12, 18, 20, 1091 functions: fewer m-combinations per function
//               (695 and 4565), so cheaper per function, at a larger lmax (7 and 8)
//   ace_mo_cv_2995
//               the basis 5-fold cross-validation chose for Zuo Mo (examples/zuo2020/ace/Mo.json,
//               docs/accuracy.md): body order 5, n_max/l_max 16/0, 14/8, 6/4, 3/2, 2995 functions
//   snap_tj8    linear SNAP, twojmax 8 (55 bispectrum components), rcutfac 5.2 with R = 0.5, so the
//               same 5.2 Å cutoff and the same neighbours
// The coefficients are fixed pseudo-random numbers: the cost of an evaluation does not depend on their
// values (no coefficient is zero), and a fitted model of these exact sizes is not needed to time it.
//
//   <build>/bin/bench_ace_mo --benchmark_counters_tabular=true --benchmark_repetitions=3
//
// Counter us_per_atom = wall time per atom-step.
#include <benchmark/benchmark.h>

#include <random>

#include "bench_md_step.hpp"
#include "pestle/core/lattices.hpp"
#include "pestle/models/ace_linear.hpp"
#include "pestle/models/snap.hpp"

namespace {

constexpr double cutoff = 5.2;

pestle::Structure bcc_mo() {
  pestle::Structure s = pestle::cubic_supercell(pestle::cubic_basis::bcc, 3.16, 10, 42);
  pestle::rattle(s, 0.05, 4928459);
  return s;
}

/// Coefficients [β₀, c_1..c_n] decaying like 1/q so the energy stays of a physical size.
std::vector<double> coefficients(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> c{-10.0};
  for (std::size_t q = 1; q <= n; ++q) c.push_back(u(rng) / double(q));
  return c;
}

pestle::AceBasisSpec mo_spec() {
  pestle::AceBasisSpec spec;
  spec.elements = {42};
  spec.radial = pestle::AceRadialKind::cheb_exp_cos;
  spec.lambda = 5.0;
  spec.rcut = cutoff;
  spec.dcut = 0.5;
  return spec;
}

/// n < n_max, l <= l_max per rank.
pestle::AceBasisSpec box_spec(std::vector<int> nmax, std::vector<int> lmax) {
  pestle::AceBasisSpec spec = mo_spec();
  spec.nmax = std::move(nmax);
  spec.lmax = std::move(lmax);
  return spec;
}

/// Total degree Σ (n + w·l) <= D per rank, n_max and l_max as large as the degree allows (docs/ace.md §5).
pestle::AceBasisSpec degree_spec(double w, std::vector<double> degree) {
  pestle::AceBasisSpec spec = mo_spec();
  spec.l_weight = w;
  spec.nmax.clear();
  spec.lmax.clear();
  for (std::size_t r = 0; r < degree.size(); ++r) {
    const pestle::AceDegreeBox box = pestle::ace_degree_box(int(r) + 1, degree[r], w);
    spec.nmax.push_back(box.nmax);
    spec.lmax.push_back(box.lmax);
  }
  spec.max_degree = std::move(degree);
  return spec;
}

pestle::AcePotential ace_potential(const pestle::AceBasisSpec& spec) {
  const pestle::AceBasisSet basis = pestle::ace_b_basis(spec);
  pestle::AceLinearModel m;
  m.spec = spec;
  m.coefficients = {coefficients(std::size_t(basis.columns), 7)};
  m.contracted = pestle::contract_ace_basis(basis, m.coefficients);
  return m.potential();
}

pestle::SnapPotential snap_tj8() {
  pestle::BispectrumParams p;
  p.twojmax = 8;
  p.rcutfac = cutoff;
  p.rfac0 = 0.99363;
  p.bzeroflag = false;
  p.elements = {{42, 0.5, 1.0}};
  const std::size_t n = pestle::Bispectrum<pestle::dynamic>(p).size();
  return pestle::make_snap<pestle::Linear>(p, {coefficients(n, 7)});
}

struct Setup {
  pestle::Structure s = bcc_mo();
  pestle::AcePotential ace_small = ace_potential(box_spec({8, 8, 3}, {0, 4, 3}));
  pestle::AcePotential ace_large = ace_potential(box_spec({10, 8, 4}, {0, 5, 5}));
  pestle::AcePotential ace_degree_small = ace_potential(degree_spec(2.0, {10, 16, 14}));
  pestle::AcePotential ace_degree_large = ace_potential(degree_spec(2.0, {12, 18, 20}));
  pestle::AcePotential ace_mo_cv = ace_potential(box_spec({16, 14, 6, 3}, {0, 8, 4, 2}));
  pestle::SnapPotential snap = snap_tj8();
};
const Setup& setup() {
  static const Setup st;
  return st;
}

void BM_ace_325(benchmark::State& state) { pestle::bench::time_md_steps(state, setup().ace_small, setup().s); }
void BM_ace_1086(benchmark::State& state) { pestle::bench::time_md_steps(state, setup().ace_large, setup().s); }
void BM_ace_degree_309(benchmark::State& state) { pestle::bench::time_md_steps(state, setup().ace_degree_small, setup().s); }
void BM_ace_degree_1091(benchmark::State& state) { pestle::bench::time_md_steps(state, setup().ace_degree_large, setup().s); }
void BM_ace_mo_cv_2995(benchmark::State& state) { pestle::bench::time_md_steps(state, setup().ace_mo_cv, setup().s); }
void BM_snap_tj8(benchmark::State& state) { pestle::bench::time_md_steps(state, setup().snap, setup().s); }

}  // namespace

BENCHMARK(BM_ace_325)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_ace_1086)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_ace_degree_309)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_ace_degree_1091)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_ace_mo_cv_2995)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_snap_tj8)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

BENCHMARK_MAIN();
