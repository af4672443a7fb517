// pestle cv CONFIG.json [options]: chooses hyperparameters of a fit config by k-fold
// cross-validation on its training files only, and optionally writes the tuned config.
//
// For each rcutfac candidate the descriptors are computed once; the energy weight and the
// ridge parameter are then scanned on cached per-fold normal equations
// (include/pestle/fit/cross_validation.hpp). The setting with the lowest
//     L = α·RMSE_E/min RMSE_E + (1−α)·RMSE_F/min RMSE_F
// (each RMSE relative to the best value seen in the scan, so the two terms are unit-free)
// wins; α defaults to 0.8, in the range XPOT uses for the Zuo elements.
//
// A GAP config ("model": "gap") scans its σ_E, σ_F (and σ_V) instead: --energy-sigmas,
// --force-sigmas, --virial-sigmas list absolute values (default: the config's default_sigma); the
// covariance rows are assembled once and every setting is scored from per-fold QR summaries
// (include/pestle/fit/gp_cross_validation.hpp); --write-config writes the best default_sigma (and
// config_type σ scaled alike).
//
// A linear ACE config ("model": "ace_linear") scans --cutoffs (Å; default: the config's) like rcutfac,
// and besides the energy weight and ridge the smoothness-prior exponent (--smoothness, default: the
// config's); --write-config writes descriptor.cutoff, weights.energy, solver.ridge and solver.smoothness.
//
// --by-family (SNAP and linear ACE) stratifies the folds by structure family (config_type, or
// "slab"/"bulk" by the vacuum rule of include/pestle/core/families.hpp), prints the held-out
// energy RMSE of every family, and ranks the settings by the family-balanced energy RMSE
// √(mean over families of their mean squared error) in place of the pooled one, so a rare
// family (nine surfaces among 194 Mo structures) counts as much as a common one.
// --frame-errors FILE (SNAP and linear ACE) writes the held-out energy error of every training
// structure under the best setting as CSV, to find the structures a model cannot extrapolate to.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include <string_view>

#include "cli.hpp"
#include "pestle/runtime/registry.hpp"
#include "commands.hpp"
#include "pestle/fit/ace_fit.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/fit/cross_validation.hpp"
#include "pestle/fit/gap_config.hpp"
#include "pestle/fit/gp_cross_validation.hpp"

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

/// L = α·RMSE_E/min RMSE_E + (1−α)·RMSE_F/min RMSE_F of every candidate (see the file comment).
inline std::vector<double> cv_losses(const std::vector<double>& energy, const std::vector<double>& force, double alpha) {
  const double emin = *std::min_element(energy.begin(), energy.end());
  const double fmin = *std::min_element(force.begin(), force.end());
  std::vector<double> loss;
  for (std::size_t k = 0; k < energy.size(); ++k)
    loss.push_back(alpha * energy[k] / (emin > 0.0 ? emin : 1.0) + (1.0 - alpha) * force[k] / (fmin > 0.0 ? fmin : 1.0));
  return loss;
}

/// The energy RMSE a setting is ranked by: family-balanced with --by-family, else pooled.
inline double ranked_energy_rmse(const CvScore& s, const Families* families) {
  return families ? s.balanced_energy_rmse : s.energy_rmse;
}

/// Header and row cells of the per-family energy RMSE columns (meV/atom); empty without families.
inline std::string family_header(const Families* families) {
  std::string out;
  if (!families) return out;
  char cell[64];
  std::snprintf(cell, sizeof cell, " %12s", "E balanced");
  out += cell;
  for (const auto& name : families->names) {
    std::snprintf(cell, sizeof cell, " %12s", ("E " + name.substr(0, 10)).c_str());
    out += cell;
  }
  return out;
}
inline std::string family_cells(const CvScore& s, const Families* families) {
  std::string out;
  if (!families) return out;
  char cell[64];
  std::snprintf(cell, sizeof cell, " %12.3f", 1e3 * s.balanced_energy_rmse);
  out += cell;
  for (double e : s.family_energy_rmse) {
    std::snprintf(cell, sizeof cell, " %12.3f", 1e3 * e);
    out += cell;
  }
  return out;
}

