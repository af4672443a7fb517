#pragma once
// Definitions of pestle/formats/quip_descriptor_string.hpp: inline in header-only use; compiled once in
// src/runtime/compile_formats.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/formats/quip_descriptor_string.hpp"

namespace pestle::io {

PESTLE_RUNTIME_INLINE QuipKeyValues parse_quip_key_values(std::string_view text) {
  QuipKeyValues kv;
  kv.text = std::string(text);
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto skip_space = [&] {
    while (i < n && is_space(text[i])) ++i;
  };
  skip_space();
  const std::size_t name_begin = i;
  while (i < n && !is_space(text[i])) ++i;
  kv.name = std::string(text.substr(name_begin, i - name_begin));
  if (kv.name.empty()) throw InputError("empty descriptor string");
  if (kv.name.find('=') != std::string::npos)
    quip_detail::fail(kv, "must start with the descriptor name (e.g. soap, distance_2b), not a key=value entry");
  while (true) {
    skip_space();
    if (i >= n) break;
    const std::size_t key_begin = i;
    while (i < n && !is_space(text[i]) && text[i] != '=') ++i;
    std::string key(text.substr(key_begin, i - key_begin));
    if (key.empty()) quip_detail::fail(kv, "an entry has no key before '='");
    // Spaces around '=' are allowed, as in QUIP.
    std::size_t look = i;
    while (look < n && is_space(text[look])) ++look;
    if (look >= n || text[look] != '=') {
      kv.entries.emplace_back(std::move(key), "T");  // a bare flag
      continue;
    }
    i = look + 1;
    skip_space();
    std::string value;
    if (i < n && (text[i] == '{' || text[i] == '"' || text[i] == '\'')) {
      const char close = text[i] == '{' ? '}' : text[i];
      const std::size_t end = text.find(close, i + 1);
      if (end == std::string_view::npos)
        quip_detail::fail(kv, "the value of '" + key + "' has no closing " + std::string(1, close));
      value = std::string(text.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      const std::size_t begin = i;
      while (i < n && !is_space(text[i])) ++i;
      value = std::string(text.substr(begin, i - begin));
    }
    kv.entries.emplace_back(std::move(key), std::move(value));
  }
  return kv;
}

}  // namespace pestle::io
