#pragma once
// pestle fit CONFIG.json [-o MODEL.json]: fits the potential a config describes
// (include/pestle/fit/config.hpp documents the keys) and writes a JSON model file.
#include <chrono>
#include <iostream>

#include "cli.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/fit/metrics.hpp"
#include "pestle/io/model_json.hpp"

namespace pestle::cli {

inline int run_fit(const Args& args) {
  const ParsedArgs parsed = parse_args(args);
  if (parsed.positional.size() > 1) throw UsageError("more than one config file given");
  if (parsed.positional.empty()) throw UsageError("no config file given");
  const std::string config_path = parsed.positional[0];
  std::string output = parsed.output;
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
  std::cout << "wrote " << output << "\n"
            << "training errors: energy RMSE " << train.overall.energy_rmse_meV_per_atom() << " meV/atom, force RMSE "
            << train.overall.force_rmse() << " eV/Å (components)\n";
  return 0;
}

}  // namespace pestle::cli
