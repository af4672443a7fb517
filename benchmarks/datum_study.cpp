// Datum-derived starts against plain random starts on Stillinger–Weber silicon (docs/exploration.md,
// "Datum-derived structures"). For each k the same random cell (datum_random_params: the datum's
// density ±10 %, MINSEP 0.75 × the datum's bond) is (a) relaxed with SW directly (FIRE, positions and
// cell) and (b) first minimised on the datum cost against diamond Si, then relaxed with SW. Reported
// per start kind: the fraction of relaxed structures whose every atom is crystalline by the SOAP
// crystallinity against diamond (validate/amorphous.hpp), the fraction within 1 meV/atom of SW
// diamond, the lowest and mean enthalpy per atom, and the wall time per structure.
//   bash benchmarks/datum_study.sh [RUNS] [ATOMS...]       (builds this file with g++ and runs it)
//   datum_study RUNS SEED ATOMS...
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <tbb/parallel_for.h>

#include "pestle/core/lattices.hpp"
#include "pestle/explore/datum_structures.hpp"
#include "pestle/reference/stillinger_weber.hpp"
#include "pestle/validate/amorphous.hpp"

using namespace pestle;
using namespace pestle::explore;

namespace {

struct Outcome {
  double enthalpy = 0.0, crystalline = 0.0, cost_after = 0.0, seconds = 0.0;
  bool converged = false;
};

void report(const char* kind, int atoms, const std::vector<Outcome>& v, double h_diamond) {
  double lowest = 1e300, mean = 0.0, all_crystalline = 0.0, at_diamond = 0.0, seconds = 0.0, conv = 0.0;
  for (const Outcome& o : v) {
    lowest = std::min(lowest, o.enthalpy);
    mean += o.enthalpy / double(v.size());
    all_crystalline += (o.crystalline == 1.0) / double(v.size());
    at_diamond += (o.enthalpy < h_diamond + 1e-3) / double(v.size());
    seconds += o.seconds / double(v.size());
    conv += o.converged / double(v.size());
  }
  std::printf("| Si%d | %s | %zu | %.1f %% | %.1f %% | %.4f | %.4f | %.1f %% | %.3f |\n", atoms, kind, v.size(),
              100 * all_crystalline, 100 * at_diamond, lowest, mean, 100 * conv, seconds);
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::stoi(argv[1]) : 100;
  const std::uint64_t seed = argc > 2 ? std::stoull(argv[2]) : 1;
  std::vector<int> sizes;
  for (int a = 3; a < argc; ++a) sizes.push_back(std::stoi(argv[a]));
  if (sizes.empty()) sizes = {8, 16};

  const Structure datum = cubic_supercell(cubic_basis::diamond, 5.43, 1, 14);
  const auto cost = default_datum_cost(datum);
  const StillingerWeber sw = StillingerWeber::silicon();
  const std::vector<double> ref = validate::mean_soap_vector(datum, validate::crystallinity_soap_params());
  RelaxOptions ro;
  ro.relax_cell = true;
  ro.fmax = 1e-3;
  ro.stress_tolerance = 1e-5;
  ro.max_steps = 5000;
  const double h_diamond = relax_fire(sw, datum, ro).enthalpy / double(datum.size());
  std::printf("SW diamond: %.4f eV/atom; %d runs per row, seed %llu\n\n", h_diamond, runs, (unsigned long long)seed);
  std::printf("| cell | start | runs | all atoms diamond-like | within 1 meV/atom of diamond | lowest H eV/atom | mean H eV/atom | SW relax converged | s per structure |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (int atoms : sizes) {
    DatumGenerateOptions o;
    o.composition = {{14, atoms}};
    const RandomStructureGenerator gen({datum_random_params(datum, o)}, seed);
    std::vector<Outcome> plain(static_cast<std::size_t>(runs)), derived(static_cast<std::size_t>(runs));
    tbb::parallel_for(0, runs, [&](int k) {
      using clock = std::chrono::steady_clock;
      const auto t0 = clock::now();
      const RelaxResult rp = relax_fire(sw, gen.generate(std::uint64_t(k)), ro);
      const auto t1 = clock::now();
      const DatumStructure d = generate_datum_structure(cost, datum, o, seed, std::uint64_t(k));
      const RelaxResult rd = relax_fire(sw, d.structure, ro);
      const auto t2 = clock::now();
      const double n = double(atoms);
      plain[std::size_t(k)] = {rp.enthalpy / n, validate::soap_crystallinity(rp.structure, ref).fraction, 0.0,
                               std::chrono::duration<double>(t1 - t0).count(), rp.converged};
      derived[std::size_t(k)] = {rd.enthalpy / n, validate::soap_crystallinity(rd.structure, ref).fraction, d.cost,
                                 std::chrono::duration<double>(t2 - t1).count(), rd.converged};
    });
    report("random", atoms, plain, h_diamond);
    report("datum-derived", atoms, derived, h_diamond);
  }
  return 0;
}
