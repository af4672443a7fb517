// Driver for tests/optimise_sklearn_check.py: reads a JSON request on stdin, answers on stdout.
//   {"X": [[...]], "y": [...], "Xtest": [[...]],
//    "length_scales": [...], "signal_variance": s, "noise_variance": n}   fixed hyperparameters
//   or "optimise": true                                                     maximum likelihood
//   "sobol": [n, d]                                                          also return Sobol points
// Answer: {"mean": [...], "sd": [...], "lml": L, "length_scales": [...], "signal_variance": s,
//          "noise_variance": n, "y_mean": m, "y_scale": s, "sobol": [[...]]}
#include <iostream>

#include <nlohmann/json.hpp>

#include "pestle/optimise/designs.hpp"
#include "pestle/optimise/gaussian_process.hpp"

using namespace pestle::optimise;

static Eigen::MatrixXd matrix(const nlohmann::json& j) {
  Eigen::MatrixXd M(static_cast<Eigen::Index>(j.size()), static_cast<Eigen::Index>(j.at(0).size()));
  for (Eigen::Index i = 0; i < M.rows(); ++i)
    for (Eigen::Index k = 0; k < M.cols(); ++k) M(i, k) = j.at(static_cast<std::size_t>(i)).at(static_cast<std::size_t>(k)).get<double>();
  return M;
}

int main() {
  try {
    const nlohmann::json in = nlohmann::json::parse(std::cin);
    const Eigen::MatrixXd X = matrix(in.at("X")), Xt = matrix(in.at("Xtest"));
    const std::vector<double> yv = in.at("y").get<std::vector<double>>();
    const Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(yv.data(), static_cast<Eigen::Index>(yv.size()));
    GpOptions o;
    o.optimise = in.value("optimise", false);
    o.restarts = 8;
    GaussianProcess gp(o);
    if (!o.optimise) {
      GpHyperparameters h;
      const std::vector<double> ell = in.at("length_scales").get<std::vector<double>>();
      h.length_scales = Eigen::Map<const Eigen::VectorXd>(ell.data(), static_cast<Eigen::Index>(ell.size()));
      h.signal_variance = in.at("signal_variance").get<double>();
      h.noise_variance = in.at("noise_variance").get<double>();
      gp.set_hyperparameters(h);
    }
    Rng rng(0);
    gp.fit(X, y, rng);
    nlohmann::json out;
    for (Eigen::Index i = 0; i < Xt.rows(); ++i) {
      const GpPrediction p = gp.predict(Xt.row(i).transpose());
      out["mean"].push_back(p.mean);
      out["sd"].push_back(p.sd());
    }
    const auto& h = gp.hyperparameters();
    out["lml"] = gp.log_marginal_likelihood();
    out["length_scales"] = std::vector<double>(h.length_scales.data(), h.length_scales.data() + h.length_scales.size());
    out["signal_variance"] = h.signal_variance;
    out["noise_variance"] = h.noise_variance;
    out["y_mean"] = gp.output_mean();
    out["y_scale"] = gp.output_scale();
    if (in.contains("sobol")) out["sobol"] = sobol(in["sobol"][0].get<std::size_t>(), in["sobol"][1].get<std::size_t>());
    std::cout << out.dump() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "optimise_gp_tool: " << e.what() << "\n";
    return 1;
  }
}
