#pragma once
#include "cli.hpp"

namespace pestle::cli {

inline int run_fit(const Args&) { throw pestle::Error("'fit' is not implemented yet"); }

}  // namespace pestle::cli
