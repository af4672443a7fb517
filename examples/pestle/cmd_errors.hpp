#pragma once
#include "cli.hpp"

namespace pestle::cli {

inline int run_errors(const Args&) { throw pestle::Error("'errors' is not implemented yet"); }

}  // namespace pestle::cli
