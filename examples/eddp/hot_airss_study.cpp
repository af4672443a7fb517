// The hot-AIRSS study of docs/eddp.md (issue 29, item 4): how often a random search finds the ground
// state of silicon (diamond, on the Stillinger–Weber potential as the "reference") per 1000 tries, and
// how many reference single points it spends, for
//   plain     AIRSS: random cells relaxed with the reference;
//   hot       hot-AIRSS: the same, with anneals (Langevin MD below melting) between relaxations;
//   eddp      hot-AIRSS driven by an EDDP: the RSS loop trains an ensemble on reference labels (ephemeral,
//             selection by spread), then the search relaxes and anneals with the ensemble only; each
//             minimum is re-relaxed with the reference to decide whether it is diamond (those single
//             points are counted apart, as "checks").
// A try is a hit when its final structure, relaxed with the reference, lies within 5 meV/atom of diamond.
//
//   pestle_hot_airss_study [--tries N] [--atoms A] [--anneal-steps S] [--cycles C] [--temperature T]
//                          [--mobility U] [--energy-sigma-fraction F] [--iterations K] [--select S]
//                          [--dir DIR] [--seed S] [--modes plain,hot,eddp]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "pestle/core/lattices.hpp"
#include "pestle/explore/rss_loop.hpp"
#include "pestle/reference/stillinger_weber.hpp"

using namespace pestle;
using namespace pestle::explore;

namespace {

/// The reference with a counter of its single points (every compute() is one).
struct CountedReference {
  const StillingerWeber& potential;
  std::atomic<std::size_t>* calls;
  PotentialResult compute(const Structure& s) const {
    ++*calls;
    return potential.compute(s);
  }
  double cutoff() const { return potential.cutoff(); }
};

struct Options {
  std::size_t tries = 200, atoms = 8, anneal_steps = 2000, cycles = 2;
  std::size_t iterations = 8, select = 25;  ///< the EDDP loop's budget: labels = 80 + (iterations − 1)·select + 20
  double temperature = 1000.0, mobility = 0.0, energy_sigma_fraction = 0.1;
  std::filesystem::path dir = "hot_airss_study";
  std::uint64_t seed = 1;
  std::string modes = "plain,hot,eddp";
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--tries") o.tries = std::stoul(value);
    else if (key == "--atoms") o.atoms = std::stoul(value);
    else if (key == "--anneal-steps") o.anneal_steps = std::stoul(value);
    else if (key == "--cycles") o.cycles = std::stoul(value);
    else if (key == "--temperature") o.temperature = std::stod(value);
    else if (key == "--mobility") o.mobility = std::stod(value);
    else if (key == "--dir") o.dir = value;
    else if (key == "--iterations") o.iterations = std::stoul(value);
    else if (key == "--select") o.select = std::stoul(value);
    else if (key == "--energy-sigma-fraction") o.energy_sigma_fraction = std::stod(value);
    else if (key == "--seed") o.seed = std::stoull(value);
    else if (key == "--modes") o.modes = value;
    else throw InputError("unknown option " + key);
  }
  if (argc % 2 == 0) throw InputError("options come in pairs: --key value");
  return o;
}

RandomStructureParams silicon_cells(std::size_t atoms) {
  RandomStructureParams p;
  p.composition = {{14, 1}};
  p.min_atoms = p.max_atoms = static_cast<int>(atoms);
  p.volume_per_atom = 20.0;
  p.volume_spread = 0.2;
  p.min_separation = 2.0;
  p.symmetry_probability = 0.5;
  p.validate();
  return p;
}

RssRelaxSettings relax_settings(const Options& o, bool annealed) {
  RssRelaxSettings r;
  r.fmax = 0.02;
  r.max_steps = 600;
  if (annealed) {
    r.anneal.cycles = o.cycles;
    r.anneal.temperature = o.temperature;
    r.anneal.steps = o.anneal_steps;
    r.anneal.mobility = o.mobility;
  }
  return r;
}

struct Row {
  std::string mode;
  std::size_t tries = 0, hits = 0, reference_calls = 0, checks = 0;
  double seconds = 0.0;
};

/// Relaxes each structure with the reference (no anneal) and counts those within 5 meV/atom of diamond.
std::size_t count_hits(const StillingerWeber& sw, const std::vector<Structure>& structures, double diamond,
                       std::atomic<std::size_t>& calls) {
  RssRelaxSettings plain;
  plain.fmax = 0.02;
  plain.max_steps = 600;
  std::size_t hits = 0;
  for (const RssMinimum& m : relax_structures(CountedReference{sw, &calls}, structures, plain))
    if (m.enthalpy_per_atom <= diamond + 0.005) ++hits;
  return hits;
}

}  // namespace

