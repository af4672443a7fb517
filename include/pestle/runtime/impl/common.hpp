#pragma once
// Small helpers the family definitions share.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pestle::runtime::detail {

inline bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

}  // namespace pestle::runtime::detail
