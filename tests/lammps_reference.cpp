// lammps_reference MODEL IN OUT [ACTIVE_SET]: pestle's own evaluation of one periodic structure, written
// with 17 significant digits for tests/lammps_pair_check.py to compare with pair_style pestle.
//   IN:  line 1 "n"; lines 2-4 the cell rows (Å); then n lines "Z x y z"
//   OUT: "energy E", "virial xx yy zz xy xz yz" (eV, W = Σ r ⊗ F), then n lines "e_i fx fy fz",
//        each followed by the atom's extrapolation grade γ when ACTIVE_SET (pestle activeset) is given
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <vector>

#include "pestle/runtime/grader.hpp"
#include "pestle/runtime/load.hpp"

namespace {

pestle::Structure read_structure(const char* path) {
  std::ifstream in(path);
  std::size_t n = 0;
  if (!(in >> n)) throw pestle::InputError(std::string("cannot read '") + path + "'");
  pestle::Structure s;
  s.pbc = {true, true, true};
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) in >> s.cell(a, b);
  for (std::size_t i = 0; i < n; ++i) {
    int z = 0;
    pestle::Vec3 r;
    in >> z >> r[0] >> r[1] >> r[2];
    s.add_atom(z, r);
  }
  if (!in) throw pestle::ParseError(path, n + 4, "file ends early");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: lammps_reference MODEL IN OUT [ACTIVE_SET]\n";
    return 2;
  }
  try {
    const pestle::runtime::CalculatorPtr model = pestle::runtime::load_calculator(argv[1]);
    const pestle::Structure s = read_structure(argv[2]);
    const pestle::PotentialResult r = model->compute(s);
    std::vector<double> gamma;
    // ACTIVE_SET "-": no active set (a GAP's uncertainty is its local variance)
    if (argc == 5) gamma = pestle::runtime::Grader::load(argv[1], std::string(argv[4]) == "-" ? "" : argv[4]).grades(s);
    FILE* out = std::fopen(argv[3], "w");
    if (!out) throw pestle::InputError(std::string("cannot write '") + argv[3] + "'");
    const pestle::Mat3& w = r.virial;
    std::fprintf(out, "energy %.17g\nvirial %.17g %.17g %.17g %.17g %.17g %.17g\n", r.energy, w(0, 0), w(1, 1), w(2, 2),
                 w(0, 1), w(0, 2), w(1, 2));
    for (std::size_t i = 0; i < s.size(); ++i) {
      std::fprintf(out, "%.17g %.17g %.17g %.17g", r.atom_energies[i], r.forces[i][0], r.forces[i][1], r.forces[i][2]);
      if (!gamma.empty()) std::fprintf(out, " %.17g", gamma[i]);
      std::fprintf(out, "\n");
    }
    std::fclose(out);
  } catch (const std::exception& e) {
    std::cerr << "lammps_reference: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
