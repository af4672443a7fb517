#pragma once
// Linear ACE models as pestle JSON model files (docs/model-files.md):
//   {
//     "format": "pestle-model", "format_version": 1, "model": "ace_linear",
//     "descriptor": {"type": "ace", "elements": ["Mo"], "cutoff": 5.2, "radial": "ChebExpCos",
//                    "lambda": 5.0, "d_cut": 0.5, "ranks": {"1": {"n_max": 8}, "2": {...}, ...}},
//     "coefficients": {"Mo": [β₀, c_1, ...]},           fitted coefficients of the B functions
//     "ctilde": {"Mo": [{"mu": [0, 0], "n": [1, 2], "l": [2, 2], "ms": [m1, m2, ...], "c": [...]}, ...]},
//     "metadata": {...}
//   }
// "ctilde" holds the coefficients contracted onto the m-combinations (models/ace_linear.hpp):
// that is what is evaluated, so reading a model never repeats the basis construction (whose
// SVD could pick a different but equivalent basis on another compiler) and the file is
// self-contained. "coefficients" is kept for inspection and refits.
#include <fstream>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/json.hpp"
#include "pestle/descriptors/ace_basis_json.hpp"
#include "pestle/models/ace_nonlinear.hpp"
#include "pestle/formats/model_json.hpp"
#include "pestle/models/ace_linear.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle {

/// "ctilde": the contracted basis, per element a list of m-combinations with their coefficients
/// (basis.columns per m-combination, one per density).
PESTLE_RUNTIME_INLINE nlohmann::json ace_ctilde_to_json(const AceBasisSet& contracted);

inline nlohmann::json ace_linear_model_to_json(const AceLinearModel& m, const nlohmann::json& metadata = {}) {
  using nlohmann::json;
  json coefficients = json::object();
  for (std::size_t s = 0; s < m.spec.elements.size(); ++s)
    coefficients[std::string(element_symbol(m.spec.elements[s]))] = m.coefficients[s];
  const json ctilde = ace_ctilde_to_json(m.contracted);
  json j = {{"format", "pestle-model"}, {"format_version", model_format_version}, {"model", "ace_linear"},
            {"descriptor", ace_spec_to_json(m.spec)}, {"coefficients", coefficients}, {"ctilde", ctilde}};
  if (!metadata.is_null()) j["metadata"] = metadata;
  return j;
}

/// True if a model JSON document is a linear ACE model (read by ace_linear_model_from_json).
inline bool is_ace_model_json(const nlohmann::json& j) {
  return j.is_object() && j.contains("model") && j["model"] == "ace_linear";
}

/// True if a model JSON document is a nonlinear ACE model (read by ace_nonlinear_model_from_json).
inline bool is_ace_nonlinear_model_json(const nlohmann::json& j) {
  return j.is_object() && j.contains("model") && j["model"] == "ace";
}

