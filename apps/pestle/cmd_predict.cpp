// pestle predict MODEL IN.xyz -o OUT.xyz: evaluates a model on every frame of an
// extended-XYZ file (streamed, frame by frame) and writes the frames with the model's
// energy, forces and (for fully periodic cells) stress in place of any labels they had.
// Per-atom energies are added as the per-atom column "energies"; with --active-set FILE.asi (pestle
// activeset) the extrapolation grade of every atom as the column "gamma" and its largest value per
// frame as the frame key "max_gamma"; with --variance (a GAP) the predictive variance of every atom's
// local energy (eV², QUIP's local_gap_variance) as "gap_variance" and "max_gap_variance", (an EDDP) the
// spread of every atom's energy over the ensemble's members (eV) as "eddp_spread" and "max_eddp_spread".
#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/runtime/grader.hpp"
#include "pestle/runtime/load.hpp"

namespace pestle::cli {

inline void set_atom_column(Frame& f, const std::string& name, std::vector<double> values) {
  std::erase_if(f.atom_properties, [&](const AtomProperty& a) { return a.name == name; });
  AtomProperty e;
  e.name = name;
  e.type = AtomProperty::Type::real;
  e.columns = 1;
  e.reals = std::move(values);
  f.atom_properties.push_back(std::move(e));
}

inline void store_prediction(Frame& f, const PotentialResult& p) {
  f.labels.energy = p.energy;
  f.labels.forces = p.forces;
  f.labels.stress = p.stress;
  f.labels.virial.reset();
  set_atom_column(f, "energies", p.atom_energies);
}

int run_predict(const Args& args) {
  Args rest;
  std::string active_set_file;
  bool variance = false;
  for (std::size_t k = 0; k < args.size(); ++k) {
    if (args[k] == "--variance") {
      variance = true;
      continue;
    }
    if (args[k] != "--active-set") {
      rest.push_back(args[k]);
      continue;
    }
    if (k + 1 >= args.size()) throw UsageError("--active-set needs a file (pestle activeset writes one)");
    active_set_file = args[++k];
  }
  const ParsedArgs parsed = parse_args(rest);
  const std::vector<std::string>& files = parsed.positional;
  const std::string& output = parsed.output;
  if (files.size() != 2) throw UsageError("expected MODEL and IN.xyz");
  if (output.empty()) throw UsageError("no output file: give -o OUT.xyz");
  const runtime::CalculatorPtr potential = runtime::load_calculator(files[0]);
  std::optional<runtime::Grader> graded;
  if (variance && !active_set_file.empty()) throw UsageError("give --active-set (SNAP, ACE) or --variance (GAP, EDDP), not both");
  if (!active_set_file.empty() || variance) graded.emplace(runtime::Grader::load(files[0], active_set_file));
  ExtXyzReader reader(files[1]);
  std::ofstream out(output);
  if (!out) throw InputError("cannot write '" + output + "'");
  std::size_t frames = 0;
  while (auto frame = reader.next()) {
    store_prediction(*frame, potential->compute(frame->structure));
    if (graded) {
      std::vector<double> u = graded->grades(frame->structure);
      frame->labels.info.set(std::string("max_") + graded->column(), u.empty() ? 0.0 : *std::max_element(u.begin(), u.end()));
      set_atom_column(*frame, graded->column(), std::move(u));
    }
    write_extxyz(out, *frame);
    ++frames;
  }
  if (!out) throw InputError("writing '" + output + "' failed");
  std::cout << "wrote " << frames << " frame(s) to " << output << "\n";
  return 0;
}

}  // namespace pestle::cli
