#pragma once
// Module header: fitting (design-matrix assembly, streamed solvers, error metrics).
#include "pestle/fit/design_matrix.hpp"
#include "pestle/fit/linear_fit.hpp"
#include "pestle/fit/metrics.hpp"
#include "pestle/fit/solvers.hpp"