/// One line per family: its name and number of structures (stderr, before the scan).
inline void report_families(const Families& families) {
  std::vector<std::size_t> count(families.names.size(), 0);
  for (int g : families.of_frame) ++count[static_cast<std::size_t>(g)];
  std::cerr << "pestle cv: families (stratified folds, balanced energy RMSE):";
  for (std::size_t g = 0; g < count.size(); ++g) std::cerr << " " << families.names[g] << " " << count[g];
  std::cerr << "\n";
}

/// --frame-errors: one CSV line per training structure with its held-out energy error.
inline void write_frame_errors(const std::string& path, const CvScore& best, const Dataset& data, const Families& families,
                               bool per_atom) {
  if (path.empty()) return;
  std::ofstream out(path);
  out << "frame,family,atoms," << (per_atom ? "energy_error_meV_per_atom" : "energy_error_meV") << "\n";
  for (std::size_t k = 0; k < data.size(); ++k) {
    const double e = best.frame_energy_error[k];
    out << k << "," << families.names[static_cast<std::size_t>(families.of_frame[k])] << "," << data[k].size() << ",";
    if (std::isnan(e)) out << "\n";
    else out << 1e3 * e << "\n";
  }
  if (!out) throw InputError("cannot write '" + path + "'");
  std::cerr << "pestle cv: held-out energy error of every structure in " << path << "\n";
}

struct CvCandidate {
  double rcutfac = 0.0;
  CvScore score;
  double loss = 0.0;
};

template <class Map>
void scan_weights(const FitConfig& base, const Dataset& data, double rcutfac, int folds, const Families* families,
                  const std::vector<double>& ew, const std::vector<double>& ridges, std::vector<CvCandidate>& out) {
  BispectrumParams p = base.descriptor;
  p.rcutfac = rcutfac;
  const Bispectrum<dynamic> d(p);
  const DesignLayout layout{snap_species(p), Map::size(d.size())};
  const FoldedNormalEquations ne = folded_normal_equations<Map>(d, data, layout, base.options.design, folds, families);
  SolverOptions solver = base.options.solver;
  solver.kind = SolverKind::ridge;
  for (double we : ew)
    for (double lambda : ridges) {
      solver.ridge = lambda;
      const CvScore s = ne.score(we, base.options.design.weights.force, base.options.design.weights.virial, solver);
      if (s.solved) out.push_back({rcutfac, s, 0.0});
    }
}

/// σ values to try for a GAP config (absolute, in the units of default_sigma); empty: the config's.
struct GapSigmaGrid {
  std::vector<double> energy, force, virial;
  bool given() const { return !energy.empty() || !force.empty() || !virial.empty(); }
};

