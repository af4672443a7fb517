#pragma once
// A nonlinear ACE fit from its config (fit/ace_nonlinear_fit.hpp): the start comes from a linear
// ACE fit on the same data, or from "initial_model" (an ace or ace_linear model file with the same
// descriptor: "upfit"); then L-BFGS or Levenberg–Marquardt with checkpoints.
#include <functional>
#include <string>

#include "pestle/fit/ace_nonlinear_fit.hpp"
#include "pestle/io/ace_model_json.hpp"

namespace pestle {

namespace detail::acenl {

/// e0 and the densities of a saved model, checked against the basis being fitted.
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
  if (ace_spec_to_json(file_spec) != ace_spec_to_json(spec))
    throw InputError("\"initial_model\" '" + path.string() + "' has another descriptor than the config");
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
inline AceNonlinearModel fit_ace_nonlinear_config(const AceNonlinearFitConfig& c, const Dataset& data,
                                                  AceNonlinearFitReport* report = nullptr,
                                                  const std::function<void(const std::string&)>& progress = {}) {
  const auto say = [&](const std::string& m) {
    if (progress) progress(m);
  };
  const AceNonlinearLoss loss(c.linear.spec, data, c.linear.options.design, c.embedding, c.loss);
  say(std::to_string(loss.parameters()) + " parameters (" + std::to_string(loss.basis_size()) + " B functions × " +
      std::to_string(c.embedding.densities()) + " densities + e0, per element); descriptor cache " +
      std::to_string(loss.cache_bytes() >> 20) + " MiB");
  const std::size_t S = c.linear.spec.elements.size();
  std::vector<double> e0;
  std::vector<std::vector<std::vector<double>>> start;
  if (detail::acenl::read_checkpoint(c.checkpoint, loss.parameters())) {
    // fit_ace_nonlinear resumes from the checkpoint, which replaces any start: skip the linear fit.
    e0.assign(S, 0.0);
    start.assign(S, {std::vector<double>(loss.basis_size(), 0.0)});
  } else if (!c.initial_model.empty()) {
    detail::acenl::start_from_file(c.initial_model, c.linear.spec, e0, start);
    say("starting from " + c.initial_model.string());
  } else {
    say("starting from a linear ACE fit");
    const AceLinearModel lin = detail::acenl::linear_start(c, loss, data);
    for (const auto& v : lin.coefficients) {
      e0.push_back(v.at(0));
      // Density 1 takes the linear model, scaled so that w₁F(φ₁) ≈ the linear energy for F ≈ φ.
      std::vector<double> c1(v.begin() + 1, v.end());
      for (double& x : c1) x /= c.embedding.weights[0];
      start.push_back({c1});
    }
  }
  return fit_ace_nonlinear(loss, c, e0, start, report, progress);
}

inline AceNonlinearFitConfig load_ace_nonlinear_config(const std::filesystem::path& file) {
  AceNonlinearFitConfig c = load_config_file(file, [](const nlohmann::json& j, const std::filesystem::path& base) {
    return parse_ace_nonlinear_config(j, base);
  });
  c.linear.source = c.source;
  return c;
}

}  // namespace pestle
