#pragma once
// Shared plumbing of the pestle command-line tool: the command table entry and the
// wrapper that turns exceptions into a message on stderr and a non-zero exit code.
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "mpi_world.hpp"
#include "pestle/core/error.hpp"

namespace pestle::cli {

using Args = std::vector<std::string>;

struct Command {
  std::string name;
  std::string usage;
  std::string summary;
  std::function<int(const Args&)> run;
};

/// Thrown for a malformed command line; exit code 2.
class UsageError : public pestle::Error {
 public:
  using pestle::Error::Error;
};

/// The number an option's value spells (all of it); UsageError naming the flag otherwise.
inline double number_argument(const std::string& flag, const std::string& text) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::logic_error&) {
  }
  throw UsageError(flag + " needs a number, got '" + text + "'");
}

/// A whole number >= 0 (counts, seeds, indices); UsageError naming the flag otherwise.
inline std::size_t count_argument(const std::string& flag, const std::string& text) {
  const double v = number_argument(flag, text);
  if (!(v >= 0) || v != std::floor(v) || v > 1e15) throw UsageError(flag + " needs a whole number >= 0, got '" + text + "'");
  return static_cast<std::size_t>(v);
}

/// A command line split into positional arguments, the value of -o/--output and the
/// boolean flags a command accepts; anything else starting with '-' is a UsageError.
struct ParsedArgs {
  std::vector<std::string> positional;
  std::string output;
  std::vector<std::string> flags;
  bool has(const std::string& flag) const {
    for (const auto& f : flags)
      if (f == flag) return true;
    return false;
  }
};

inline ParsedArgs parse_args(const Args& args, std::initializer_list<const char*> allowed_flags = {}) {
  ParsedArgs out;
  for (std::size_t k = 0; k < args.size(); ++k) {
    const std::string& a = args[k];
    if (a == "-o" || a == "--output") {
      if (k + 1 >= args.size()) throw UsageError(a + " needs a file name");
      out.output = args[++k];
      continue;
    }
    if (a.empty() || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    bool known = false;
    for (const char* f : allowed_flags) known = known || a == f;
    if (!known) throw UsageError("unknown option '" + a + "'");
    out.flags.push_back(a);
  }
  return out;
}

inline int guarded(const Command& c, const Args& args) {
  // Under mpirun an error on one rank ends them all (the others would wait for it in a sum forever);
  // it is printed with its rank, on stderr directly (the other ranks' streams are silenced).
  const auto fail = [&](int code, const std::string& message) {
    if (world().size() == 1) {
      std::cerr << message;
      return code;
    }
    std::fprintf(stderr, "[rank %d] %s", world().rank(), message.c_str());
    std::fflush(stderr);
    abort_world(code);
  };
  try {
    return c.run(args);
  } catch (const UsageError& e) {
    return fail(2, "pestle " + c.name + ": " + e.what() + "\nusage: " + c.usage + "\n");
  } catch (const std::exception& e) {
    return fail(1, "pestle " + c.name + ": error: " + e.what() + "\n");
  }
}

}  // namespace pestle::cli