/// pestle cv on a GAP config: σ_E × σ_F (× σ_V) scanned on one covariance assembly
/// (include/pestle/fit/gp_cross_validation.hpp). config_type σ scale with the default ones.
inline int run_cv_gap(const std::string& config_path, int folds, double alpha, GapSigmaGrid grid,
                      const std::string& write_path) {
  const GapFitConfig config = load_gap_fit_config(config_path);
  const GpSigmas& base = config.settings.sigma;
  if (grid.energy.empty()) grid.energy = {base.energy};
  if (grid.force.empty()) grid.force = {base.force};
  if (grid.virial.empty()) grid.virial = {base.virial};
  for (const auto* list : {&grid.energy, &grid.force})
    for (double v : *list)
      if (!(v > 0.0)) throw UsageError("σ values must be positive");
  if (base.virial == 0.0 && (grid.virial.size() > 1 || grid.virial[0] != 0.0))
    throw UsageError("the config fits no virials (default_sigma σ_V = 0): --virial-sigmas does not apply");
  const Dataset data = load_gap_training_data(config);
  const auto t0 = std::chrono::steady_clock::now();
  std::cerr << "pestle cv: " << folds << "-fold summaries of " << data.size() << " structures (GAP)\n";
  const GpFoldSummaries cv = gap_fold_summaries(data, config.settings, folds, 2020, [&](std::size_t done, std::size_t total) {
    std::cerr << "\rpestle cv: covariance rows " << done << "/" << total << " structures, "
              << static_cast<int>(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()) << " s"
              << std::flush;
  });
  std::cerr << "\n";
  std::vector<GpCvScore> scores;
  for (double se : grid.energy)
    for (double sf : grid.force)
      for (double sv : grid.virial) {
        const GpCvScore s = cv.score(se / base.energy, sf / base.force, base.virial > 0.0 ? sv / base.virial : 1.0);
        if (s.solved) scores.push_back(s);
      }
  if (scores.empty()) throw NumericalError("every cross-validation setting was singular");
  std::vector<double> e, f;
  for (const auto& s : scores) {
    e.push_back(s.energy_rmse);
    f.push_back(s.force_rmse);
  }
  const std::vector<double> loss = cv_losses(e, f, alpha);
  const std::size_t best = static_cast<std::size_t>(std::min_element(loss.begin(), loss.end()) - loss.begin());
  std::printf("%10s %10s %10s %14s %14s %8s\n", "sigma_E", "sigma_F", "sigma_V", "E RMSE meV/at", "F RMSE eV/Å", "loss");
  for (std::size_t k = 0; k < scores.size(); ++k)
    std::printf("%10.3g %10.3g %10.3g %14.3f %14.4f %8.4f%s\n", scores[k].energy_sigma_factor * base.energy,
                scores[k].force_sigma_factor * base.force, scores[k].virial_sigma_factor * base.virial,
                1e3 * scores[k].energy_rmse, scores[k].force_rmse, loss[k], k == best ? "  <- best" : "");
  if (!write_path.empty()) {
    const GpCvScore& b = scores[best];
    const double factor[3] = {b.energy_sigma_factor, b.force_sigma_factor, b.virial_sigma_factor};
    nlohmann::json j = read_json_file(config_path, "fit config");
    j["default_sigma"] = {base.energy * factor[0], base.force * factor[1], base.virial * factor[2]};
    if (j.contains("config_type_sigma"))
      for (auto& [name, v] : j["config_type_sigma"].items())
        for (std::size_t k = 0; k < v.size() && k < 3; ++k) v[k] = v[k].get<double>() * factor[k];
    std::ofstream out(write_path);
    out << j.dump(2) << "\n";
    if (!out) throw InputError("cannot write '" + write_path + "'");
    std::cout << "wrote " << write_path << "\n";
  }
  return 0;
}

