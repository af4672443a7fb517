// A downstream code that loads a model file and evaluates it through the runtime boundary only
// (pestle/runtime/load.hpp). Built twice: against the header-only pestle::pestle and against the
// compiled pestle::runtime (docs/architecture.md compares their compile cost).
#include <cmath>
#include <iostream>

#include <pestle/core/lattices.hpp>
#include <pestle/runtime/load.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: load_model MODEL\n";
    return 2;
  }
  const pestle::runtime::CalculatorPtr model = pestle::runtime::load_calculator(argv[1]);
  const pestle::Structure s = pestle::cubic_supercell(pestle::cubic_basis::bcc, 3.16, 2, 42);
  const double e = model->compute(s).energy / double(s.size());
  std::cout << model->name() << " model, bcc Mo energy " << e << " eV/atom\n";
  return std::isfinite(e) && e < -10.0 && e > -12.0 ? 0 : 1;
}
