#pragma once
// Definitions of pestle/formats/model_json.hpp: inline in header-only use; compiled once in
// src/runtime/compile_formats.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/formats/model_json.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE AnyPotential model_from_json(const nlohmann::json& j) {
  using namespace detail::modeljson;
  if (!j.is_object()) throw InputError("model file: the document must be a JSON object");
  const std::string format = get<std::string>(j, "format", "");
  if (format != "pestle-model") throw InputError("model file: 'format' is '" + format + "', expected 'pestle-model'");
  const int version = get<int>(j, "format_version", "");
  if (version < 1 || version > model_format_version)
    throw InputError("model file: format_version " + std::to_string(version) + " is not supported (this pestle reads " +
                     std::to_string(model_format_version) + ")");
  const std::string type = get<std::string>(j, "model", "");
  if (type != "snap" && type != "qsnap") throw InputError("model file: unknown model type '" + type + "' (key 'model')");
  const BispectrumParams p = params_from_json(at(j, "descriptor", ""));
  const json& cj = at(j, "coefficients", "");
  std::vector<std::vector<double>> c;
  for (const auto& e : p.elements) {
    const std::string sym(element_symbol(e.z));
    const json& v = at(cj, sym, "coefficients");
    if (!v.is_array()) throw InputError("model file: 'coefficients." + sym + "' must be an array of numbers");
    std::vector<double> block;
    for (const auto& x : v) {
      if (!x.is_number()) throw InputError("model file: 'coefficients." + sym + "' must be an array of numbers");
      block.push_back(x.get<double>());
    }
    c.push_back(std::move(block));
  }
  if (cj.size() != p.elements.size())
    throw InputError("model file: 'coefficients' has entries for elements the descriptor does not list");
  if (type == "qsnap") return make_snap<Quadratic>(p, std::move(c));
  return make_snap<Linear>(p, std::move(c));
}

}  // namespace pestle
