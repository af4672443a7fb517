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

#include "pestle/fit/config.hpp"
#include "pestle/fit/design_matrix.hpp"
#include "pestle/fit/linear_fit.hpp"
#include "pestle/fit/solvers.hpp"
#include "pestle/models/ace_linear.hpp"

namespace pestle {

struct AceFitConfig {
  AceBasisSpec spec;
  double smoothness = 0.0;  ///< p of the smoothness prior
  std::vector<std::filesystem::path> training;
  FitOptions options;
  std::filesystem::path output, source;
};

/// True for a config whose "model" is an ACE model ("ace_linear" or "ace").
inline bool is_ace_config(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("model") || !j["model"].is_string()) return false;
  const std::string m = j["model"].get<std::string>();
  return m == "ace_linear" || m == "ace";
}

/// True for a nonlinear ACE config ("model": "ace"; fit/ace_nonlinear_run.hpp fits it).
inline bool is_nonlinear_ace_config(const nlohmann::json& j) { return is_ace_config(j) && j["model"] == "ace"; }

inline AceRadialKind ace_radial_from_name(const std::string& name) {
  for (AceRadialKind k : {AceRadialKind::cheb_exp_cos, AceRadialKind::cheb_pow, AceRadialKind::cheb_linear, AceRadialKind::sbessel})
    if (to_string(k) == name) return k;
  throw InputError("unknown ACE radial basis '" + name + "' (expected ChebExpCos, ChebPow, ChebLinear or SBessel)");
}

