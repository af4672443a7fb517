#pragma once
// The fit families a hyperparameter search drives, behind one interface: a fit config document
// (the format of `pestle fit`) and training data in, a fitted model out that predicts structures
// and saves itself in its family's own file format.
//
//   family  config "model"        saved as
//   snap    "snap" / "qsnap"      pestle JSON model (io/model_json.hpp)
//   gap     "gap"                 QUIP GAP XML + sparseX files (io/gap_xml.hpp)
//   ace     "ace_linear"          pestle linear-ACE JSON model (io/ace_model_json.hpp)
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/fit/ace_fit.hpp"
#include "pestle/fit/ace_nonlinear_run.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/fit/gap_config.hpp"
#include "pestle/io/ace_model_json.hpp"
#include "pestle/io/gap_xml.hpp"
#include "pestle/io/model_json.hpp"
#include "pestle/models/gap.hpp"

namespace pestle::optimise {

enum class FitFamily { snap, gap, ace };

inline FitFamily fit_family(const nlohmann::json& config) {
  if (is_gap_config(config)) return FitFamily::gap;
  if (is_ace_config(config)) return FitFamily::ace;
  return FitFamily::snap;
}

/// File name ending of the family's saved model.
inline const char* model_extension(FitFamily f) { return f == FitFamily::gap ? ".xml" : ".json"; }

/// A fitted model of any family (cheap to copy: the model is shared).
struct FittedModel {
  std::function<PotentialResult(const Structure&)> compute;  ///< thread-safe
  /// Writes the model to `path`; `search` (iteration, loss, errors, config) goes into the
  /// metadata of the JSON families (GAP XML has no place for it: DIR/best.config.json has it).
  std::function<void(const std::filesystem::path& path, const nlohmann::json& search)> save;
};

/// Parses a fit config of any family (every key checked) and returns its training files.
inline std::vector<std::filesystem::path> fit_config_training(const nlohmann::json& j, const std::filesystem::path& base_dir) {
  switch (fit_family(j)) {
    case FitFamily::gap: return parse_gap_fit_config(j, base_dir).training;
    case FitFamily::ace:
      return is_nonlinear_ace_config(j) ? parse_ace_nonlinear_config(j, base_dir).linear.training
                                        : parse_ace_fit_config(j, base_dir).training;
    case FitFamily::snap: break;
  }
  return parse_fit_config(j, base_dir).training;
}

namespace detail::search {

inline FittedModel fit_snap(const nlohmann::json& j, const std::filesystem::path& base_dir, const Dataset& data) {
  const FitConfig fc = parse_fit_config(j, base_dir);
  FitSummary summary;
  const auto pot = std::make_shared<const AnyPotential>(fit_from_config(fc, data, &summary));
  const nlohmann::json meta = fit_metadata(fc.options, summary);
  const auto e0 = fc.options.design.reference_energies;
  return {[pot](const Structure& s) { return pot->compute(s); },
          [pot, meta, e0](const std::filesystem::path& path, const nlohmann::json& search) {
            nlohmann::json m = meta;
            m["search"] = search;
            save_model(path.string(), *pot, m, e0);
          }};
}

inline FittedModel fit_gap_model(const nlohmann::json& j, const std::filesystem::path& base_dir, const Dataset& data) {
  const GapFitConfig gc = parse_gap_fit_config(j, base_dir);
  const auto model = std::make_shared<const GapModel>(fit_gap(data, gc.settings));
  const auto pot = std::make_shared<const GapPotential>(*model);
  return {[pot](const Structure& s) { return pot->compute(s); },
          [model](const std::filesystem::path& path, const nlohmann::json&) { io::write_gap_xml(*model, path.string()); }};
}

/// Nonlinear ACE inside a search: no checkpoint file (the search's CSV is its checkpoint).
inline FittedModel fit_ace_nonlinear_model(const nlohmann::json& j, const std::filesystem::path& base_dir,
                                           const Dataset& data) {
  AceNonlinearFitConfig c = parse_ace_nonlinear_config(j, base_dir);
  c.checkpoint.clear();
  AceNonlinearFitReport report;
  const auto model = std::make_shared<const AceNonlinearModel>(fit_ace_nonlinear_config(c, data, &report));
  const auto pot = std::make_shared<const AcePotential>(model->potential());
  const nlohmann::json meta = {
      {"fit", {{"iterations", report.iterations}, {"loss", report.final_terms.loss}, {"kappa", c.loss.kappa}}}};
  return {[pot](const Structure& s) { return pot->compute(s); },
          [model, meta](const std::filesystem::path& path, const nlohmann::json& search) {
            nlohmann::json m = meta;
            m["search"] = search;
            save_ace_nonlinear_model(path.string(), *model, m);
          }};
}

inline FittedModel fit_ace_model(const nlohmann::json& j, const std::filesystem::path& base_dir, const Dataset& data) {
  if (is_nonlinear_ace_config(j)) return fit_ace_nonlinear_model(j, base_dir, data);
  const AceFitConfig ac = parse_ace_fit_config(j, base_dir);
  FitSummary summary;
  const auto model =
      std::make_shared<const AceLinearModel>(fit_ace_linear(ac.spec, data, ac.options, ac.smoothness, &summary));
  const auto pot = std::make_shared<const AcePotential>(model->potential());
  nlohmann::json meta = fit_metadata(ac.options, summary);
  meta["fit"]["smoothness"] = ac.smoothness;
  return {[pot](const Structure& s) { return pot->compute(s); },
          [model, meta](const std::filesystem::path& path, const nlohmann::json& search) {
            nlohmann::json m = meta;
            m["search"] = search;
            save_ace_linear_model(path.string(), *model, m);
          }};
}

}  // namespace detail::search

/// Fits the model a config document describes (relative paths against base_dir) on `data`.
inline FittedModel fit_model(const nlohmann::json& j, const std::filesystem::path& base_dir, const Dataset& data) {
  switch (fit_family(j)) {
    case FitFamily::gap: return detail::search::fit_gap_model(j, base_dir, data);
    case FitFamily::ace: return detail::search::fit_ace_model(j, base_dir, data);
    case FitFamily::snap: break;
  }
  return detail::search::fit_snap(j, base_dir, data);
}

}  // namespace pestle::optimise