/// pestle cv on a linear ACE config (see the file comment).
inline int run_cv_ace(const std::string& config_path, int folds, double alpha, std::vector<double> cutoffs,
                      const std::vector<double>& energy_weights, const std::vector<double>& ridges,
                      std::vector<double> smoothness, bool by_family, const std::string& write_path,
                      const std::string& frame_errors_path) {
  const AceFitConfig config = load_ace_fit_config(config_path);
  if (!config.options.design.weights.per_atom_energy)
    std::cerr << "pestle cv: note: energy rows are per structure; the energy RMSE below is then per structure\n";
  if (cutoffs.empty()) cutoffs = {config.spec.rcut};
  if (smoothness.empty()) smoothness = {config.smoothness};
  const Dataset data = load_ace_training_data(config);
  const Families family_list = structure_families(data);
  const Families* families = by_family ? &family_list : nullptr;
  if (families) report_families(*families);
  struct Candidate {
    double cutoff, smoothness;
    CvScore score;
    double loss = 0.0;
  };
  std::vector<Candidate> all;
  for (double rc : cutoffs) {
    AceBasisSpec spec = config.spec;
    spec.rcut = rc;
    if (!(spec.dcut < rc)) throw UsageError("every cutoff must exceed d_cut");
    const auto t0 = std::chrono::steady_clock::now();
    const AceDescriptor d = ace_b_descriptor(spec);
    const DesignLayout layout{spec.elements, d.size()};
    std::cerr << "pestle cv: cutoff " << rc << " Å, " << d.size() << " B functions: " << folds << "-fold normal equations of "
              << data.size() << " structures";
    const FoldedNormalEquations ne = folded_normal_equations<LinearMap>(d, data, layout, config.options.design, folds, families);
    std::cerr << " (" << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s)\n";
    SolverOptions solver = config.options.solver;
    solver.kind = SolverKind::ridge;
    for (double p : smoothness) {
      solver.ridge_scale = p > 0.0 ? ace_smoothness_scale(d.basis(), p) : std::vector<double>{};
      for (double we : energy_weights)
        for (double lambda : ridges) {
          solver.ridge = lambda;
          const CvScore sc = ne.score(we, config.options.design.weights.force, config.options.design.weights.virial, solver);
          if (sc.solved) all.push_back({rc, p, sc, 0.0});
        }
    }
  }
  if (all.empty()) throw NumericalError("every cross-validation setting was singular");
  std::vector<double> e, f;
  for (const auto& c : all) e.push_back(ranked_energy_rmse(c.score, families)), f.push_back(c.score.force_rmse);
  const std::vector<double> loss = cv_losses(e, f, alpha);
  std::size_t best = 0;
  for (std::size_t k = 0; k < all.size(); ++k) {
    all[k].loss = loss[k];
    if (loss[k] < loss[best]) best = k;
  }
  std::printf("%8s %8s %10s %10s %14s %14s%s %8s\n", "cutoff", "smooth", "eweight", "ridge", "E RMSE meV/at", "F RMSE eV/Å",
              family_header(families).c_str(), "loss");
  for (std::size_t k = 0; k < all.size(); ++k)
    std::printf("%8.3f %8.2f %10.3g %10.1e %14.3f %14.4f%s %8.4f%s\n", all[k].cutoff, all[k].smoothness, all[k].score.energy_weight,
                all[k].score.ridge, 1e3 * all[k].score.energy_rmse, all[k].score.force_rmse,
                family_cells(all[k].score, families).c_str(), all[k].loss, k == best ? "  <- best" : "");
  write_frame_errors(frame_errors_path, all[best].score, data, family_list, config.options.design.weights.per_atom_energy);
  if (!write_path.empty()) {
    nlohmann::json j = read_json_file(config_path, "fit config");
    j["descriptor"]["cutoff"] = all[best].cutoff;
    j["weights"]["energy"] = all[best].score.energy_weight;
    j["solver"]["type"] = "ridge";
    j["solver"]["ridge"] = all[best].score.ridge;
    j["solver"]["smoothness"] = all[best].smoothness;
    std::ofstream out(write_path);
    out << j.dump(2) << "\n";
    if (!out) throw InputError("cannot write '" + write_path + "'");
    std::cout << "wrote " << write_path << "\n";
  }
  return 0;
}

