#pragma once
// Bayesian optimisation and hyperparameter search (docs/optimise.md).
#include "pestle/optimise/space.hpp"
#include "pestle/optimise/designs.hpp"
#include "pestle/math/lbfgsb.hpp"
#include "pestle/optimise/gaussian_process.hpp"
#include "pestle/optimise/acquisition.hpp"
#include "pestle/optimise/optimiser.hpp"
#include "pestle/optimise/svg_plot.hpp"
#include "pestle/optimise/hyperparameter_search.hpp"
