#pragma once
// Small helpers the family definitions share.
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pestle::runtime::detail {

inline bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

/// FittedModel::save for the JSON model formats: `write(path, metadata)` with the fit's metadata and,
/// under "search", what the caller passes (a search's iteration, loss and config).
template <class Write>
auto json_model_saver(nlohmann::json metadata, Write write) {
  return [metadata = std::move(metadata), write = std::move(write)](const std::filesystem::path& path,
                                                                     const nlohmann::json& search) {
    nlohmann::json m = metadata;
    m["search"] = search;
    write(path.string(), m);
  };
}

}  // namespace pestle::runtime::detail
