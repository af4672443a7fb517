// pestle export MODEL.json -o PREFIX: writes a SNAP/qSNAP model as the LAMMPS files
// PREFIX.snapcoeff and PREFIX.snapparam, to be used with
//   pair_style snap
//   pair_coeff * * PREFIX.snapcoeff PREFIX.snapparam El1 El2 ...
#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/formats/model_json.hpp"
#include "pestle/formats/snap_files.hpp"

namespace pestle::cli {

int run_export(const Args& args) {
  const ParsedArgs parsed = parse_args(args);
  if (parsed.positional.size() != 1) throw UsageError("expected one MODEL.json");
  if (parsed.output.empty()) throw UsageError("no output prefix: give -o PREFIX");
  const AnyPotential potential = load_model(parsed.positional[0]);
  const std::string coeff = parsed.output + ".snapcoeff", param = parsed.output + ".snapparam";
  write_snap_files(potential, coeff, param);
  std::cout << "wrote " << coeff << " and " << param << "\n";
  return 0;
}

}  // namespace pestle::cli
