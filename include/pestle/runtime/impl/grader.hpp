#pragma once
// The definitions behind runtime/grader.hpp (inline in the header-only mode, compiled once in
// src/runtime/compile_grader.cpp otherwise).
#include <algorithm>
#include <cmath>
#include <optional>

#include "pestle/formats/active_set_json.hpp"
#include "pestle/formats/eddp_json.hpp"
#include "pestle/core/json.hpp"
#include "pestle/runtime/registry.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/runtime/extrapolation.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/grader.hpp"

namespace pestle::runtime {

struct Grader::State {
  virtual ~State() = default;
  virtual std::vector<double> grades(const Structure& s, std::size_t centres) const = 0;
};

namespace detail::grader {

/// γ: a model's linear view and its active set.
struct ActiveSetState final : Grader::State {
  ActiveSetState(GradedModel m, ExtrapolationGrade a) : model(std::move(m)), active(std::move(a)) {}
  std::vector<double> grades(const Structure& s, std::size_t centres) const override {
    return model.grades(active, s, centres);
  }
  GradedModel model;
  ExtrapolationGrade active;
};

/// A GAP's local variance (the variance of every atom is computed; the first `centres` are kept).
struct GapVarianceState final : Grader::State {
  explicit GapVarianceState(GapPotential g) : gap(std::move(g)) {}
  std::vector<double> grades(const Structure& s, std::size_t centres) const override {
    std::vector<double> v = gap.local_variance(s);
    for (double x : v)
      if (!std::isfinite(x)) throw NumericalError("GAP variance: not finite");
    v.resize(std::min(centres, v.size()));
    return v;
  }
  GapPotential gap;
};

/// An EDDP's per-atom member spread (models/eddp_potential.hpp).
struct EddpSpreadState final : Grader::State {
  explicit EddpSpreadState(EddpPotential p) : eddp(std::move(p)) {}
  std::vector<double> grades(const Structure& s, std::size_t centres) const override {
    std::vector<double> v = eddp_atom_spreads(eddp, s, centres);
    for (double x : v)
      if (!std::isfinite(x)) throw NumericalError("EDDP spread: not finite");
    return v;
  }
  EddpPotential eddp;
};

inline bool is_gap_file(const std::string& path) { return ends_with(path, ".xml"); }

/// The EDDP in a model file, or nothing when the file is another family's.
inline std::optional<EddpPotential> eddp_in(const std::string& path) {
  if (!ends_with(path, ".json")) return std::nullopt;
  const nlohmann::json document = read_model_json_document(path);
  if (model_key(document) != "eddp") return std::nullopt;
  return load_eddp_model(document, path);
}

}  // namespace detail::grader

PESTLE_RUNTIME_INLINE Grader Grader::load(const std::string& model_path, const std::string& active_set_path) {
  if (detail::grader::is_gap_file(model_path)) {
    if (!active_set_path.empty())
      throw InputError("'" + model_path + "' is a GAP: its uncertainty is the predictive variance, which needs no "
                       "active set (give none)");
    return Grader(std::make_shared<const detail::grader::GapVarianceState>(io::read_gap_potential(model_path)),
                  Uncertainty::gap_variance);
  }
  if (std::optional<EddpPotential> eddp = detail::grader::eddp_in(model_path)) {
    if (!active_set_path.empty())
      throw InputError("'" + model_path + "' is an EDDP: its uncertainty is the spread of its members, which needs "
                       "no active set (give none)");
    return Grader(std::make_shared<const detail::grader::EddpSpreadState>(std::move(*eddp)), Uncertainty::eddp_spread);
  }
  if (active_set_path.empty())
    throw InputError("the extrapolation grade of '" + model_path + "' needs an active set (pestle activeset)");
  GradedModel model = GradedModel::load(model_path);
  ExtrapolationGrade active = load_active_set(active_set_path);
  model.check(active);  // refuse another model's file now, not at the first grade
  return Grader(std::make_shared<const detail::grader::ActiveSetState>(std::move(model), std::move(active)),
                Uncertainty::gamma);
}

PESTLE_RUNTIME_INLINE Grader Grader::from_training(const std::string& model_path, const Dataset& training) {
  if (detail::grader::is_gap_file(model_path) || detail::grader::eddp_in(model_path)) return load(model_path, "");
  GradedModel model = GradedModel::load(model_path);
  ExtrapolationGrade active = model.active_set(training);
  return Grader(std::make_shared<const detail::grader::ActiveSetState>(std::move(model), std::move(active)),
                Uncertainty::gamma);
}

PESTLE_RUNTIME_INLINE std::vector<double> Grader::grades(const Structure& s, std::size_t centres) const {
  return state_->grades(s, centres);
}

PESTLE_RUNTIME_INLINE double Grader::max_grade(const Structure& s) const {
  const std::vector<double> g = grades(s);
  return g.empty() ? 0.0 : *std::max_element(g.begin(), g.end());
}

}  // namespace pestle::runtime
