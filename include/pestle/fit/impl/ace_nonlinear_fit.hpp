#pragma once
// fit_ace_nonlinear_config (declared in fit/ace_nonlinear_run.hpp): inline in the header-only mode,
// compiled once into pestle::runtime_fit otherwise (fit/compiled.hpp).
#include <functional>
#include <string>
#include <vector>

#include "pestle/fit/ace_nonlinear_run.hpp"

namespace pestle {

PESTLE_FIT_INLINE AceNonlinearModel fit_ace_nonlinear_config(const AceNonlinearFitConfig& c, const Dataset& data,
                                                             AceNonlinearFitReport* report,
                                                             const std::function<void(const std::string&)>& progress) {
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

}  // namespace pestle
