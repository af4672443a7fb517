// pestle cv on a GAP config (see cmd_cv.cpp for the command).
#include "cv_shared.hpp"
#include "pestle/fit/gap_config.hpp"
#include "pestle/fit/gp_cross_validation.hpp"

namespace pestle::cli {


/// pestle cv on a GAP config: σ_E × σ_F (× σ_V) scanned on one covariance assembly
/// (include/pestle/fit/gp_cross_validation.hpp). config_type σ scale with the default ones.
int run_cv_gap(const std::string& config_path, int folds, double alpha, GapSigmaGrid grid,
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
  write_tuned_config(config_path, write_path, [&](nlohmann::json& j) {
    const GpCvScore& b = scores[best];
    const double factor[3] = {b.energy_sigma_factor, b.force_sigma_factor, b.virial_sigma_factor};
    j["default_sigma"] = {base.energy * factor[0], base.force * factor[1], base.virial * factor[2]};
    if (j.contains("config_type_sigma"))
      for (auto& [name, v] : j["config_type_sigma"].items())
        for (std::size_t k = 0; k < v.size() && k < 3; ++k) v[k] = v[k].get<double>() * factor[k];
  });
  return 0;
}

}  // namespace pestle::cli