namespace detail::acejson {

/// An array of numbers (T floating point) or of integers (T integral), or an InputError naming it.
template <class T>
std::vector<T> array_of(const nlohmann::json& v, const std::string& name) {
  const std::string what = std::is_integral_v<T> ? "integers" : "numbers";
  const auto fits = [](const nlohmann::json& x) { return std::is_integral_v<T> ? x.is_number_integer() : x.is_number(); };
  if (!v.is_array()) throw InputError("model file: '" + name + "' must be an array of " + what);
  std::vector<T> out;
  for (const auto& x : v) {
    if (!fits(x)) throw InputError("model file: '" + name + "' must be an array of " + what);
    out.push_back(x.get<T>());
  }
  return out;
}

inline std::vector<double> numbers(const nlohmann::json& v, const std::string& name) { return array_of<double>(v, name); }
inline std::vector<int> integers(const nlohmann::json& v, const std::string& name) { return array_of<int>(v, name); }

/// Checks the header of a pestle model file of the given model type; returns its basis specification.
inline AceBasisSpec header(const nlohmann::json& j, const std::string& model) {
  using namespace detail::modeljson;
  if (get<std::string>(j, "format", "") != "pestle-model") throw InputError("model file: 'format' must be 'pestle-model'");
  const int version = get<int>(j, "format_version", "");
  if (version < 1 || version > model_format_version)
    throw InputError("model file: format_version " + std::to_string(version) + " is not supported");
  if (get<std::string>(j, "model", "") != model) throw InputError("model file: not an " + model + " model");
  try {
    return ace_spec_from_json(at(j, "descriptor", ""));
  } catch (const InputError& e) {
    throw InputError(std::string("model file: ") + e.what());
  }
}

/// The contracted basis of "ctilde" with `columns` coefficients per m-combination.
inline AceBasisSet ctilde(const nlohmann::json& tj, const AceBasisSpec& spec, int columns) {
  using namespace detail::modeljson;
  AceBasisSet b;
  b.elements = spec.elements;
  b.lmax = *std::max_element(spec.lmax.begin(), spec.lmax.end());
  b.columns = columns;
  b.radial = ace_b_radial(spec);
  if (tj.size() != spec.elements.size())
    throw InputError("model file: 'ctilde' has entries for elements the descriptor does not list");
  for (int z : spec.elements) {
    const std::string sym(element_symbol(z));
    const nlohmann::json& fns = at(tj, sym, "ctilde");
    if (!fns.is_array()) throw InputError("model file: 'ctilde." + sym + "' must be an array");
    std::vector<AceBasisFunction> list;
    for (std::size_t k = 0; k < fns.size(); ++k) {
      const std::string where = "ctilde." + sym + "[" + std::to_string(k) + "]";
      AceBasisFunction f;
      f.mus = integers(at(fns[k], "mu", where), where + ".mu");
      f.ns = integers(at(fns[k], "n", where), where + ".n");
      f.ls = integers(at(fns[k], "l", where), where + ".l");
      f.ms = integers(at(fns[k], "ms", where), where + ".ms");
      f.coeffs = numbers(at(fns[k], "c", where), where + ".c");
      f.rank = int(f.mus.size());
      list.push_back(std::move(f));
    }
    b.functions.push_back(std::move(list));
  }
  try {
    b.validate();
  } catch (const InputError& e) {
    throw InputError(std::string("model file: ") + e.what());
  }
  return b;
}

}  // namespace detail::acejson

PESTLE_RUNTIME_INLINE AceLinearModel ace_linear_model_from_json(const nlohmann::json& j);

/// Nonlinear ACE model files: "model": "ace", "embedding": {"type", "weights", "exponents"},
/// "e0": {"Mo": eV}, "coefficients": {"Mo": [[density 1], [density 2], ...]}, "ctilde" with one
/// coefficient per density and m-combination.
inline nlohmann::json ace_nonlinear_model_to_json(const AceNonlinearModel& m, const nlohmann::json& metadata = {}) {
  using nlohmann::json;
  json coefficients = json::object(), e0 = json::object();
  for (std::size_t s = 0; s < m.spec.elements.size(); ++s) {
    const std::string sym(element_symbol(m.spec.elements[s]));
    coefficients[sym] = m.coefficients[s];
    e0[sym] = m.e0[s];
  }
  json j = {{"format", "pestle-model"},
            {"format_version", model_format_version},
            {"model", "ace"},
            {"descriptor", ace_spec_to_json(m.spec)},
            {"embedding",
             {{"type", m.embedding.type}, {"weights", m.embedding.weights}, {"exponents", m.embedding.exponents}}},
            {"e0", e0},
            {"coefficients", coefficients},
            {"ctilde", ace_ctilde_to_json(m.contracted)}};
  if (!metadata.is_null()) j["metadata"] = metadata;
  return j;
}

PESTLE_RUNTIME_INLINE AceNonlinearModel ace_nonlinear_model_from_json(const nlohmann::json& j);


inline AceLinearModel load_ace_linear_model(const std::string& path) {
  try {
    return ace_linear_model_from_json(read_model_json_document(path));
  } catch (const InputError& e) {
    throw InputError(path + ": " + e.what());
  }
}

inline void save_ace_linear_model(const std::string& path, const AceLinearModel& m, const nlohmann::json& metadata = {}) {
  std::ofstream out(path);
  if (!(out << ace_linear_model_to_json(m, metadata).dump(1) << '\n')) throw InputError("cannot write model file '" + path + "'");
}

inline AceNonlinearModel load_ace_nonlinear_model(const std::string& path) {
  try {
    return ace_nonlinear_model_from_json(read_model_json_document(path));
  } catch (const InputError& e) {
    throw InputError(path + ": " + e.what());
  }
}

inline void save_ace_nonlinear_model(const std::string& path, const AceNonlinearModel& m,
                                     const nlohmann::json& metadata = {}) {
  std::ofstream out(path);
  if (!(out << ace_nonlinear_model_to_json(m, metadata).dump(1) << '\n'))
    throw InputError("cannot write model file '" + path + "'");
}

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/formats/impl/ace_model_json.hpp"
#endif
