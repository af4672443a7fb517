// The compile-time potential against the runtime one (docs/ace.md §12): the header generated from
// Mo_ace_325.json (mo_ace_325.hpp, written by ace_header.py at build time) and the same model file
// read at run time must give the same energies, forces and virial, and a basis of other sizes must
// be refused by the fixed-size evaluator. Exits 1 on any difference; CTest runs it.
//
//   <build>/bin/ace_static_check [MODEL.json]
#include <cmath>
#include <cstdio>
#include <string>

#include "mo_ace_325.hpp"
#include "pestle/core/lattices.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/runtime/load.hpp"

namespace {

/// Largest |a − b| / (1 + |b|) over energy, per-atom energies, forces and virial.
double largest_difference(const pestle::PotentialResult& a, const pestle::PotentialResult& b) {
  const auto rel = [](double x, double y) { return std::abs(x - y) / (1.0 + std::abs(y)); };
  double worst = rel(a.energy, b.energy);
  for (std::size_t i = 0; i < b.forces.size(); ++i) {
    worst = std::max(worst, rel(a.atom_energies[i], b.atom_energies[i]));
    for (int d = 0; d < 3; ++d) worst = std::max(worst, rel(a.forces[i][d], b.forces[i][d]));
  }
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) worst = std::max(worst, rel(a.virial(r, c), b.virial(r, c)));
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string model = argc > 1 ? argv[1] : PESTLE_ACE_STATIC_MODEL;
  try {
    const auto fixed = pestle::make_static_ace_potential<pestle_generated::mo_ace_325>();
    const pestle::runtime::CalculatorPtr runtime = pestle::runtime::load_calculator(model);
    pestle::Structure bcc = pestle::cubic_supercell(pestle::cubic_basis::bcc, 3.16, 4, 42);
    pestle::rattle(bcc, 0.1, 11);
    std::vector<pestle::Structure> cells{bcc};
    for (const auto& frame : pestle::read_extxyz(std::string(PESTLE_SHARED_DIR) + "/data/zuo2020/Mo_test.xyz")) {
      cells.push_back(frame.structure);
      if (cells.size() == 6) break;
    }
    double worst = 0.0;
    for (const auto& s : cells) worst = std::max(worst, largest_difference(fixed.compute(s), runtime->compute(s)));
    std::printf("compile-time vs runtime evaluator, %zu cells: largest relative difference %.3g\n", cells.size(), worst);
    bool ok = worst < 1e-12;
    // a basis of other sizes does not fit the compiled shape
    pestle::AceBasisSpec other = pestle::static_ace_spec<pestle_generated::mo_ace_325>();
    other.lmax[1] += 1;  // rank 2 holds the largest l of this model
    try {
      pestle::BasicAceDescriptor<pestle::AceStaticShape<pestle_generated::mo_ace_325>> d(pestle::ace_b_basis(other));
      std::printf("FAIL: a basis with rank-2 lmax %d was accepted by the evaluator compiled for lmax %d\n", other.lmax[1],
                  pestle::AceStaticShape<pestle_generated::mo_ace_325>::lmax);
      ok = false;
    } catch (const pestle::InputError& e) {
      std::printf("other sizes refused: %s\n", e.what());
    }
    std::printf("%s\n", ok ? "OK" : "FAIL");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ace_static_check: %s\n", e.what());
    return 1;
  }
}
