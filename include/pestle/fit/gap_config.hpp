#pragma once
// JSON config of a GAP fit (`pestle fit` with "model": "gap"). Keys (unknown keys are errors):
//   "model": "gap"
//   "gap": "distance_2b cutoff=5.2 ... : soap cutoff=5.2 n_max=8 l_max=8 ..."   gap_fit's gap={...}
//   "training": "train.xyz" | ["a.xyz", "b.xyz"]       (relative to the config file)
//   "default_sigma": [σ_E, σ_F, σ_V]                     eV/atom, eV/Å, eV/atom (σ_V = 0: no virials)
//   "sigma_per_atom": true                               gap_fit's kernel_regularisation_is_per_atom
//   "config_type_sigma": {"liquid": [σ_E, σ_F, σ_V]}
//   "e0": {"Mo": -10.45} | "e0_method": "average"        (default: average)
//   "sparse_jitter": 1e-8, "seed": 42, "output": "model.xml"
// docs/gap-fit.md has the meaning of each and an example.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/fit/gap_fit.hpp"
#include "pestle/data/extxyz.hpp"

namespace pestle {

struct GapFitConfig {
  GapFitSettings settings;
  std::vector<std::filesystem::path> training;
  std::filesystem::path output;
  std::filesystem::path source;
};

namespace detail::config {

inline std::array<double, 3> sigma_triple(const json& j, const std::string& where) {
  if (!j.is_array() || j.size() < 2 || j.size() > 3) throw InputError(where + " must be [σ_E, σ_F] or [σ_E, σ_F, σ_V]");
  std::array<double, 3> s{0.0, 0.0, 0.0};
  for (std::size_t k = 0; k < j.size(); ++k) {
    if (!j[k].is_number()) throw InputError(where + " must hold numbers");
    s[k] = j[k].get<double>();
  }
  return s;
}

}  // namespace detail::config

inline GapFitConfig parse_gap_fit_config(const nlohmann::json& j, const std::filesystem::path& base_dir) {
  using namespace detail::config;
  check_keys(j, "the GAP fit config",
             {"model", "gap", "training", "default_sigma", "sigma_per_atom", "config_type_sigma", "e0", "e0_method",
              "sparse_jitter", "seed", "output", "comment"});
  GapFitConfig c;
  GapFitSettings& s = c.settings;
  if (!j.contains("gap") || !j["gap"].is_string()) throw InputError("\"gap\" (the gap_fit term string) is required");
  s.gap = j["gap"].get<std::string>();
  c.training = training_files(j, base_dir);
  if (j.contains("default_sigma")) {
    const auto d = sigma_triple(j["default_sigma"], "\"default_sigma\"");
    s.sigma.energy = d[0];
    s.sigma.force = d[1];
    s.sigma.virial = d[2];
  }
  s.sigma.per_atom = get<bool>(j, "sigma_per_atom", "the GAP fit config", true);
  if (j.contains("config_type_sigma")) {
    if (!j["config_type_sigma"].is_object()) throw InputError("\"config_type_sigma\" must be {\"name\": [σ_E, σ_F, σ_V]}");
    for (const auto& [name, v] : j["config_type_sigma"].items())
      s.sigma.config_type[name] = sigma_triple(v, "config_type_sigma of '" + name + "'");
  }
  const std::string method = get<std::string>(j, "e0_method", "the GAP fit config", j.contains("e0") ? "given" : "average");
  if (method != "average" && method != "given") throw InputError("\"e0_method\" must be \"average\" (or give \"e0\")");
  s.e0_average = method == "average";
  if (j.contains("e0")) {
    if (s.e0_average && j.contains("e0_method")) throw InputError("give either \"e0\" or \"e0_method\": \"average\", not both");
    if (!j["e0"].is_object()) throw InputError("\"e0\" must be {\"Symbol\": eV}");
    for (const auto& [symbol, e] : j["e0"].items()) {
      if (!e.is_number()) throw InputError("e0 of " + symbol + " must be a number");
      s.e0[atomic_number(symbol)] = e.get<double>();
    }
  }
  s.sparse_jitter = get<double>(j, "sparse_jitter", "the GAP fit config", 1e-8);
  if (!(s.sparse_jitter >= 0.0)) throw InputError("\"sparse_jitter\" must be >= 0");
  s.seed = get<std::uint64_t>(j, "seed", "the GAP fit config", 42);
  if (j.contains("output")) c.output = base_dir / get<std::string>(j, "output", "the GAP fit config", "");
  s.sigma.validate();
  return c;
}

inline GapFitConfig load_gap_fit_config(const std::filesystem::path& file) {
  return load_config_file(file, parse_gap_fit_config);
}

/// The structures of a GAP config's training files, in order; InputError if there are none.
inline Dataset load_gap_training_data(const GapFitConfig& config) { return load_training_data(config); }

}  // namespace pestle
