#pragma once
// A nonlinear ACE fit from its config (fit/ace_nonlinear_fit.hpp): the start comes from a linear
// ACE fit on the same data, or from "initial_model" (an ace or ace_linear model file with the same
// radial basis, possibly fewer functions: "upfit"); then L-BFGS or Levenberg–Marquardt with checkpoints.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <tuple>
#include <string>

#include "pestle/fit/ace_nonlinear_fit.hpp"
#include "pestle/fit/compiled.hpp"
#include "pestle/formats/ace_model_json.hpp"

namespace pestle {

namespace detail::acenl {

/// True when two specs share species and radial basis, so that equal (species, n, l, coupling)
/// means the same B function: they may differ in which products they select (n_max, l_max, degree).
inline bool ace_same_radial_basis(const AceBasisSpec& a, const AceBasisSpec& b) {
  return a.elements == b.elements && a.radial == b.radial && a.lambda == b.lambda && a.rcut == b.rcut && a.dcut == b.dcut &&
         a.bonds == b.bonds && a.spline_delta == b.spline_delta;
}

/// For every B function of `from` (per central species), the index of the same function in `to`,
/// both built by ace_b_basis:
/// the same product (species, n, l, m-combinations) with the same coupling coefficients. In an
/// ace_b_basis function q is coefficient column q, and several functions (couplings) may share a
/// product. An InputError if `to` lacks a function.
inline std::vector<std::vector<std::size_t>> ace_function_map(const AceBasisSet& from, const AceBasisSet& to) {
  using Key = std::tuple<std::vector<int>, std::vector<int>, std::vector<int>, std::vector<int>>;
  const auto key = [](const AceBasisFunction& f) { return Key{f.mus, f.ns, f.ls, f.ms}; };
  // the coupling of function q: its coefficient in its own column, per m-combination
  const auto coupling = [](const AceBasisSet& b, std::size_t s, std::size_t q, std::size_t m) {
    return b.functions[s][q].coeff(m, q, std::size_t(b.columns));
  };
  std::vector<std::vector<std::size_t>> map(from.functions.size());
  for (std::size_t s = 0; s < from.functions.size(); ++s) {
    std::map<Key, std::vector<std::size_t>> by_product;
    for (std::size_t p = 0; p < to.functions[s].size(); ++p) by_product[key(to.functions[s][p])].push_back(p);
    for (std::size_t q = 0; q < from.functions[s].size(); ++q) {
      const AceBasisFunction& f = from.functions[s][q];
      const auto same = [&](std::size_t p) {
        for (std::size_t m = 0; m < f.num_ms(); ++m) {
          const double x = coupling(from, s, q, m);
          if (std::abs(x - coupling(to, s, p, m)) > 1e-10 * (1.0 + std::abs(x))) return false;
        }
        return true;
      };
      const std::vector<std::size_t>& candidates = by_product[key(f)];
      const auto hit = std::find_if(candidates.begin(), candidates.end(), same);
      if (hit == candidates.end())
        throw InputError("\"initial_model\": its basis has a function (rank " + std::to_string(f.rank) +
                         ") that the config's basis lacks; an upfit may only add functions");
      map[s].push_back(*hit);
    }
  }
  return map;
}

/// e0 and the densities of a saved model, checked against the basis being fitted. A model over a
/// smaller selection of the same radial basis starts the larger one: its coefficients move to the
/// same functions, the new functions start at zero (pacemaker's upfit to a grown basis).
inline void start_from_file(const std::filesystem::path& path, const AceBasisSpec& spec, std::vector<double>& e0,
                            std::vector<std::vector<std::vector<double>>>& c) {
  const nlohmann::json doc = read_model_json_document(path.string());
  AceBasisSpec file_spec;
  if (is_ace_model_json(doc)) {
    const AceLinearModel m = ace_linear_model_from_json(doc);
    file_spec = m.spec;
    for (const auto& v : m.coefficients) {
      e0.push_back(v.at(0));
      c.push_back({std::vector<double>(v.begin() + 1, v.end())});
    }
  } else if (is_ace_nonlinear_model_json(doc)) {
    const AceNonlinearModel m = ace_nonlinear_model_from_json(doc);
    file_spec = m.spec;
    e0 = m.e0;
    c = m.coefficients;
  } else {
    throw InputError("\"initial_model\" '" + path.string() + "' is not an ace or ace_linear model file");
  }
  if (ace_spec_to_json(file_spec) == ace_spec_to_json(spec)) return;
  if (!ace_same_radial_basis(file_spec, spec))
    throw InputError("\"initial_model\" '" + path.string() +
                     "' has another descriptor than the config (species, radial basis, cutoff, lambda or d_cut)");
  const AceBasisSet basis = ace_b_basis(spec);  // the fit's columns, built as the saved model's were
  const std::vector<std::vector<std::size_t>> map = ace_function_map(ace_b_basis(file_spec), basis);
  for (std::size_t s = 0; s < c.size(); ++s)
    for (std::vector<double>& density : c[s]) {
      std::vector<double> grown(std::size_t(basis.columns), 0.0);
      for (std::size_t q = 0; q < map[s].size(); ++q) grown[map[s][q]] = density[q];
      density = std::move(grown);
    }
}

/// The linear fit a nonlinear fit starts from. With a ladder it fits only the first phase's
/// functions: the others get a ridge of 100 on their standardised columns (coefficients ~1 % of
/// their size, zeroed when the ladder starts; more would make the normal equations singular), so the start is the best model of the first rung rather
/// than a truncated model of the whole basis. Needs the ridge solver with a ridge > 0, else plain.
inline AceLinearModel linear_start(const AceNonlinearFitConfig& c, const AceNonlinearLoss& loss, const Dataset& data) {
  FitOptions options = c.linear.options;
  if (c.ladder_steps == 0 || options.solver.kind != SolverKind::ridge || !(options.solver.ridge > 0.0))
    return fit_ace_linear(c.linear.spec, data, options, c.linear.smoothness);
  const AceBasisSet& basis = loss.descriptor().basis();
  const std::size_t K = loss.basis_size();
  std::vector<double> scale = c.linear.smoothness > 0.0 ? ace_smoothness_scale(basis, c.linear.smoothness)
                                                        : std::vector<double>(c.linear.spec.elements.size() * (K + 1), 1.0);
  const std::size_t take = ladder_schedule(c).functions(0, K);
  for (std::size_t s = 0; s < c.linear.spec.elements.size(); ++s) {
    const std::vector<std::size_t> order = ladder_order(basis, s, K);
    for (std::size_t j = take; j < K; ++j) scale[s * (K + 1) + 1 + order[j]] = 1e2 / options.solver.ridge;
  }
  options.solver.ridge_scale = std::move(scale);
  return fit_ace_linear(c.linear.spec, data, options, 0.0);
}

}  // namespace detail::acenl

/// Fits the nonlinear ACE model of a config to data (progress: one line per event).
/// (Definition: fit/impl/ace_nonlinear_fit.hpp, compiled once in pestle::runtime_fit.)
PESTLE_FIT_INLINE AceNonlinearModel fit_ace_nonlinear_config(const AceNonlinearFitConfig& c, const Dataset& data,
                                                             AceNonlinearFitReport* report = nullptr,
                                                             const std::function<void(const std::string&)>& progress = {});

inline AceNonlinearFitConfig load_ace_nonlinear_config(const std::filesystem::path& file) {
  AceNonlinearFitConfig c = load_config_file(file, [](const nlohmann::json& j, const std::filesystem::path& base) {
    return parse_ace_nonlinear_config(j, base);
  });
  c.linear.source = c.source;
  return c;
}

}  // namespace pestle

#if !defined(PESTLE_COMPILED_FIT)
#include "pestle/fit/impl/ace_nonlinear_fit.hpp"
#endif
