#pragma once
// Definitions of pestle/core/error.hpp: inline in header-only use; compiled once in
// src/runtime/compile_foundations.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/core/error.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE ParseError::ParseError(std::string file, std::size_t line, std::string reason)
    : InputError(file + ":" + std::to_string(line) + ": " + reason),
      file_(std::move(file)), line_(line), reason_(std::move(reason)) {}

}  // namespace pestle
