#pragma once
// Small helpers the family definitions share.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pestle::runtime::detail {

inline bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

/// The "model" string of a config or model document ("" when absent or not a string).
inline std::string model_key(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("model") || !j["model"].is_string()) return {};
  return j["model"].get<std::string>();
}

}  // namespace pestle::runtime::detail
