// What an EDDP from the hot-AIRSS study (examples/eddp/hot_airss_study.cpp) makes of silicon, against
// the Stillinger–Weber reference it was trained on (docs/eddp.md):
//   1. the energy of diamond Si over a range of lattice constants, with the ensemble's spread;
//   2. diamond relaxed with the ensemble;
//   3. 30 random 8-atom cells (the study's generator, seed 1) relaxed with the ensemble (Hookean wall as in
//      the study), each minimum then relaxed with the reference; and the same cells relaxed with the
//      reference directly. A minimum within 5 meV/atom of diamond is a hit.
//
//   pestle_eddp_probe DIR/eddp_loop/model.json
#include <algorithm>
#include <iostream>

#include "pestle/core/json.hpp"
#include "pestle/core/lattices.hpp"
#include "pestle/explore/rss_loop.hpp"
#include "pestle/formats/eddp_json.hpp"
#include "pestle/reference/stillinger_weber.hpp"

using namespace pestle;
using namespace pestle::explore;

int main(int argc, char** argv) try {
  if (argc != 2) throw InputError("usage: pestle_eddp_probe MODEL.json");
  const EddpPotential eddp = load_eddp_model(read_model_json_document(argv[1]), argv[1]);
  const StillingerWeber sw = StillingerWeber::silicon();
  std::cout << "a (A)  V/atom  EDDP (eV/atom)  SW (eV/atom)  spread (eV/atom)\n";
  for (double a : {4.8, 5.2, 5.43, 5.7, 6.2, 7.0}) {
    const Structure s = cubic_supercell(cubic_basis::diamond, a, 1, 14);
    std::cout << a << "  " << s.volume() / 8 << "  " << eddp.energy(s) / 8 << "  " << sw.compute(s).energy / 8 << "  "
              << eddp_spread(eddp, s).sigma_per_atom << "\n";
  }
  RelaxOptions ro;
  ro.relax_cell = true;
  ro.fmax = 0.01;
  ro.max_steps = 2000;
  const RelaxResult d = relax_fire(eddp, cubic_supercell(cubic_basis::diamond, 5.43, 1, 14), ro);
  std::cout << "diamond relaxed with the EDDP: V/atom " << d.structure.volume() / 8 << ", H " << d.enthalpy / 8
            << " eV/atom, SW there " << sw.compute(d.structure).energy / 8 << " eV/atom\n";

  RandomStructureParams p;
  p.composition = {{14, 1}};
  p.min_atoms = p.max_atoms = 8;
  p.volume_per_atom = 20.0;
  p.volume_spread = 0.2;
  p.min_separation = 2.0;
  p.symmetry_probability = 0.5;
  const std::vector<Structure> starts = RandomStructureGenerator({p}, 1).generate(0, 30);
  RssRelaxSettings walled;
  walled.fmax = 0.02;
  walled.max_steps = 600;
  walled.hookean_k = 5.0;
  walled.hookean_d_min = 1.9;
  walled.hookean_steps = 20;
  RssRelaxSettings plain;
  plain.fmax = 0.02;
  plain.max_steps = 600;
  const double diamond = -4.3366;  // SW diamond, eV/atom (hot_airss_study prints it)
  std::vector<RssMinimum> minima = relax_structures(eddp, starts, walled, 1);
  std::sort(minima.begin(), minima.end(),
            [](const RssMinimum& x, const RssMinimum& y) { return x.enthalpy_per_atom < y.enthalpy_per_atom; });
  std::size_t eddp_hits = 0;
  std::cout << "EDDP minima, lowest first: H_EDDP, then H after relaxing with SW (eV/atom)\n";
  for (const RssMinimum& m : minima) {
    const std::vector<RssMinimum> again = relax_structures(sw, {m.structure}, plain, 1);
    const double h = again.empty() ? 0.0 : again[0].enthalpy_per_atom;
    eddp_hits += h <= diamond + 0.005;
    std::cout << "  " << m.enthalpy_per_atom << "  " << h << "\n";
  }
  std::size_t sw_hits = 0;
  for (const RssMinimum& m : relax_structures(sw, starts, plain, 1)) sw_hits += m.enthalpy_per_atom <= diamond + 0.005;
  std::cout << "diamond reached: " << eddp_hits << " of " << minima.size() << " EDDP minima (after SW), " << sw_hits
            << " of " << starts.size() << " cells relaxed with SW\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "pestle_eddp_probe: " << e.what() << "\n";
  return 1;
}
