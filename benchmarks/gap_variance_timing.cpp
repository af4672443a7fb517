// Per-call time of GapPotential::local_variance with the K_MM factorisation kept by the potential,
// against a fresh potential per call (which factorises again, as every call did before), on the Mo
// GAP of ../shared and its 53-atom test frame (docs/validation.md, "Extrapolation grade"). Both sides
// run in one process, one after the other. Build and run from the repository root:
//   g++ -std=c++20 -O2 -march=native -I include -I /usr/include/eigen3 benchmarks/gap_variance_timing.cpp \
//       -ltbb -lpugixml -o /tmp/gap_variance_timing && /tmp/gap_variance_timing
#include <chrono>
#include <cstdio>

#include "pestle/data/extxyz.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/models/gap.hpp"

int main() {
  const auto model = pestle::io::read_gap_xml("../shared/data/reference/quip-gap/gap/Mo_gap.xml");
  const auto s = pestle::read_extxyz_frame("../shared/data/reference/quip-gap/soap/Mo_test_f0.xyz").structure;
  for (const auto& t : model.terms) std::printf("term %s: %ld sparse points\n", t.label.c_str(), long(t.sparse.size()));
  using clock = std::chrono::steady_clock;
  const int calls = 10;
  const pestle::GapPotential kept(model);
  kept.local_variance(s);  // the first call factorises
  const auto t0 = clock::now();
  for (int k = 0; k < calls; ++k) kept.local_variance(s);
  const auto t1 = clock::now();
  for (int k = 0; k < calls; ++k) pestle::GapPotential(model).local_variance(s);
  const auto t2 = clock::now();
  std::printf("%zu atoms: kept factor %.2f ms/call, factorised every call %.2f ms/call\n", s.size(),
              std::chrono::duration<double, std::milli>(t1 - t0).count() / calls,
              std::chrono::duration<double, std::milli>(t2 - t1).count() / calls);
}
