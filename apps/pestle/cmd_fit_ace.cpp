// pestle fit on a linear or nonlinear ACE config (see cmd_fit.cpp for the command).
#include "fit_shared.hpp"
#include "pestle/fit/ace_fit.hpp"
#include "pestle/fit/ace_nonlinear_run.hpp"
#include "pestle/fit/fit_metadata.hpp"
#include "pestle/formats/ace_model_json.hpp"

namespace pestle::cli {


/// A linear ACE fit, written as a pestle JSON model (formats/ace_model_json.hpp).
int run_fit_ace(const std::string& config_path, std::string output) {
  AceFitConfig config = load_ace_fit_config(config_path);
  config.options.progress = design_progress_printer();
  config.options.communicator = &world();
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
            << summary.energy_rows + summary.force_rows + summary.virial_rows << " rows" << ranks_note() << " in "
            << seconds() << " s\n";
  if (!world().is_root()) return 0;  // every rank holds the model; rank 0 writes it
  const ErrorReport train = error_report(model.potential(), data);
  nlohmann::json meta = fit_metadata(config.options, summary, &train);
  meta["fit"]["smoothness"] = config.smoothness;
  save_ace_linear_model(output, model, meta);
  std::cout << "wrote " << output << "\n";
  print_training_errors(train);
  return 0;
}

/// A nonlinear ACE fit (L-BFGS or Levenberg–Marquardt, checkpoints; fit/ace_nonlinear_fit.hpp), written as a pestle JSON model.
int run_fit_ace_nonlinear(const std::string& config_path, std::string output) {
  require_one_rank("a nonlinear ACE fit");
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

}  // namespace pestle::cli
