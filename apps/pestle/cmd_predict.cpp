// pestle predict MODEL IN.xyz -o OUT.xyz: evaluates a model on every frame of an
// extended-XYZ file (streamed, frame by frame) and writes the frames with the model's
// energy, forces and (for fully periodic cells) stress in place of any labels they had.
// Per-atom energies are added as the per-atom column "energies".
#include <fstream>
#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/runtime/load.hpp"

namespace pestle::cli {

inline void store_prediction(Frame& f, const PotentialResult& p) {
  f.labels.energy = p.energy;
  f.labels.forces = p.forces;
  f.labels.stress = p.stress;
  f.labels.virial.reset();
  std::erase_if(f.atom_properties, [](const AtomProperty& a) { return a.name == "energies"; });
  AtomProperty e;
  e.name = "energies";
  e.type = AtomProperty::Type::real;
  e.columns = 1;
  e.reals = p.atom_energies;
  f.atom_properties.push_back(std::move(e));
}

int run_predict(const Args& args) {
  const ParsedArgs parsed = parse_args(args);
  const std::vector<std::string>& files = parsed.positional;
  const std::string& output = parsed.output;
  if (files.size() != 2) throw UsageError("expected MODEL and IN.xyz");
  if (output.empty()) throw UsageError("no output file: give -o OUT.xyz");
  const runtime::CalculatorPtr potential = runtime::load_calculator(files[0]);
  ExtXyzReader reader(files[1]);
  std::ofstream out(output);
  if (!out) throw InputError("cannot write '" + output + "'");
  std::size_t frames = 0;
  while (auto frame = reader.next()) {
    store_prediction(*frame, potential->compute(frame->structure));
    write_extxyz(out, *frame);
    ++frames;
  }
  if (!out) throw InputError("writing '" + output + "' failed");
  std::cout << "wrote " << frames << " frame(s) to " << output << "\n";
  return 0;
}

}  // namespace pestle::cli
