#pragma once
// Fit settings and the training summary of a linear fit as the "metadata" of a saved model file
// (formats/model_json.hpp stores it verbatim; the file formats never depend on fit/).
#include <string>

#include <nlohmann/json.hpp>

#include "pestle/core/elements.hpp"
#include "pestle/fit/linear_fit.hpp"
#include "pestle/fit/metrics.hpp"

namespace pestle {

/// Fit settings and training summary as model metadata.
inline nlohmann::json fit_metadata(const FitOptions& o, const FitSummary& s, const ErrorReport* training = nullptr) {
  using nlohmann::json;
  json groups = json::object();
  for (const auto& [name, w] : o.design.weights.config_type) groups[name] = w;
  json e0 = json::object();
  for (const auto& [z, e] : o.design.reference_energies) e0[std::string(element_symbol(z))] = e;
  json j = {
      {"fit",
       {{"solver", solver_name(o.solver.kind)},
        {"scale_columns", o.solver.scale_columns},
        {"rcond", o.solver.rcond},
        {"ridge", o.solver.ridge},
        {"eweight", o.design.weights.energy},
        {"fweight", o.design.weights.force},
        {"vweight", o.design.weights.virial},
        {"per_atom_energy", o.design.weights.per_atom_energy},
        {"config_type_weights", groups},
        {"reference_energies", e0}}},
      {"training",
       {{"structures", s.structures},
        {"energy_rows", s.energy_rows},
        {"force_rows", s.force_rows},
        {"virial_rows", s.virial_rows},
        {"rank", s.solution.rank},
        {"columns", s.solution.columns},
        {"weighted_residual", s.solution.residual}}}};
  if (o.solver.kind == SolverKind::bayesian_ridge) {
    j["training"]["alpha"] = s.solution.alpha;
    j["training"]["beta"] = s.solution.beta;
    j["training"]["effective_parameters"] = s.solution.effective_parameters;
  }
  if (training) {
    const auto metrics = [](const ErrorMetrics& m) {
      return json{{"structures", m.structures},
                  {"energy_rmse_meV_per_atom", m.energy_rmse_meV_per_atom()},
                  {"energy_mae_meV_per_atom", m.energy_mae_meV_per_atom()},
                  {"force_rmse_eV_per_A", m.force_rmse()},
                  {"force_mae_eV_per_A", m.force_mae()},
                  {"force_vector_rmse_eV_per_A", m.force_vector_rmse()},
                  {"stress_rmse_GPa", m.stress_rmse_GPa()}};
    };
    j["training"]["errors"] = metrics(training->overall);
    for (const auto& [name, m] : training->by_config_type) j["training"]["errors_by_config_type"][name] = metrics(m);
  }
  return j;
}

}  // namespace pestle
