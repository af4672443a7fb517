#pragma once
// What the pestle cv translation units share (cmd_cv.cpp: SNAP and the command line; cmd_cv_gap.cpp,
// cmd_cv_ace.cpp: the other families, compiled apart so that no unit holds every fitter).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "mpi_world.hpp"
#include "pestle/core/families.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/fit/cross_validation.hpp"

namespace pestle::cli {

inline std::vector<double> parse_list(const std::string& text, const std::string& option) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      out.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw UsageError(option + " expects comma-separated numbers, got '" + text + "'");
    }
  }
  if (out.empty()) throw UsageError(option + " needs at least one value");
  return out;
}

/// L = α·RMSE_E/min RMSE_E + (1−α)·RMSE_F/min RMSE_F of every candidate (see the file comment).
inline std::vector<double> cv_losses(const std::vector<double>& energy, const std::vector<double>& force, double alpha) {
  const double emin = *std::min_element(energy.begin(), energy.end());
  const double fmin = *std::min_element(force.begin(), force.end());
  std::vector<double> loss;
  for (std::size_t k = 0; k < energy.size(); ++k)
    loss.push_back(alpha * energy[k] / (emin > 0.0 ? emin : 1.0) + (1.0 - alpha) * force[k] / (fmin > 0.0 ? fmin : 1.0));
  return loss;
}

/// The energy RMSE a setting is ranked by: family-balanced with --by-family, else pooled.
inline double ranked_energy_rmse(const CvScore& s, const Families* families) {
  return families ? s.balanced_energy_rmse : s.energy_rmse;
}

/// Header and row cells of the per-family energy RMSE columns (meV/atom); empty without families.
inline std::string family_header(const Families* families) {
  std::string out;
  if (!families) return out;
  char cell[64];
  std::snprintf(cell, sizeof cell, " %12s", "E balanced");
  out += cell;
  for (const auto& name : families->names) {
    std::snprintf(cell, sizeof cell, " %12s", ("E " + name.substr(0, 10)).c_str());
    out += cell;
  }
  return out;
}
inline std::string family_cells(const CvScore& s, const Families* families) {
  std::string out;
  if (!families) return out;
  char cell[64];
  std::snprintf(cell, sizeof cell, " %12.3f", 1e3 * s.balanced_energy_rmse);
  out += cell;
  for (double e : s.family_energy_rmse) {
    std::snprintf(cell, sizeof cell, " %12.3f", 1e3 * e);
    out += cell;
  }
  return out;
}

/// One line per family: its name and number of structures (stderr, before the scan).
inline void report_families(const Families& families) {
  std::vector<std::size_t> count(families.names.size(), 0);
  for (int g : families.of_frame) ++count[static_cast<std::size_t>(g)];
  std::cerr << "pestle cv: families (stratified folds, balanced energy RMSE):";
  for (std::size_t g = 0; g < count.size(); ++g) std::cerr << " " << families.names[g] << " " << count[g];
  std::cerr << "\n";
}

/// --frame-errors: one CSV line per training structure with its held-out energy error.
inline void write_frame_errors(const std::string& path, const CvScore& best, const Dataset& data, const Families& families,
                               bool per_atom) {
  if (path.empty()) return;
  std::ofstream out(path);
  out << "frame,family,atoms," << (per_atom ? "energy_error_meV_per_atom" : "energy_error_meV") << "\n";
  for (std::size_t k = 0; k < data.size(); ++k) {
    const double e = best.frame_energy_error[k];
    out << k << "," << families.names[static_cast<std::size_t>(families.of_frame[k])] << "," << data[k].size() << ",";
    if (std::isnan(e)) out << "\n";
    else out << 1e3 * e << "\n";
  }
  if (!out) throw InputError("cannot write '" + path + "'");
  std::cerr << "pestle cv: held-out energy error of every structure in " << path << "\n";
}

/// --write: the config with the best hyperparameters set by `set_best`, written to `write_path`
/// (nothing when it is empty).
template <class SetBest>
void write_tuned_config(const std::string& config_path, const std::string& write_path, SetBest&& set_best) {
  if (write_path.empty()) return;
  nlohmann::json j = read_json_file(config_path, "fit config");
  set_best(j);
  std::ofstream out(write_path);
  out << j.dump(2) << "\n";
  if (!out) throw InputError("cannot write '" + write_path + "'");
  std::cout << "wrote " << write_path << "\n";
}

/// σ values to try for a GAP config (absolute, in the units of default_sigma); empty: the config's.
struct GapSigmaGrid {
  std::vector<double> energy, force, virial;
  bool given() const { return !energy.empty() || !force.empty() || !virial.empty(); }
};

/// pestle cv on a GAP config (cmd_cv_gap.cpp).
int run_cv_gap(const std::string& config_path, int folds, double alpha, GapSigmaGrid grid, const std::string& write_path);
/// pestle cv on a linear ACE config (cmd_cv_ace.cpp).
int run_cv_ace(const std::string& config_path, int folds, double alpha, std::vector<double> cutoffs,
               const std::vector<double>& energy_weights, const std::vector<double>& ridges,
               std::vector<double> smoothness, bool by_family, const std::string& write_path,
               const std::string& frame_errors_path);

}  // namespace pestle::cli