int run_cv(const Args& args) {
  std::string config_path, write_path, frame_errors_path;
  int folds = 5;
  double alpha = 0.8;
  std::vector<double> cutoffs, smoothness;
  std::vector<double> rcutfacs, energy_weights = {1, 10, 100, 1000, 10000}, ridges = {1e-10, 1e-8, 1e-6, 1e-4};
  bool energy_weights_given = false, ridges_given = false, by_family = false;
  GapSigmaGrid gap_sigmas;
  for (std::size_t k = 0; k < args.size(); ++k) {
    const auto value = [&](const std::string& opt) -> std::string {
      if (k + 1 >= args.size()) throw UsageError(opt + " needs a value");
      return args[++k];
    };
    if (args[k] == "--folds") folds = static_cast<int>(parse_list(value("--folds"), "--folds").at(0));
    else if (args[k] == "--alpha") alpha = parse_list(value("--alpha"), "--alpha").at(0);
    else if (args[k] == "--rcutfac") rcutfacs = parse_list(value("--rcutfac"), "--rcutfac");
    else if (args[k] == "--energy-weights") {
      energy_weights = parse_list(value("--energy-weights"), "--energy-weights");
      energy_weights_given = true;
    } else if (args[k] == "--ridges") {
      ridges = parse_list(value("--ridges"), "--ridges");
      ridges_given = true;
    } else if (args[k] == "--energy-sigmas") gap_sigmas.energy = parse_list(value("--energy-sigmas"), "--energy-sigmas");
    else if (args[k] == "--force-sigmas") gap_sigmas.force = parse_list(value("--force-sigmas"), "--force-sigmas");
    else if (args[k] == "--virial-sigmas") gap_sigmas.virial = parse_list(value("--virial-sigmas"), "--virial-sigmas");
    else if (args[k] == "--cutoffs") cutoffs = parse_list(value("--cutoffs"), "--cutoffs");
    else if (args[k] == "--smoothness") smoothness = parse_list(value("--smoothness"), "--smoothness");
    else if (args[k] == "--write-config") write_path = value("--write-config");
    else if (args[k] == "--by-family") by_family = true;
    else if (args[k] == "--frame-errors") frame_errors_path = value("--frame-errors");
    else if (!args[k].empty() && args[k][0] == '-') throw UsageError("unknown option '" + args[k] + "'");
    else if (config_path.empty()) config_path = args[k];
    else throw UsageError("more than one config file given");
  }
  if (config_path.empty()) throw UsageError("no config file given");
  if (!(alpha > 0.0 && alpha < 1.0)) throw UsageError("--alpha must lie strictly between 0 and 1");
  const nlohmann::json document = read_json_file(config_path, "fit config");
  const std::string_view family = runtime::family_of_config(document).name;
  if (family == "ace") {
    if (!rcutfacs.empty() || gap_sigmas.given()) throw UsageError("an ACE config takes --cutoffs, not --rcutfac or σ lists");
    return run_cv_ace(config_path, folds, alpha, cutoffs, energy_weights, ridges, smoothness, by_family, write_path,
                      frame_errors_path);
  }
  if (!cutoffs.empty() || !smoothness.empty()) throw UsageError("--cutoffs and --smoothness are for ACE configs");
  if (family == "gap") {
    if (by_family || !frame_errors_path.empty())
      throw UsageError("--by-family and --frame-errors are for SNAP and linear ACE configs");
    if (!rcutfacs.empty() || energy_weights_given || ridges_given)
      throw UsageError("--rcutfac, --energy-weights and --ridges are SNAP options; a GAP config takes --energy-sigmas, "
                       "--force-sigmas and --virial-sigmas");
    return run_cv_gap(config_path, folds, alpha, gap_sigmas, write_path);
  }
  if (gap_sigmas.given()) throw UsageError("--energy-sigmas, --force-sigmas and --virial-sigmas are for GAP configs");
  const FitConfig config = load_fit_config(config_path);
  if (!config.options.design.weights.per_atom_energy)
    std::cerr << "pestle cv: note: energy rows are per structure; the energy RMSE below is then per structure\n";
  if (rcutfacs.empty()) rcutfacs = {config.descriptor.rcutfac};
  const Dataset data = load_training_data(config);
  const Families family_list = structure_families(data);
  const Families* families = by_family ? &family_list : nullptr;
  if (families) report_families(*families);

  std::vector<CvCandidate> all;
  for (double rc : rcutfacs) {
    std::cerr << "pestle cv: rcutfac " << rc << ": " << folds << "-fold normal equations of " << data.size()
              << " structures\n";
    if (config.model == SnapModelKind::linear) scan_weights<LinearMap>(config, data, rc, folds, families, energy_weights, ridges, all);
    else scan_weights<QuadraticMap>(config, data, rc, folds, families, energy_weights, ridges, all);
  }
  if (all.empty()) throw NumericalError("every cross-validation setting was singular");
  std::vector<double> e, f;
  for (const auto& c : all) {
    e.push_back(ranked_energy_rmse(c.score, families));
    f.push_back(c.score.force_rmse);
  }
  const std::vector<double> loss = cv_losses(e, f, alpha);
  const CvCandidate* best = &all[0];
  for (std::size_t k = 0; k < all.size(); ++k) {
    all[k].loss = loss[k];
    if (all[k].loss < best->loss) best = &all[k];
  }
  std::printf("%8s %10s %10s %14s %14s%s %8s\n", "rcutfac", "eweight", "ridge", "E RMSE meV/at", "F RMSE eV/Å",
              family_header(families).c_str(), "loss");
  for (const auto& c : all)
    std::printf("%8.3f %10.3g %10.1e %14.3f %14.4f%s %8.4f%s\n", c.rcutfac, c.score.energy_weight, c.score.ridge,
                1e3 * c.score.energy_rmse, c.score.force_rmse, family_cells(c.score, families).c_str(), c.loss,
                &c == best ? "  <- best" : "");
  write_frame_errors(frame_errors_path, best->score, data, family_list, config.options.design.weights.per_atom_energy);
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
