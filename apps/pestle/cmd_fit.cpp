// pestle fit CONFIG.json [-o MODEL]: fits the potential a config describes and writes the model:
// SNAP/qSNAP as a pestle JSON model (keys: include/pestle/fit/config.hpp), GAP ("model": "gap",
// keys: include/pestle/fit/gap_config.hpp) as a QUIP GAP XML file with its sparseX files, linear ACE
// ("model": "ace_linear", keys: include/pestle/fit/ace_fit.hpp) as a pestle JSON model, an EDDP ensemble
// ("model": "eddp", keys: include/pestle/fit/eddp_config.hpp) as a pestle JSON model.
#include <filesystem>
#include <string_view>

#include "fit_shared.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/fit/fit_metadata.hpp"
#include "pestle/fit/metrics.hpp"
#include "pestle/formats/model_json.hpp"
#include "pestle/runtime/fitting.hpp"

namespace pestle::cli {


/// A fit through the fitters' registry alone (runtime::fit_model): a config with a "reference" block
/// (formats/reference_json.hpp; the family fits the labels minus the reference term and the model file
/// carries the block), and the families without a command of their own here (EDDP).
int run_fit_through_registry(const std::string& config_path, const nlohmann::json& document, std::string output) {
  const bool reference = document.contains("reference");
  require_one_rank(reference ? "a fit with a reference term" : "an " + runtime::model_key(document) + " fit");
  if (reference) runtime::require_reference_support(runtime::family_of_config(document));
  const std::filesystem::path base_dir = std::filesystem::path(config_path).parent_path();
  if (output.empty() && document.contains("output") && document["output"].is_string())
    output = (base_dir / document["output"].get<std::string>()).string();
  if (output.empty()) throw UsageError("no output file: give -o MODEL.json or \"output\" in the config");
  const auto files = runtime::fit_config_training(document, base_dir);
  std::cerr << "pestle fit: reading " << files.size() << " training file(s)\n";
  const Dataset data = load_training_files(files, config_path);
  std::cerr << "pestle fit: " << data.size() << " structures, " << data.atom_count() << " atoms; fitting "
            << runtime::model_key(document) << (reference ? " on the labels minus the reference term" : "") << "\n";
  const runtime::FittedModel model = runtime::fit_model(document, base_dir, data);
  model.save(output, nlohmann::json::object());
  std::cout << "wrote " << output << "\n";
  print_training_errors(error_report(*model.calculator, data));
  return 0;
}

int run_fit(const Args& args) {
  const ParsedArgs parsed = parse_args(args);
  if (parsed.positional.size() > 1) throw UsageError("more than one config file given");
  if (parsed.positional.empty()) throw UsageError("no config file given");
  const std::string config_path = parsed.positional[0];
  std::string output = parsed.output;
  const nlohmann::json document = read_json_file(config_path, "fit config");
  const std::string_view family = runtime::family_of_config(document).name;
  if (document.contains("reference") || family == "eddp") return run_fit_through_registry(config_path, document, output);
  if (family == "gap") return run_fit_gap(config_path, output);
  if (family == "ace")
    return runtime::model_key(document) == "ace" ? run_fit_ace_nonlinear(config_path, output) : run_fit_ace(config_path, output);
  FitConfig config = load_fit_config(config_path);
  config.options.progress = design_progress_printer();
  config.options.communicator = &world();
  if (output.empty()) output = config.output.string();
  if (output.empty()) throw UsageError("no output file: give -o MODEL.json or \"output\" in the config");

  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  std::cerr << "pestle fit: reading " << config.training.size() << " training file(s)\n";
  const Dataset data = load_training_data(config);
  std::cerr << "pestle fit: " << data.size() << " structures, " << data.atom_count() << " atoms; fitting "
            << config.model_name() << " (twojmax " << config.descriptor.twojmax << ", rcutfac "
            << config.descriptor.rcutfac << ", solver " << solver_name(config.options.solver.kind) << ")\n";
  FitSummary summary;
  const AnyPotential potential = fit_from_config(config, data, &summary);
  std::cerr << "pestle fit: solved " << summary.solution.columns << " coefficients from "
            << summary.energy_rows + summary.force_rows + summary.virial_rows << " rows" << ranks_note() << " (rank "
            << summary.solution.rank << ") in " << seconds() << " s\n";
  if (!world().is_root()) return 0;  // every rank holds the model; rank 0 writes it
  const ErrorReport train = error_report(potential, data);
  save_model(output, potential, fit_metadata(config.options, summary, &train), config.options.design.reference_energies);
  std::cout << "wrote " << output << "\n";
  print_training_errors(train);
  return 0;
}

}  // namespace pestle::cli

