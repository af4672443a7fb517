#pragma once
// What the pestle fit translation units share (cmd_fit.cpp: SNAP and the command line;
// cmd_fit_gap.cpp, cmd_fit_ace.cpp: the other families, compiled apart so that no unit holds every fitter).
#include <chrono>
#include <iostream>
#include <string>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/fit/metrics.hpp"

namespace pestle::cli {

inline void print_training_errors(const ErrorReport& train) {
  std::cout << "training errors: energy RMSE " << train.overall.energy_rmse_meV_per_atom() << " meV/atom, force RMSE "
            << train.overall.force_rmse() << " eV/Å (components)\n";
}

/// A GAP fit (cmd_fit_gap.cpp).
int run_fit_gap(const std::string& config_path, std::string output);
/// A linear ACE fit (cmd_fit_ace.cpp).
int run_fit_ace(const std::string& config_path, std::string output);
/// A nonlinear ACE fit (cmd_fit_ace.cpp).
int run_fit_ace_nonlinear(const std::string& config_path, std::string output);

}  // namespace pestle::cli
