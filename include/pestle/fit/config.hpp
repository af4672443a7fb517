#pragma once
// A fit described by a JSON document (what `pestle fit CONFIG.json` reads). Every key is
// checked: an unknown key is an error, so a typo never silently falls back to a default.
// Relative paths are resolved against the folder of the config file.
//
//   {
//     "model": "qsnap",                       // "snap" (linear) or "qsnap" (quadratic)
//     "descriptor": {                          // SNAP bispectrum, LAMMPS names
//       "twojmax": 6, "rcutfac": 5.2, "rfac0": 0.99363, "rmin0": 0.0,
//       "switchflag": true, "bzeroflag": false, "bnormflag": false,
//       "chemflag": false, "wselfallflag": false,   // explicit multi-element SNAP (docs/snap.md)
//       "elements": {"Mo": {"radius": 0.5, "weight": 1.0}}
//     },
//     "training": ["../../../../shared/data/zuo2020/Mo_train.xyz"],
//     "weights": {"energy": 100, "force": 1, "virial": 0, "per_atom_energy": true,
//                 "config_types": {"surface": 2.0}},   // by config_type; unlabelled frames: "slab"/"bulk"
//     "reference_energies": {"Mo": 0.0},
//     "solver": {"type": "ridge", "ridge": 1e-8, "rcond": 1e-12, "scale_columns": true},
//     "output": "Mo_qsnap.json"
//   }
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/json.hpp"
#include "pestle/fit/compiled.hpp"
#include "pestle/descriptors/bispectrum.hpp"
#include "pestle/fit/fit_metadata.hpp"
#include "pestle/fit/linear_fit.hpp"
#include "pestle/fit/snap_instances.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/models/snap.hpp"

namespace pestle {

enum class SnapModelKind { linear, quadratic };

struct FitConfig {
  SnapModelKind model = SnapModelKind::quadratic;
  BispectrumParams descriptor;
  std::vector<std::filesystem::path> training;
  FitOptions options;
  std::filesystem::path output;  ///< empty: none given
  std::filesystem::path source;  ///< the config file, for messages

