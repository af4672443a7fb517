// pestle export MODEL.json -o PREFIX: writes a SNAP/qSNAP model as the LAMMPS files
// PREFIX.snapcoeff, PREFIX.snapparam and PREFIX.snap, the include file that defines the pair style:
//   include PREFIX.snap
// It holds `pair_style snap` and `pair_coeff * * PREFIX.snapcoeff PREFIX.snapparam El1 El2 ...`, or,
// for a model with a ZBL "reference" block, `pair_style hybrid/overlay zbl INNER OUTER snap` with one
// `pair_coeff I J zbl Z_I Z_J` per pair of types (LAMMPS's own form, e.g. InP_JCPA2020.snap), so the
// reference term the fit subtracted is added back in LAMMPS.
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/formats/model_json.hpp"
#include "pestle/formats/reference_json.hpp"
#include "pestle/formats/snap_files.hpp"
#include "pestle/formats/snap_include.hpp"

namespace pestle::cli {

namespace {

/// The "reference" block of a model file, if it has one (the SNAP reader ignores it).
std::optional<Zbl> reference_of(const std::string& model_path) {
  std::ifstream in(model_path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("reference")) return std::nullopt;
  try {
    return reference_from_json(j["reference"]);
  } catch (const InputError& e) {
    throw InputError(model_path + ": " + e.what());
  }
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  if (!(out << text)) throw InputError("cannot write '" + path + "'");
}

}  // namespace

int run_export(const Args& args) {
  const ParsedArgs parsed = parse_args(args);
  if (parsed.positional.size() != 1) throw UsageError("expected one MODEL.json");
  if (parsed.output.empty()) throw UsageError("no output prefix: give -o PREFIX");
  const std::string& model = parsed.positional[0];
  const AnyPotential potential = load_model(model);
  SnapInclude include;
  include.coeff_path = parsed.output + ".snapcoeff";
  include.param_path = parsed.output + ".snapparam";
  include.zbl = reference_of(model);
  write_snap_files(potential, include.coeff_path, include.param_path);
  include.elements = snap_species(potential.visit([](const auto& p) { return p.descriptor().params(); }));
  write_text(parsed.output + ".snap", snap_include_text(include));
  std::cout << "wrote " << include.coeff_path << ", " << include.param_path << " and " << parsed.output << ".snap"
            << (include.zbl ? " (SNAP overlaid on its ZBL reference)" : "") << "\n";
  return 0;
}

}  // namespace pestle::cli
