#pragma once
// What the pestle fit translation units share (cmd_fit.cpp: SNAP and the command line;
// cmd_fit_gap.cpp, cmd_fit_ace.cpp: the other families, compiled apart so that no unit holds every fitter).
#include <chrono>
#include <cstddef>
#include <functional>
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

/// FitOptions::progress for the command line: one line on stderr at every tenth of the structures
/// once the fit has run 2 s (building rows is the slow part of a large linear fit), with the time since the start.
inline std::function<void(std::size_t, std::size_t)> design_progress_printer() {
  const auto t0 = std::chrono::steady_clock::now();
  return [t0, next_tenth = std::size_t(1)](std::size_t done, std::size_t total) mutable {
    if (total < 20 || done * 10 < next_tenth * total) return;
    while (done * 10 >= next_tenth * total) ++next_tenth;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s < 2.0) return;  // a quick fit needs no progress lines
    std::cerr << "pestle fit: rows of " << done << "/" << total << " structures in " << s << " s\n";
  };
}

/// Under mpirun: the fits that do not share their rows over ranks refuse to run more than once.
inline void require_one_rank(const std::string& what) {
  if (world().size() > 1)
    throw UsageError(what + " runs on one MPI rank; under mpirun only SNAP, qSNAP, linear ACE and GAP fits share "
                     "their rows over ranks (docs/parallel_fits.md)");
}

/// " over N ranks" when the fit's rows were shared, for the progress lines.
inline std::string ranks_note() {
  return world().size() > 1 ? " over " + std::to_string(world().size()) + " ranks" : std::string();
}

/// A GAP fit (cmd_fit_gap.cpp).
int run_fit_gap(const std::string& config_path, std::string output);
/// A linear ACE fit (cmd_fit_ace.cpp).
int run_fit_ace(const std::string& config_path, std::string output);
/// A nonlinear ACE fit (cmd_fit_ace.cpp).
int run_fit_ace_nonlinear(const std::string& config_path, std::string output);

}  // namespace pestle::cli