int main(int argc, char** argv) try {
  using clock = std::chrono::steady_clock;
  const Options o = parse(argc, argv);
  const StillingerWeber sw = StillingerWeber::silicon();
  // Diamond's enthalpy per atom on the reference (relaxed, zero pressure).
  RelaxOptions ro;
  ro.fmax = 1e-4;
  ro.relax_cell = true;
  const double diamond = relax_fire(sw, cubic_supercell(cubic_basis::diamond, 5.43, 1, 14), ro).enthalpy / 8.0;
  std::cout << "diamond Si on Stillinger-Weber: " << diamond << " eV/atom\n";

  const RandomStructureGenerator generator({silicon_cells(o.atoms)}, o.seed);
  const std::vector<Structure> starts = generator.generate(0, o.tries);
  std::vector<Row> rows;
  auto timed = [&](const std::string& mode, auto&& run) {
    if (o.modes.find(mode) == std::string::npos) return;
    const auto t0 = clock::now();
    Row r = run();
    r.mode = mode;
    r.tries = o.tries;
    r.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    std::cout << mode << ": " << r.hits << " hits in " << r.tries << " tries, " << r.reference_calls
              << " reference single points (+" << r.checks << " checks), " << r.seconds << " s" << std::endl;
    rows.push_back(r);
  };

  // AIRSS on the reference itself: every relaxation step (and MD step) is a reference single point.
  auto reference_search = [&](bool annealed) {
    std::atomic<std::size_t> calls{0};
    Row r;
    for (const RssMinimum& m : relax_structures(CountedReference{sw, &calls}, starts, relax_settings(o, annealed), o.seed))
      if (m.enthalpy_per_atom <= diamond + 0.005) ++r.hits;
    r.reference_calls = calls;
    return r;
  };
  timed("plain", [&] { return reference_search(false); });
  timed("hot", [&] { return reference_search(true); });

  timed("eddp", [&] {
    // The loop trains the ensemble on reference labels: iteration 0 on random cells, then minima of
    // the current ensemble chosen by spread (annealed briefly, so hot structures are in the data).
    RssConfig c;
    c.random_structures = {silicon_cells(o.atoms), silicon_cells(std::max<std::size_t>(o.atoms / 2, 2))};
    c.model = RssModelKind::eddp;
    c.eddp.features.cutoff = 5.0;
    c.eddp.features.two_body = 6;
    c.eddp.features.three_body = 3;
    c.eddp.hidden = {12};
    c.eddp.members = 8;
    c.select_by_spread = true;
    c.energy_sigma_fraction = o.energy_sigma_fraction;  // low-energy structures weigh more in the fit
    c.initial_structures = 80;
    c.iterations = o.iterations;
    c.rss_structures = 60;
    c.select = o.select;
    c.pool = std::max<std::size_t>(40, o.select);
    c.isolated_atoms = false;
    c.validation_structures = 20;
    c.relax = relax_settings(o, true);
    c.relax.anneal.cycles = 1;
    c.relax.anneal.steps = std::min<std::size_t>(o.anneal_steps, 500);
    c.relax.anneal.mobility = 0.3;  // an early ensemble melts cells at a fixed temperature; follow the mobility
    c.relax.hookean_k = 5.0;
    c.relax.hookean_d_min = 1.9;
    c.relax.hookean_steps = 20;
    c.seed = o.seed;
    const std::filesystem::path dir = o.dir / "eddp_loop";
    const RssReport loop = RssLoop(c, make_labeller({{"type", "reference"}, {"potential", "sw-si"}}), dir,
                                   [](const std::string& m) { std::cerr << m << "\n"; })
                               .run();
    Row r;
    r.reference_calls = loop.labels.computed + loop.labels.cached;
    const runtime::CalculatorPtr eddp = runtime::load_calculator((dir / "model.json").string());
    RssRelaxSettings search = relax_settings(o, true);
    search.hookean_k = 5.0;
    search.hookean_d_min = 1.9;
    search.hookean_steps = 20;
    std::vector<Structure> minima;
    for (RssMinimum& m : relax_structures(*eddp, starts, search, o.seed)) minima.push_back(std::move(m.structure));
    std::atomic<std::size_t> checks{0};
    r.hits = count_hits(sw, minima, diamond, checks);
    r.checks = checks;
    return r;
  });

  std::filesystem::create_directories(o.dir);
  std::ostringstream table;
  table << "| search | tries | hits | hits per 1000 tries | reference single points | + checks | wall s |\n"
           "|---|---|---|---|---|---|---|\n";
  for (const Row& r : rows)
    table << "| " << r.mode << " | " << r.tries << " | " << r.hits << " | " << 1000.0 * double(r.hits) / double(r.tries)
          << " | " << r.reference_calls << " | " << r.checks << " | " << static_cast<int>(r.seconds) << " |\n";
  std::cout << table.str();
  std::ofstream(o.dir / "table.md") << table.str();
  return 0;
} catch (const std::exception& e) {
  std::cerr << "hot_airss_study: " << e.what() << "\n";
  return 1;
}
