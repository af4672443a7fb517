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
// A SNAP config with a "reference" block (ZBL) is scored as `pestle fit` fits it: on the labels minus
// the reference term; ACE and GAP configs with the block are refused (their cv does not subtract it).
// --frame-errors FILE (SNAP and linear ACE) writes the held-out energy error of every training
// structure under the best setting as CSV, to find the structures a model cannot extrapolate to.
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>

#include "cv_shared.hpp"
#include "pestle/fit/reference_labels.hpp"
#include "pestle/formats/reference_json.hpp"
#include "pestle/runtime/fitting.hpp"

namespace pestle::cli {


struct CvCandidate {
  double rcutfac = 0.0;
  CvScore score;
  double loss = 0.0;
};

/// A SNAP config and its "reference" block, if any (parse_fit_config does not know the block).
std::pair<FitConfig, std::optional<Zbl>> snap_config_and_reference(nlohmann::json document, const std::string& path) {
  std::optional<Zbl> reference;
  try {
    if (document.contains("reference")) {
      reference = reference_from_json(document["reference"]);
      document.erase("reference");
    }
    FitConfig config = parse_fit_config(document, std::filesystem::path(path).parent_path());
    config.source = path;
    return {std::move(config), reference};
  } catch (const InputError& e) {
    throw InputError(path + ": " + e.what());
  }
}

template <class Map>
void scan_weights(const FitConfig& base, const Dataset& data, double rcutfac, int folds, const Families* families,
                  const std::vector<double>& ew, const std::vector<double>& ridges, std::vector<CvCandidate>& out) {
  BispectrumParams p = base.descriptor;
  p.rcutfac = rcutfac;
  const Bispectrum<dynamic> d(p);
  const DesignLayout layout{snap_species(p), Map::size(d.size())};
  // under mpirun each rank assembles its share of the structures; the sums are reduced over the ranks
  const FoldedNormalEquations ne = folded_normal_equations<Map>(d, data, layout, base.options.design, folds, families,
                                                                2020, world());
  SolverOptions solver = base.options.solver;
  solver.kind = SolverKind::ridge;
  for (double we : ew)
    for (double lambda : ridges) {
      solver.ridge = lambda;
      const CvScore s = ne.score(we, base.options.design.weights.force, base.options.design.weights.virial, solver);
      if (s.solved) out.push_back({rcutfac, s, 0.0});
    }
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
  if (document.contains("reference") && family != "snap")
    throw UsageError("pestle cv takes a \"reference\" block in SNAP configs only; fit this config with pestle fit");
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
    if (world().size() > 1)
      throw UsageError("a GAP cross-validation runs on one MPI rank; under mpirun only SNAP and linear ACE cv share "
                       "their rows over ranks (docs/parallel_fits.md)");
    return run_cv_gap(config_path, folds, alpha, gap_sigmas, write_path);
  }
  if (gap_sigmas.given()) throw UsageError("--energy-sigmas, --force-sigmas and --virial-sigmas are for GAP configs");
  const auto [config, reference] = snap_config_and_reference(document, config_path);
  if (!config.options.design.weights.per_atom_energy)
    std::cerr << "pestle cv: note: energy rows are per structure; the energy RMSE below is then per structure\n";
  if (rcutfacs.empty()) rcutfacs = {config.descriptor.rcutfac};
  Dataset data = load_training_data(config);
  if (reference) {
    // E_model + E_ref − E_label = E_model − (E_label − E_ref): the held-out errors of the overlaid model
    // are those of the fitted part on the reduced labels, so cv scores exactly what `pestle fit` fits.
    std::cerr << "pestle cv: fitting the labels minus the ZBL reference term, as pestle fit does\n";
    data = subtract_reference(std::move(data), *reference);
  }
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
  // every rank holds the same scores; rank 0 prints them (printf is not silenced on the others) and writes the files
  if (!world().is_root()) return 0;
  std::printf("%8s %10s %10s %14s %14s%s %8s\n", "rcutfac", "eweight", "ridge", "E RMSE meV/at", "F RMSE eV/Å",
              family_header(families).c_str(), "loss");
  for (const auto& c : all)
    std::printf("%8.3f %10.3g %10.1e %14.3f %14.4f%s %8.4f%s\n", c.rcutfac, c.score.energy_weight, c.score.ridge,
                1e3 * c.score.energy_rmse, c.score.force_rmse, family_cells(c.score, families).c_str(), c.loss,
                &c == best ? "  <- best" : "");
  write_frame_errors(frame_errors_path, best->score, data, family_list, config.options.design.weights.per_atom_energy);
  write_tuned_config(config_path, write_path, [&](nlohmann::json& j) {
    j["descriptor"]["rcutfac"] = best->rcutfac;
    j["weights"]["energy"] = best->score.energy_weight;
    j["solver"]["type"] = "ridge";
    j["solver"]["ridge"] = best->score.ridge;
  });
  return 0;
}

}  // namespace pestle::cli

