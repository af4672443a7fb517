#pragma once
#include "cli.hpp"

namespace pestle::cli {

inline int run_info(const Args&) { throw pestle::Error("'info' is not implemented yet"); }

}  // namespace pestle::cli
