#pragma once
// Definitions of pestle/core/json.hpp: inline in header-only use; compiled once in
// src/runtime/compile_foundations.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/core/json.hpp"

namespace pestle::json_read {

PESTLE_RUNTIME_INLINE void check_keys(const json& j, const std::string& where, std::initializer_list<const char*> allowed) {
  if (!j.is_object()) throw InputError(where + " must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (ok) continue;
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    throw InputError("unknown key '" + key + "' in " + where + " (allowed: " + list + ")");
  }
}

}  // namespace pestle::json_read
