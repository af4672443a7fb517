#pragma once
// Typed errors. Every failure pestle reports is one of these, so callers can tell
// bad input (InputError, ParseError) from numerical trouble (NumericalError).
#include <stdexcept>
#include <string>
#include "pestle/core/compiled.hpp"

namespace pestle {

/// Base of every error pestle throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Invalid argument or inconsistent data handed to the library.
class InputError : public Error {
 public:
  using Error::Error;
};

/// A file could not be parsed; names the file, the 1-based line and the reason.
class ParseError : public InputError {
 public:
  PESTLE_RUNTIME_INLINE ParseError(std::string file, std::size_t line, std::string reason);
  const std::string& file() const noexcept { return file_; }
  std::size_t line() const noexcept { return line_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string file_;
  std::size_t line_;
  std::string reason_;
};

/// A numerical procedure failed (singular system, non-finite result, no convergence).
class NumericalError : public Error {
 public:
  using Error::Error;
};

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/core/impl/error.hpp"
#endif
