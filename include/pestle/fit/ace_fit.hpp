#pragma once
// Linear ACE fitting (docs/ace.md, Fitting): the features of every atom are the B functions of
// pestle's coupled basis (ace_b_descriptor), so the SNAP machinery applies unchanged —
// design rows from assemble_design<LinearMap>, weighted least squares from LeastSquares —
// plus a smoothness prior: the ridge penalty of the standardised coefficient of B_ν is
//   λ · s_ν,  s_ν = (1 + D_ν)^p,  D_ν = Σ_t (n_t + l_t)  (n_t counted from 0),
// so functions of high radial and angular degree are damped more (p = 0: plain ridge).
//
// Config ("model": "ace_linear"), every key checked:
//   {
//     "model": "ace_linear",
//     "descriptor": {"type": "ace", "elements": ["Mo"], "cutoff": 5.2,
//                    "radial": "ChebExpCos", "lambda": 5.0, "d_cut": 0.5,
//                    "ranks": {"1": {"n_max": 8}, "2": {"n_max": 6, "l_max": 4},
//                              "3": {"n_max": 3, "l_max": 3}, "4": {"n_max": 2, "l_max": 2}}},
//     "training": [...], "weights": {...}, "reference_energies": {...},      (as for SNAP)
//     "solver": {"type": "ridge", "ridge": 1e-6, "smoothness": 2},            (+ the SNAP solver keys)
//     "output": "Mo_ace.json"
//   }
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/fit/ace_instances.hpp"
#include "pestle/fit/compiled.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/fit/design_matrix.hpp"
#include "pestle/fit/linear_fit.hpp"
#include "pestle/fit/solvers.hpp"
#include "pestle/descriptors/ace_basis_json.hpp"
#include "pestle/models/ace_linear.hpp"

namespace pestle {

struct AceFitConfig {
  AceBasisSpec spec;
  double smoothness = 0.0;  ///< p of the smoothness prior
  std::vector<std::filesystem::path> training;
  FitOptions options;
  std::filesystem::path output, source;
};

/// Parses an ACE fit config; relative paths are taken relative to base_dir.
inline AceFitConfig parse_ace_fit_config(const nlohmann::json& j, const std::filesystem::path& base_dir) {
  using namespace detail::config;
  check_keys(j, "the fit config",
             {"model", "descriptor", "training", "weights", "reference_energies", "solver", "output", "comment"});
  const std::string model = get<std::string>(j, "model", "the fit config", "");
  if (model == "ace")
    throw InputError("this step takes linear ACE only (\"model\": \"ace_linear\"); nonlinear ACE (\"model\": \"ace\") "
                     "is fitted by pestle fit (fit/ace_nonlinear_run.hpp)");
  if (model != "ace_linear") throw InputError("not an ACE config (\"model\": \"" + model + "\")");
  AceFitConfig c;
  if (!j.contains("descriptor")) throw InputError("the fit config needs a \"descriptor\"");
  c.spec = ace_spec_from_json(j["descriptor"]);
  c.training = training_files(j, base_dir);
  if (j.contains("weights")) c.options.design.weights = parse_weights(j["weights"]);
  if (j.contains("reference_energies")) c.options.design.reference_energies = parse_reference_energies(j["reference_energies"]);
  c.options.solver.kind = SolverKind::ridge;
  if (j.contains("solver")) {
    json solver = j["solver"];
    if (solver.is_object() && solver.contains("smoothness")) {
      c.smoothness = get(solver, "smoothness", "\"solver\"", 0.0);
      solver.erase("smoothness");
      if (!(c.smoothness >= 0.0) || c.smoothness > 10.0) throw InputError("\"solver.smoothness\" must lie in [0, 10]");
    }
    if (!solver.contains("type")) solver["type"] = "ridge";
    c.options.solver = parse_solver(solver);
  }
  if (c.smoothness > 0.0 && c.options.solver.kind != SolverKind::ridge)
    throw InputError("\"solver.smoothness\" needs \"type\": \"ridge\"");
  if (j.contains("output")) c.output = base_dir / get<std::string>(j, "output", "the fit config", "");
  return c;
}

inline AceFitConfig load_ace_fit_config(const std::filesystem::path& file) {
  return load_config_file(file, parse_ace_fit_config);
}

inline Dataset load_ace_training_data(const AceFitConfig& c) { return load_training_data(c); }

/// D_ν = Σ_t (n_t + l_t) of every column of element mu0 (column p is basis function p).
inline std::vector<int> ace_column_degrees(const AceBasisSet& basis, std::size_t mu0) {
  std::vector<int> d(std::size_t(basis.columns), 0);
  const auto& fns = basis.functions.at(mu0);
  for (std::size_t p = 0; p < fns.size() && p < d.size(); ++p)
    for (std::size_t t = 0; t < fns[p].ns.size(); ++t) d[p] += fns[p].ns[t] + fns[p].ls[t];
  return d;
}

/// Ridge factors s of the design columns [β₀, B...] per element: 1 for β₀, (1 + D_ν)^p for B_ν.
inline std::vector<double> ace_smoothness_scale(const AceBasisSet& basis, double p) {
  std::vector<double> s;
  for (std::size_t mu0 = 0; mu0 < basis.functions.size(); ++mu0) {
    s.push_back(1.0);
    for (int d : ace_column_degrees(basis, mu0)) s.push_back(std::pow(1.0 + d, p));
  }
  return s;
}

/// Fits linear ACE on data: weighted least squares over the B-basis features of every atom.
/// InputError when the data hold fewer weighted rows than the model has coefficients.
/// (Definition: fit/impl/ace_linear_fit.hpp, compiled once in pestle::runtime_fit.)
PESTLE_FIT_INLINE AceLinearModel fit_ace_linear(const AceBasisSpec& spec, const Dataset& data, FitOptions options,
                                                double smoothness = 0.0, FitSummary* summary = nullptr);

}  // namespace pestle

#if !defined(PESTLE_COMPILED_FIT)
#include "pestle/fit/impl/ace_linear_fit.hpp"
#endif
