#pragma once
// The one strict-key JSON reader of pestle's config and model files. Every object is checked for
// unknown keys (a misspelt key is an error, never a silent default), and every value for its type;
// messages name where in the document the key sits. Used by the fit configs, the model files, the
// validation configs and the descriptor parameters' from_json.
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "pestle/core/error.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle::json_read {

using json = nlohmann::json;

/// InputError naming `where` for any key of `j` not in `allowed` (and when `j` is not an object).
PESTLE_RUNTIME_INLINE void check_keys(const json& j, const std::string& where, std::initializer_list<const char*> allowed);

/// The value of an optional key, or `fallback` when it is absent; InputError for a wrong type.
template <class T>
T get(const json& j, const char* key, const std::string& where, T fallback) {
  if (!j.contains(key)) return fallback;
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    throw InputError("key '" + std::string(key) + "' in " + where + " has the wrong type");
  }
}

/// The value of a required key; `prefix` starts every message (e.g. "model file: ").
inline const json& at(const json& j, const std::string& key, const std::string& where, std::string_view prefix = "") {
  if (!j.is_object()) throw InputError(std::string(prefix) + "'" + where + "' must be an object");
  auto it = j.find(key);
  if (it == j.end())
    throw InputError(std::string(prefix) + "missing key '" + (where.empty() ? key : where + "." + key) + "'");
  return *it;
}

/// A required key of exactly the JSON type of T (bool, integer, number or string).
template <class T>
T require(const json& j, const std::string& key, const std::string& where, std::string_view prefix = "") {
  const json& v = at(j, key, where, prefix);
  const std::string name = std::string(prefix) + "'" + (where.empty() ? key : where + "." + key) + "'";
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) throw InputError(name + " must be true or false");
  } else if constexpr (std::is_integral_v<T>) {
    if (!v.is_number_integer()) throw InputError(name + " must be an integer");
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) throw InputError(name + " must be a number");
  } else {
    if (!v.is_string()) throw InputError(name + " must be a string");
  }
  return v.get<T>();
}

}  // namespace pestle::json_read

namespace pestle {

/// The JSON document of a model file; InputError naming the file when it cannot be read or parsed.
inline nlohmann::json read_model_json_document(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open model file '" + path + "'");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError("model file '" + path + "' is not valid JSON: " + e.what());
  }
}

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/core/impl/json.hpp"
#endif
