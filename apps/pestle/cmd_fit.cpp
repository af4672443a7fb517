// pestle fit CONFIG.json [-o MODEL]: fits the potential a config describes and writes the model:
// SNAP/qSNAP as a pestle JSON model (keys: include/pestle/fit/config.hpp), GAP ("model": "gap",
// keys: include/pestle/fit/gap_config.hpp) as a QUIP GAP XML file with its sparseX files, linear ACE
// ("model": "ace_linear", keys: include/pestle/fit/ace_fit.hpp) as a pestle JSON model.
#include <chrono>
#include <iostream>

#include <string_view>

#include "cli.hpp"
#include "pestle/runtime/registry.hpp"
#include "commands.hpp"
#include "pestle/fit/ace_fit.hpp"
#include "pestle/fit/ace_nonlinear_run.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/formats/ace_model_json.hpp"
#include "pestle/fit/gap_config.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/fit/metrics.hpp"
#include "pestle/formats/model_json.hpp"

namespace pestle::cli {

inline void print_training_errors(const ErrorReport& train) {
  std::cout << "training errors: energy RMSE " << train.overall.energy_rmse_meV_per_atom() << " meV/atom, force RMSE "
            << train.overall.force_rmse() << " eV/Å (components)\n";
}

/// A GAP fit: gap_fit's settings, written as QUIP XML.
inline int run_fit_gap(const std::string& config_path, std::string output) {
  const GapFitConfig config = load_gap_fit_config(config_path);
  if (output.empty()) output = config.output.string();
  if (output.empty()) throw UsageError("no output file: give -o MODEL.xml or \"output\" in the config");
  if (output.size() < 4 || output.substr(output.size() - 4) != ".xml")
    throw UsageError("a GAP model is written as QUIP XML: the output name must end in .xml");
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  const Dataset data = load_gap_training_data(config);
  std::cerr << "pestle fit: " << data.size() << " structures, " << data.atom_count() << " atoms; fitting gap\n";
  GpFitResult details;
  const GapModel model = fit_gap(
      data, config.settings,
      [&](std::size_t done, std::size_t total) {
        std::cerr << "\rpestle fit: covariance rows " << done << "/" << total << " structures, " << static_cast<int>(seconds())
                  << " s" << std::flush;
      },
      &details);
  std::cerr << "\npestle fit: " << details.columns << " sparse points, " << details.observations
            << " observations (rank " << details.rank << ") in " << seconds() << " s\n";
  io::write_gap_xml(model, output);
  std::cout << "wrote " << output << "\n";
  print_training_errors(error_report(GapPotential(model), data));
  return 0;
}

/// A linear ACE fit, written as a pestle JSON model (formats/ace_model_json.hpp).
inline int run_fit_ace(const std::string& config_path, std::string output) {
  const AceFitConfig config = load_ace_fit_config(config_path);
  if (output.empty()) output = config.output.string();
  if (output.empty()) throw UsageError("no output file: give -o MODEL.json or \"output\" in the config");
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  const Dataset data = load_ace_training_data(config);
  std::cerr << "pestle fit: " << data.size() << " structures, " << data.atom_count() << " atoms; fitting ace_linear (cutoff "
            << config.spec.rcut << " Å, " << config.spec.nmax.size() << " ranks, smoothness " << config.smoothness << ")\n";
  FitSummary summary;
  const AceLinearModel model = fit_ace_linear(config.spec, data, config.options, config.smoothness, &summary);
  std::cerr << "pestle fit: solved " << summary.solution.columns << " coefficients from "
            << summary.energy_rows + summary.force_rows + summary.virial_rows << " rows in " << seconds() << " s\n";
  const ErrorReport train = error_report(model.potential(), data);
  nlohmann::json meta = fit_metadata(config.options, summary, &train);
  meta["fit"]["smoothness"] = config.smoothness;
  save_ace_linear_model(output, model, meta);
  std::cout << "wrote " << output << "\n";
  print_training_errors(train);
  return 0;
}

/// A nonlinear ACE fit (L-BFGS or Levenberg–Marquardt, checkpoints; fit/ace_nonlinear_fit.hpp), written as a pestle JSON model.
inline int run_fit_ace_nonlinear(const std::string& config_path, std::string output) {
  AceNonlinearFitConfig config = load_ace_nonlinear_config(config_path);
  if (output.empty()) output = config.linear.output.string();
  if (output.empty()) throw UsageError("no output file: give -o MODEL.json or \"output\" in the config");
  config.checkpoint = output + ".checkpoint.json";
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  const Dataset data = load_ace_training_data(config.linear);
  std::cerr << "pestle fit: " << data.size() << " structures, " << data.atom_count() << " atoms; fitting ace with "
            << config.embedding.densities() << " densities (" << config.embedding.type << "), kappa "
            << config.loss.kappa << ", at most " << config.max_iterations << " " << config.method << " iterations\n";
  AceNonlinearFitReport report;
  const AceNonlinearModel model = fit_ace_nonlinear_config(config, data, &report, [&](const std::string& line) {
    std::cerr << "pestle fit: [" << static_cast<long>(seconds()) << " s] " << line << "\n";
  });
  const ErrorReport train = error_report(model.potential(), data);
  nlohmann::json meta = {{"fit",
                          {{"iterations", report.iterations},
                           {"converged", report.converged},
                           {"loss", report.final_terms.loss},
                           {"kappa", config.loss.kappa},
                           {"l1", config.loss.l1},
                           {"l2", config.loss.l2},
                           {"seconds", seconds()}}}};
  save_ace_nonlinear_model(output, model, meta);
  std::cout << "wrote " << output << " (" << report.iterations << " iterations"
            << (report.converged ? ", converged" : "") << "; checkpoint " << config.checkpoint.string() << ")\n";
  print_training_errors(train);
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
  if (family == "gap") return run_fit_gap(config_path, output);
  if (family == "ace")
    return is_nonlinear_ace_config(document) ? run_fit_ace_nonlinear(config_path, output) : run_fit_ace(config_path, output);
  const FitConfig config = load_fit_config(config_path);
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
            << summary.energy_rows + summary.force_rows + summary.virial_rows << " rows (rank "
            << summary.solution.rank << ") in " << seconds() << " s\n";
  const ErrorReport train = error_report(potential, data);
  save_model(output, potential, fit_metadata(config.options, summary, &train), config.options.design.reference_energies);
  std::cout << "wrote " << output << "\n";
  print_training_errors(train);
  return 0;
}

}  // namespace pestle::cli
