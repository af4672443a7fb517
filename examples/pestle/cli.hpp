#pragma once
// Shared plumbing of the pestle command-line tool: the command table entry and the
// wrapper that turns exceptions into a message on stderr and a non-zero exit code.
#include <exception>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

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

inline int guarded(const Command& c, const Args& args) {
  try {
    return c.run(args);
  } catch (const UsageError& e) {
    std::cerr << "pestle " << c.name << ": " << e.what() << "\nusage: " << c.usage << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "pestle " << c.name << ": error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace pestle::cli
