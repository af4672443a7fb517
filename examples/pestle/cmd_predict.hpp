#pragma once
#include "cli.hpp"

namespace pestle::cli {

inline int run_predict(const Args&) { throw pestle::Error("'predict' is not implemented yet"); }

}  // namespace pestle::cli
