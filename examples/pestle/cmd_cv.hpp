#pragma once
// pestle cv CONFIG.json [options]: chooses hyperparameters of a fit config by k-fold
// cross-validation on its training files only, and optionally writes the tuned config.
//
// For each rcutfac candidate the descriptors are computed once; the energy weight and the
// ridge parameter are then scanned on cached per-fold normal equations
// (include/pestle/fit/cross_validation.hpp). The setting with the lowest
//     L = α·RMSE_E/min RMSE_E + (1−α)·RMSE_F/min RMSE_F
// (each RMSE relative to the best value seen in the scan, so the two terms are unit-free)
// wins; α defaults to 0.8, in the range XPOT uses for the Zuo elements.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/fit/cross_validation.hpp"

namespace pestle::cli {

inline std::vector<double> parse_list(const std::string& text, const std::string& option) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      out.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw UsageError(option + " expects comma-separated numbers, got '" + text + "'");
    }
  }
  if (out.empty()) throw UsageError(option + " needs at least one value");
  return out;
}

struct CvCandidate {
  double rcutfac = 0.0;
  CvScore score;
  double loss = 0.0;
};

template <class Map>
void scan_weights(const FitConfig& base, const Dataset& data, double rcutfac, int folds, const std::vector<double>& ew,
                  const std::vector<double>& ridges, std::vector<CvCandidate>& out) {
  BispectrumParams p = base.descriptor;
  p.rcutfac = rcutfac;
  const Bispectrum<dynamic> d(p);
  const DesignLayout layout{snap_species(p), Map::size(d.size())};
  const FoldedNormalEquations ne = folded_normal_equations<Map>(d, data, layout, base.options.design, folds);
  SolverOptions solver = base.options.solver;
  solver.kind = SolverKind::ridge;
  for (double we : ew)
    for (double lambda : ridges) {
      solver.ridge = lambda;
      const CvScore s = ne.score(we, base.options.design.weights.force, base.options.design.weights.virial, solver);
      if (s.solved) out.push_back({rcutfac, s, 0.0});
    }
}

inline int run_cv(const Args& args) {
  std::string config_path, write_path;
  int folds = 5;
  double alpha = 0.8;
  std::vector<double> rcutfacs, energy_weights = {1, 10, 100, 1000, 10000}, ridges = {1e-10, 1e-8, 1e-6, 1e-4};
  for (std::size_t k = 0; k < args.size(); ++k) {
    const auto value = [&](const std::string& opt) -> std::string {
      if (k + 1 >= args.size()) throw UsageError(opt + " needs a value");
      return args[++k];
    };
    if (args[k] == "--folds") folds = static_cast<int>(parse_list(value("--folds"), "--folds").at(0));
    else if (args[k] == "--alpha") alpha = parse_list(value("--alpha"), "--alpha").at(0);
    else if (args[k] == "--rcutfac") rcutfacs = parse_list(value("--rcutfac"), "--rcutfac");
    else if (args[k] == "--energy-weights") energy_weights = parse_list(value("--energy-weights"), "--energy-weights");
    else if (args[k] == "--ridges") ridges = parse_list(value("--ridges"), "--ridges");
    else if (args[k] == "--write-config") write_path = value("--write-config");
    else if (!args[k].empty() && args[k][0] == '-') throw UsageError("unknown option '" + args[k] + "'");
    else if (config_path.empty()) config_path = args[k];
    else throw UsageError("more than one config file given");
  }
  if (config_path.empty()) throw UsageError("no config file given");
  if (!(alpha > 0.0 && alpha < 1.0)) throw UsageError("--alpha must lie strictly between 0 and 1");
  const FitConfig config = load_fit_config(config_path);
  if (!config.options.design.weights.per_atom_energy)
    std::cerr << "pestle cv: note: energy rows are per structure; the energy RMSE below is then per structure\n";
  if (rcutfacs.empty()) rcutfacs = {config.descriptor.rcutfac};
  const Dataset data = load_training_data(config);

  std::vector<CvCandidate> all;
  for (double rc : rcutfacs) {
    std::cerr << "pestle cv: rcutfac " << rc << ": " << folds << "-fold normal equations of " << data.size()
              << " structures\n";
    if (config.model == SnapModelKind::linear) scan_weights<LinearMap>(config, data, rc, folds, energy_weights, ridges, all);
    else scan_weights<QuadraticMap>(config, data, rc, folds, energy_weights, ridges, all);
  }
  if (all.empty()) throw NumericalError("every cross-validation setting was singular");
  double emin = all[0].score.energy_rmse, fmin = all[0].score.force_rmse;
  for (const auto& c : all) {
    emin = std::min(emin, c.score.energy_rmse);
    fmin = std::min(fmin, c.score.force_rmse);
  }
  const CvCandidate* best = &all[0];
  for (auto& c : all) {
    c.loss = alpha * c.score.energy_rmse / emin + (1.0 - alpha) * c.score.force_rmse / fmin;
    if (c.loss < best->loss) best = &c;
  }
  std::printf("%8s %10s %10s %14s %14s %8s\n", "rcutfac", "eweight", "ridge", "E RMSE meV/at", "F RMSE eV/Å", "loss");
  for (const auto& c : all)
    std::printf("%8.3f %10.3g %10.1e %14.3f %14.4f %8.4f%s\n", c.rcutfac, c.score.energy_weight, c.score.ridge,
                1e3 * c.score.energy_rmse, c.score.force_rmse, c.loss, &c == best ? "  <- best" : "");
  if (!write_path.empty()) {
    std::ifstream in(config_path);
    nlohmann::json j = nlohmann::json::parse(in);
    j["descriptor"]["rcutfac"] = best->rcutfac;
    j["weights"]["energy"] = best->score.energy_weight;
    j["solver"]["type"] = "ridge";
    j["solver"]["ridge"] = best->score.ridge;
    std::ofstream out(write_path);
    out << j.dump(2) << "\n";
    if (!out) throw InputError("cannot write '" + write_path + "'");
    std::cout << "wrote " << write_path << "\n";
  }
  return 0;
}

}  // namespace pestle::cli