  const char* model_name() const { return model == SnapModelKind::linear ? "snap" : "qsnap"; }
};

namespace detail::config {

using json = nlohmann::json;

using json_read::check_keys;
using json_read::get;

/// The "training" key of a config: one file name or a list of them, relative to the config's folder.
inline std::vector<std::filesystem::path> training_files(const json& j, const std::filesystem::path& base_dir) {
  if (!j.contains("training")) throw InputError("the fit config needs \"training\": [files]");
  const json& t = j["training"];
  std::vector<std::filesystem::path> files;
  if (t.is_string()) files.push_back(base_dir / t.get<std::string>());
  else if (t.is_array())
    for (const auto& f : t) {
      if (!f.is_string()) throw InputError("\"training\" entries must be file names");
      files.push_back(base_dir / f.get<std::string>());
    }
  else throw InputError("\"training\" must be a file name or a list of them");
  if (files.empty()) throw InputError("\"training\" lists no files");
  return files;
}

inline BispectrumParams parse_descriptor(const json& j) {
  const std::string where = "\"descriptor\"";
  check_keys(j, where, {"type", "twojmax", "rcutfac", "rfac0", "rmin0", "switchflag", "bzeroflag", "bnormflag",
                        "chemflag", "wselfallflag", "elements"});
  if (j.contains("type") && j["type"] != "bispectrum")
    throw InputError("descriptor type must be \"bispectrum\" (the only one so far)");
  BispectrumParams p;
  p.twojmax = get(j, "twojmax", where, p.twojmax);
  p.rcutfac = get(j, "rcutfac", where, p.rcutfac);
  p.rfac0 = get(j, "rfac0", where, p.rfac0);
  p.rmin0 = get(j, "rmin0", where, p.rmin0);
  p.switchflag = get(j, "switchflag", where, p.switchflag);
  p.bzeroflag = get(j, "bzeroflag", where, p.bzeroflag);
  p.bnormflag = get(j, "bnormflag", where, p.bnormflag);
  p.chemflag = get(j, "chemflag", where, p.chemflag);
  p.wselfallflag = get(j, "wselfallflag", where, p.wselfallflag);
  if (!j.contains("elements") || !j["elements"].is_object() || j["elements"].empty())
    throw InputError("\"descriptor\" needs \"elements\": {\"Symbol\": {\"radius\": R, \"weight\": w}, ...}");
  for (const auto& [symbol, e] : j["elements"].items()) {
    const std::string ew = "descriptor element '" + symbol + "'";
    check_keys(e, ew, {"radius", "weight"});
    if (!e.contains("radius")) throw InputError(ew + " needs a \"radius\"");
    p.elements.push_back({atomic_number(symbol), get(e, "radius", ew, 0.5), get(e, "weight", ew, 1.0)});
  }
  p.validate();
  return p;
}

inline FitWeights parse_weights(const json& j) {
  const std::string where = "\"weights\"";
  check_keys(j, where, {"energy", "force", "virial", "per_atom_energy", "config_types"});
  FitWeights w;
  w.energy = get(j, "energy", where, w.energy);
  w.force = get(j, "force", where, w.force);
  w.virial = get(j, "virial", where, w.virial);
  w.per_atom_energy = get(j, "per_atom_energy", where, w.per_atom_energy);
  if (j.contains("config_types")) {
    if (!j["config_types"].is_object()) throw InputError("\"weights.config_types\" must be an object");
    for (const auto& [name, value] : j["config_types"].items()) {
      if (!value.is_number()) throw InputError("weight of config_type '" + name + "' must be a number");
      w.config_type[name] = value.get<double>();
    }
  }
  w.validate();
  return w;
}

inline SolverOptions parse_solver(const json& j) {
  const std::string where = "\"solver\"";
  check_keys(j, where, {"type", "ridge", "rcond", "scale_columns", "allow_rank_deficient", "max_iterations", "tolerance"});
  SolverOptions s;
  s.kind = solver_from_name(get<std::string>(j, "type", where, solver_name(s.kind)));
  s.ridge = get(j, "ridge", where, s.ridge);
  s.rcond = get(j, "rcond", where, s.rcond);
  s.scale_columns = get(j, "scale_columns", where, s.scale_columns);
  s.allow_rank_deficient = get(j, "allow_rank_deficient", where, s.allow_rank_deficient);
  s.max_iterations = get(j, "max_iterations", where, s.max_iterations);
  s.tolerance = get(j, "tolerance", where, s.tolerance);
  return s;
}

/// {"Symbol": e0 in eV, ...} → e0 per atomic number.
inline std::map<int, double> parse_reference_energies(const json& j) {
  if (!j.is_object()) throw InputError("\"reference_energies\" must be {\"Symbol\": eV}");
  std::map<int, double> e0;
  for (const auto& [symbol, value] : j.items()) {
    if (!value.is_number()) throw InputError("reference energy of " + symbol + " must be a number");
    e0[atomic_number(symbol)] = value.get<double>();
  }
  return e0;
}

}  // namespace detail::config

/// Parses a fit config; relative paths are taken relative to base_dir.
inline FitConfig parse_fit_config(const nlohmann::json& j, const std::filesystem::path& base_dir) {
  using namespace detail::config;
  check_keys(j, "the fit config",
             {"model", "descriptor", "training", "weights", "reference_energies", "solver", "output", "comment"});
  FitConfig c;
  const std::string model = get<std::string>(j, "model", "the fit config", "qsnap");
  if (model == "snap") c.model = SnapModelKind::linear;
  else if (model == "qsnap") c.model = SnapModelKind::quadratic;
  else throw InputError("unknown model '" + model + "' (expected \"snap\" or \"qsnap\")");
  if (!j.contains("descriptor")) throw InputError("the fit config needs a \"descriptor\"");
  c.descriptor = parse_descriptor(j["descriptor"]);
  c.training = training_files(j, base_dir);
  if (j.contains("weights")) c.options.design.weights = parse_weights(j["weights"]);
  if (j.contains("reference_energies")) c.options.design.reference_energies = parse_reference_energies(j["reference_energies"]);
  if (j.contains("solver")) c.options.solver = parse_solver(j["solver"]);
  if (j.contains("output")) c.output = base_dir / get<std::string>(j, "output", "the fit config", "");
  return c;
}

/// A JSON file; InputError naming `what` and the file when it cannot be read or is not JSON.
inline nlohmann::json read_json_file(const std::filesystem::path& file, const std::string& what) {
  std::ifstream in(file);
  if (!in) throw InputError("cannot open " + what + " '" + file.string() + "'");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(what + " '" + file.string() + "' is not valid JSON: " + e.what());
  }
}

/// A fit config of any model family: parse(json, folder) builds it (relative paths resolve against
/// the file's folder), `source` records the file, and every error is prefixed with the file's name.
template <class Parse>
auto load_config_file(const std::filesystem::path& file, Parse&& parse) {
  const nlohmann::json j = read_json_file(file, "fit config");  // its errors name the file already
  try {
    auto c = parse(j, file.parent_path());
    c.source = file;
    return c;
  } catch (const InputError& e) {
    throw InputError(file.string() + ": " + e.what());
  }
}

/// Reads and parses a SNAP/qSNAP fit config file.
inline FitConfig load_fit_config(const std::filesystem::path& file) { return load_config_file(file, parse_fit_config); }

/// Training files concatenated in the order given; InputError naming `source` (the config that
/// lists them) if they hold no structures.
inline Dataset load_training_files(const std::vector<std::filesystem::path>& files, const std::filesystem::path& source) {
  Dataset all;
  for (const auto& file : files)
    for (auto& f : read_extxyz(file.string()).frames) all.push_back(std::move(f));
  if (all.empty()) throw InputError("the training files of '" + source.string() + "' hold no structures");
  return all;
}

/// All training files of a config (any family with `training` and `source`).
template <class Config>
Dataset load_training_data(const Config& c) {
  return load_training_files(c.training, c.source);
}

/// Fits the SNAP/qSNAP model a config describes on the given data (the config's "snap"/"qsnap"
/// picks the alternative of AnyPotential; other families are the registry's, runtime/fitting.hpp).
/// (Definition: fit/impl/snap_fit.hpp, compiled once in pestle::runtime_fit.)
PESTLE_FIT_INLINE AnyPotential fit_from_config(const FitConfig& c, const Dataset& data, FitSummary* summary = nullptr);

}  // namespace pestle

#if !defined(PESTLE_COMPILED_FIT)
#include "pestle/fit/impl/snap_fit.hpp"
#endif
