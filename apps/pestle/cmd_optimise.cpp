// pestle optimise CONFIG.json [-o DIR] [--budget N] [--threads N]: Bayesian hyperparameter
// search over a fit config (include/pestle/optimise/hyperparameter_search.hpp documents the
// search config). DIR (default: <config name>.optimise) receives history.csv (one row per
// fit), best.model.json, best.config.json, optimiser.json (checkpoint), convergence.svg and
// parity.svg. Rerunning with the same DIR and a larger budget continues where it stopped.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <tbb/global_control.h>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/optimise/hyperparameter_search.hpp"

namespace pestle::cli {

inline std::size_t parse_count(const std::string& text, const std::string& option) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used != text.size() || v < 1) throw std::invalid_argument(text);
    return static_cast<std::size_t>(v);
  } catch (const std::exception&) {
    throw UsageError(option + " expects a positive integer, got '" + text + "'");
  }
}

int run_optimise(const Args& args) {
  std::string config_path, dir;
  std::size_t budget = 0, threads = 0;
  for (std::size_t k = 0; k < args.size(); ++k) {
    const auto value = [&](const std::string& opt) -> std::string {
      if (k + 1 >= args.size()) throw UsageError(opt + " needs a value");
      return args[++k];
    };
    if (args[k] == "-o" || args[k] == "--output") dir = value(args[k]);
    else if (args[k] == "--budget") budget = parse_count(value("--budget"), "--budget");
    else if (args[k] == "--threads") threads = parse_count(value("--threads"), "--threads");
    else if (!args[k].empty() && args[k][0] == '-') throw UsageError("unknown option '" + args[k] + "'");
    else if (config_path.empty()) config_path = args[k];
    else throw UsageError("more than one config file given");
  }
  if (config_path.empty()) throw UsageError("no search config given");
  if (dir.empty()) dir = std::filesystem::path(config_path).stem().string() + ".optimise";
  std::unique_ptr<tbb::global_control> limit;
  if (threads) limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);

  const optimise::SearchConfig config = optimise::load_search_config(config_path);
  optimise::HyperparameterSearch search(config, dir, &std::cerr);
  const std::size_t target = budget ? budget : config.budget;
  std::cerr << "pestle optimise: " << config.space.size() << " dimensions, budget " << target << " evaluations, "
            << search.training().size() << " training structures, validation "
            << (!config.validation.file.empty() ? config.validation.file.string()
                : config.validation.holdout > 0.0 ? std::to_string(search.validation().size()) + " held-out training structures"
                                                  : std::to_string(config.validation.folds) + "-fold CV")
            << "; writing to " << dir << "\n";
  search.run(target);
  search.write_parity_plot();

  const optimise::EvaluationRecord* best = nullptr;
  std::size_t failed = 0;
  for (const auto& r : search.history()) {
    failed += r.failed;
    if (!r.failed && (!best || r.loss < best->loss)) best = &r;
  }
  std::cout << search.history().size() << " evaluations (" << search.new_evaluations() << " new, " << failed
            << " failed) in " << dir << "\n";
  if (!best) throw NumericalError("every fit failed; see " + search.history_file().string());
  std::cout << "best: iteration " << best->iteration << ", loss " << best->loss << "\n";
  for (std::size_t k = 0; k < best->point.size(); ++k)
    std::cout << "  " << config.space[k].name << " = " << optimise::to_string(best->point[k]) << "\n";
  std::printf("  energy RMSE %.3f meV/atom, force-vector %s %.4f eV/Å, force-component RMSE %.4f eV/Å\n",
              1e3 * best->errors.energy_rmse_per_atom, config.loss.mae ? "MAE" : "RMSE", best->errors.force,
              best->errors.force_component_rmse);
  std::cout << "wrote " << search.best_model_file().string() << "\n";
  return 0;
}

}  // namespace pestle::cli