namespace detail::aceconfig {

using json = nlohmann::json;
using config::check_keys;
using config::get;

/// One rank of "descriptor.ranks": n_max and l_max bound n and l; max_degree (docs/ace.md §5) bounds
/// Σ (n + 1 + l_weight·l) and, where n_max or l_max is left out, sets the largest the degree allows.
inline void parse_rank(const json& r, int rank, const std::string& rw, AceBasisSpec& s) {
  const auto k = std::size_t(rank - 1);
  check_keys(r, rw, rank == 1 ? std::initializer_list<const char*>{"n_max", "max_degree"}
                              : std::initializer_list<const char*>{"n_max", "l_max", "max_degree"});
  const double degree = get(r, "max_degree", rw, 0.0);
  if (r.contains("max_degree") && !(degree >= double(rank) && degree <= 100.0))
    throw InputError(rw + ": max_degree must lie in [" + std::to_string(rank) + ", 100] (each factor has degree >= 1)");
  if (!r.contains("n_max") && !r.contains("max_degree")) throw InputError(rw + " needs \"n_max\" (or \"max_degree\")");
  if (rank > 1 && !r.contains("l_max") && !r.contains("max_degree")) throw InputError(rw + " needs \"l_max\" (or \"max_degree\")");
  const AceDegreeBox box = ace_degree_box(rank, degree, s.l_weight);
  s.max_degree[k] = degree;
  s.nmax[k] = r.contains("n_max") ? get(r, "n_max", rw, 0) : box.nmax;
  s.lmax[k] = rank == 1 ? 0 : r.contains("l_max") ? get(r, "l_max", rw, 0) : box.lmax;
  if (s.nmax[k] < 1 || s.nmax[k] > 30) throw InputError(rw + ": n_max must lie in 1..30");
  if (s.lmax[k] < 0 || s.lmax[k] > 10) throw InputError(rw + ": l_max must lie in 0..10");
}

inline AceBasisSpec parse_descriptor(const json& j) {
  const std::string where = "\"descriptor\"";
  check_keys(j, where, {"type", "elements", "cutoff", "radial", "lambda", "d_cut", "ranks", "l_weight"});
  if (get<std::string>(j, "type", where, "") != "ace")
    throw InputError("an ACE model needs \"descriptor\": {\"type\": \"ace\", ...}");
  AceBasisSpec s;
  if (!j.contains("elements") || !j["elements"].is_array() || j["elements"].empty())
    throw InputError("\"descriptor\" needs \"elements\": [\"Symbol\", ...]");
  for (const auto& e : j["elements"]) {
    if (!e.is_string()) throw InputError("\"descriptor.elements\" must list element symbols");
    const int z = atomic_number(e.get<std::string>());
    if (std::count(s.elements.begin(), s.elements.end(), z)) throw InputError("element " + e.get<std::string>() + " listed twice");
    s.elements.push_back(z);
  }
  if (!j.contains("cutoff")) throw InputError("\"descriptor\" needs a \"cutoff\" (Å)");
  s.rcut = get(j, "cutoff", where, s.rcut);
  if (!(s.rcut > 0.5) || s.rcut > 20.0) throw InputError("\"descriptor.cutoff\" must lie in (0.5, 20] Å");
  s.radial = ace_radial_from_name(get<std::string>(j, "radial", where, "ChebExpCos"));
  s.lambda = get(j, "lambda", where, 5.0);
  s.dcut = get(j, "d_cut", where, 0.5);
  s.l_weight = get(j, "l_weight", where, s.l_weight);
  if (!(s.lambda > 0.0) || !std::isfinite(s.lambda)) throw InputError("\"descriptor.lambda\" must be positive");
  if (!(s.dcut > 0.0) || !(s.dcut < s.rcut)) throw InputError("\"descriptor.d_cut\" must lie in (0, cutoff)");
  if (!(s.l_weight > 0.0) || s.l_weight > 10.0) throw InputError("\"descriptor.l_weight\" must lie in (0, 10]");
  if (!j.contains("ranks") || !j["ranks"].is_object() || j["ranks"].empty())
    throw InputError("\"descriptor\" needs \"ranks\": {\"1\": {\"n_max\": N}, \"2\": {\"n_max\": N, \"l_max\": L}, ...}"
                     " (or {\"max_degree\": D} per rank)");
  const json& r = j["ranks"];
  const std::size_t nranks = r.size();
  if (nranks > 6) throw InputError("\"descriptor.ranks\": at most 6 ranks (body order 7)");
  s.nmax.assign(nranks, 0);
  s.lmax.assign(nranks, 0);
  s.max_degree.assign(nranks, 0.0);
  for (std::size_t k = 1; k <= nranks; ++k) {
    const std::string key = std::to_string(k), rw = "\"descriptor.ranks." + key + "\"";
    if (!r.contains(key)) throw InputError("\"descriptor.ranks\" must hold the ranks 1.." + std::to_string(nranks) + " (missing \"" + key + "\")");
    parse_rank(r[key], int(k), rw, s);
  }
  if (std::all_of(s.max_degree.begin(), s.max_degree.end(), [](double d) { return d <= 0.0; })) s.max_degree.clear();
  return s;
}

}  // namespace detail::aceconfig

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
  c.spec = detail::aceconfig::parse_descriptor(j["descriptor"]);
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
inline AceLinearModel fit_ace_linear(const AceBasisSpec& spec, const Dataset& data, FitOptions options,
                                     double smoothness = 0.0, FitSummary* summary = nullptr) {
  if (data.empty()) throw InputError("cannot fit to an empty data set");
  const AceDescriptor descriptor = ace_b_descriptor(spec);
  const DesignLayout layout{spec.elements, descriptor.size()};
  if (smoothness > 0.0) {
    if (options.solver.kind != SolverKind::ridge) throw InputError("the ACE smoothness prior needs the ridge solver");
    options.solver.ridge_scale = ace_smoothness_scale(descriptor.basis(), smoothness);
  }
  LeastSquares ls(layout.columns(), options.solver);
  FitSummary sum;
  std::size_t weighted_rows = 0;
  assemble_design<LinearMap>(descriptor, data, layout, options.design, [&](const RowBlock& r) {
    ls.add(r.A, r.b, r.w);
    ++sum.structures;
    for (std::size_t k = 0; k < r.kind.size(); ++k) {
      (r.kind[k] == RowKind::energy ? sum.energy_rows : r.kind[k] == RowKind::force ? sum.force_rows : sum.virial_rows)++;
      if (r.w[static_cast<Eigen::Index>(k)] > 0.0) ++weighted_rows;
    }
  });
  if (weighted_rows < layout.columns())
    throw InputError("linear ACE fit is under-determined: " + std::to_string(layout.columns()) + " coefficients (" +
                     std::to_string(descriptor.columns()) + " B functions per element) but only " +
                     std::to_string(weighted_rows) +
                     " weighted energy/force/virial rows; use a smaller basis (n_max, l_max, fewer ranks) or more data");
  sum.solution = ls.solve();
  AceLinearModel model;
  model.spec = spec;
  model.coefficients.resize(spec.elements.size());
  for (std::size_t s = 0; s < spec.elements.size(); ++s) {
    const auto off = static_cast<Eigen::Index>(s * layout.per_species());
    for (std::size_t p = 0; p < layout.per_species(); ++p)
      model.coefficients[s].push_back(sum.solution.coefficients[off + static_cast<Eigen::Index>(p)]);
    model.coefficients[s][0] += options.design.e0(spec.elements[s]);
  }
  model.contracted = contract_ace_basis(descriptor.basis(), model.coefficients);
  if (summary) *summary = std::move(sum);
  return model;
}

}  // namespace pestle
