#pragma once
// Definitions of pestle/formats/ace_model_json.hpp: inline in header-only use; compiled once in
// src/runtime/compile_formats.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/formats/ace_model_json.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE nlohmann::json ace_ctilde_to_json(const AceBasisSet& contracted) {
  using nlohmann::json;
  json ctilde = json::object();
  for (std::size_t s = 0; s < contracted.elements.size(); ++s) {
    json fns = json::array();
    for (const AceBasisFunction& f : contracted.functions[s])
      fns.push_back({{"mu", f.mus}, {"n", f.ns}, {"l", f.ls}, {"ms", f.ms}, {"c", f.dense(std::size_t(contracted.columns)).coeffs}});
    ctilde[std::string(element_symbol(contracted.elements[s]))] = fns;
  }
  return ctilde;
}

PESTLE_RUNTIME_INLINE AceLinearModel ace_linear_model_from_json(const nlohmann::json& j) {
  using namespace detail::modeljson;
  AceLinearModel m;
  m.spec = detail::acejson::header(j, "ace_linear");
  const nlohmann::json& cj = at(j, "coefficients", "");
  if (cj.size() != m.spec.elements.size())
    throw InputError("model file: 'coefficients' has entries for elements the descriptor does not list");
  for (int z : m.spec.elements) {
    const std::string sym(element_symbol(z));
    m.coefficients.push_back(detail::acejson::numbers(at(cj, sym, "coefficients"), "coefficients." + sym));
    if (m.coefficients.back().empty()) throw InputError("model file: 'coefficients." + sym + "' is empty");
  }
  m.contracted = detail::acejson::ctilde(at(j, "ctilde", ""), m.spec, 1);
  return m;
}

PESTLE_RUNTIME_INLINE AceNonlinearModel ace_nonlinear_model_from_json(const nlohmann::json& j) {
  using namespace detail::modeljson;
  AceNonlinearModel m;
  m.spec = detail::acejson::header(j, "ace");
  const nlohmann::json& ej = at(j, "embedding", "");
  m.embedding.type = get<std::string>(ej, "type", "embedding");
  m.embedding.weights = detail::acejson::numbers(at(ej, "weights", "embedding"), "embedding.weights");
  m.embedding.exponents = detail::acejson::numbers(at(ej, "exponents", "embedding"), "embedding.exponents");
  try {
    check_ace_embedding(m.embedding);
  } catch (const InputError& e) {
    throw InputError(std::string("model file: ") + e.what());
  }
  const nlohmann::json &cj = at(j, "coefficients", ""), &e0 = at(j, "e0", "");
  for (int z : m.spec.elements) {
    const std::string sym(element_symbol(z));
    const nlohmann::json& v = at(e0, sym, "e0");
    if (!v.is_number()) throw InputError("model file: 'e0." + sym + "' must be a number");
    m.e0.push_back(v.get<double>());
    const nlohmann::json& cs = at(cj, sym, "coefficients");
    if (!cs.is_array() || cs.size() != m.embedding.densities())
      throw InputError("model file: 'coefficients." + sym + "' needs one array per density");
    m.coefficients.emplace_back();
    for (std::size_t p = 0; p < cs.size(); ++p)
      m.coefficients.back().push_back(
          detail::acejson::numbers(cs[p], "coefficients." + sym + "[" + std::to_string(p) + "]"));
  }
  m.contracted = detail::acejson::ctilde(at(j, "ctilde", ""), m.spec, int(m.embedding.densities()));
  return m;
}

}  // namespace pestle
