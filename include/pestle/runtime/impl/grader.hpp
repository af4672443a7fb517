#pragma once
// The definitions behind runtime/grader.hpp (inline in the header-only mode, compiled once in
// src/runtime/compile_grader.cpp otherwise).
#include <algorithm>

#include "pestle/formats/active_set_json.hpp"
#include "pestle/runtime/extrapolation.hpp"
#include "pestle/runtime/grader.hpp"

namespace pestle::runtime {

struct Grader::State {
  GradedModel model;
  ExtrapolationGrade active;
};

PESTLE_RUNTIME_INLINE Grader Grader::load(const std::string& model_path, const std::string& active_set_path) {
  GradedModel model = GradedModel::load(model_path);
  ExtrapolationGrade active = load_active_set(active_set_path);
  model.check(active);  // refuse another model's file now, not at the first grade
  return Grader(std::make_shared<const State>(State{std::move(model), std::move(active)}));
}

PESTLE_RUNTIME_INLINE Grader Grader::from_training(const std::string& model_path, const Dataset& training) {
  GradedModel model = GradedModel::load(model_path);
  ExtrapolationGrade active = model.active_set(training);
  return Grader(std::make_shared<const State>(State{std::move(model), std::move(active)}));
}

PESTLE_RUNTIME_INLINE std::vector<double> Grader::grades(const Structure& s, std::size_t centres) const {
  return state_->model.grades(state_->active, s, centres);
}

PESTLE_RUNTIME_INLINE double Grader::max_grade(const Structure& s) const {
  const std::vector<double> g = grades(s);
  return g.empty() ? 0.0 : *std::max_element(g.begin(), g.end());
}

}  // namespace pestle::runtime
