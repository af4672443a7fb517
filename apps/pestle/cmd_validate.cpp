// pestle validate CONFIG.json [-o DIR]: physical validation of a potential against a reference
// (include/pestle/validate/report.hpp): equilibrium, E–V with Birch–Murnaghan, elastic constants,
// phonons, vacancy and surfaces, melt–quench structure, MD stability, parity against labelled data.
// Writes DIR/summary.json, DIR/report.md and DIR/*.svg (DIR defaults to "validation"); progress on stderr.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/validate/report.hpp"

namespace pestle::cli {

int run_validate(const Args& args) {
  const ParsedArgs parsed = parse_args(args);
  if (parsed.positional.size() != 1) throw UsageError("expected one CONFIG.json");
  const std::filesystem::path config_path = parsed.positional[0];
  std::ifstream in(config_path);
  if (!in) throw InputError("cannot open config '" + config_path.string() + "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError("'" + config_path.string() + "' is not valid JSON: " + e.what());
  }
  const validate::ValidationConfig config = validate::parse_validation_config(j, config_path.parent_path());
  const std::filesystem::path dir = parsed.output.empty() ? "validation" : parsed.output;
  std::filesystem::create_directories(dir);
  const auto progress = [](const std::string& m) { std::cerr << "pestle validate: " << m << "\n"; };

  nlohmann::json summary;
  summary["potential_file"] = config.potential;
  summary["crystal"] = std::string(element_symbol(config.element)) + " " + config.lattice + ", a guess " +
                       std::to_string(config.a) + " Å, supercell " + std::to_string(config.supercell);
  const runtime::CalculatorPtr potential = runtime::load_calculator(config.potential);
  summary["potential"] = validate::run_suite(*potential, config, "potential", dir, progress);
  if (!config.reference.empty()) {
    summary["reference_file"] = config.reference;
    const runtime::CalculatorPtr reference = runtime::load_calculator(config.reference);
    summary["reference"] = validate::run_suite(*reference, config, "reference", dir, progress);
  }
  if (!config.reference_data.empty()) {
    summary["reference_file"] = config.reference_data;
    progress("parity against " + config.reference_data);
    summary["parity"] = validate::parity(*potential, config.reference_data, config.parity_max_frames);
  }
  std::ofstream(dir / "summary.json") << summary.dump(1) << "\n";
  std::string command = "pestle validate " + config_path.string();
  if (!parsed.output.empty()) command += " -o " + parsed.output;
  validate::write_report(dir, summary, command);
  std::cout << "wrote " << (dir / "summary.json").string() << ", " << (dir / "report.md").string() << " and plots\n";
  return 0;
}

}  // namespace pestle::cli
