// pestle cv on a linear ACE config (see cmd_cv.cpp for the command).
#include "cv_shared.hpp"
#include "pestle/fit/ace_fit.hpp"

namespace pestle::cli {


/// pestle cv on a linear ACE config (see the file comment).
int run_cv_ace(const std::string& config_path, int folds, double alpha, std::vector<double> cutoffs,
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
    const FoldedNormalEquations ne =
        folded_normal_equations<LinearMap>(d, data, layout, config.options.design, folds, families, 2020, world());
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
  // every rank holds the same scores; rank 0 prints them (printf is not silenced on the others) and writes the files
  if (!world().is_root()) return 0;
  std::printf("%8s %8s %10s %10s %14s %14s%s %8s\n", "cutoff", "smooth", "eweight", "ridge", "E RMSE meV/at", "F RMSE eV/Å",
              family_header(families).c_str(), "loss");
  for (std::size_t k = 0; k < all.size(); ++k)
    std::printf("%8.3f %8.2f %10.3g %10.1e %14.3f %14.4f%s %8.4f%s\n", all[k].cutoff, all[k].smoothness, all[k].score.energy_weight,
                all[k].score.ridge, 1e3 * all[k].score.energy_rmse, all[k].score.force_rmse,
                family_cells(all[k].score, families).c_str(), all[k].loss, k == best ? "  <- best" : "");
  write_frame_errors(frame_errors_path, all[best].score, data, family_list, config.options.design.weights.per_atom_energy);
  write_tuned_config(config_path, write_path, [&](nlohmann::json& j) {
    j["descriptor"]["cutoff"] = all[best].cutoff;
    j["weights"]["energy"] = all[best].score.energy_weight;
    j["solver"]["type"] = "ridge";
    j["solver"]["ridge"] = all[best].score.ridge;
    j["solver"]["smoothness"] = all[best].smoothness;
  });
  return 0;
}

}  // namespace pestle::cli
