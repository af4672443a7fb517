#pragma once
// The random-structure-search loop (GAP-RSS as in autoplex): iteration 0 labels random structures
// (plus dimers and isolated atoms) and fits a GAP or a linear ACE model; every later iteration
// relaxes new random structures with the current model (a Hookean wall first, optional), picks some of the minima by
// Boltzmann-histogram + CUR selection, labels them, adds them and refits; it stops at an iteration
// limit or when the error on a held-out random set reaches a target.
//
// Output directory DIR:
//   DIR/iter_XXX/{dataset.xyz, model.xml|model.json, lowest.xyz, summary.json, log.txt, DONE}   one per iteration
//   DIR/model.xml or DIR/model.json (latest fit: GAP, linear ACE or EDDP), DIR/log.csv (one row per iteration), DIR/validation.xyz,
//   DIR/labels/ (the label cache, label_structures in labeller.hpp)
// DONE is written last; a rerun resumes after the last iteration that has it, and labels already in
// the cache are never recomputed. Config keys and formulas: docs/exploration.md.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <limits>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tbb/parallel_for.h>

#include "pestle/dynamics/common.hpp"
#include "pestle/dynamics/md.hpp"
#include "pestle/dynamics/relax.hpp"
#include "pestle/explore/convex_hull.hpp"
#include "pestle/explore/datum_structures.hpp"
#include "pestle/explore/labeller.hpp"
#include "pestle/explore/phase_errors.hpp"
#include "pestle/explore/random_structures.hpp"
#include "pestle/explore/selection.hpp"
#include "pestle/fit/ace_fit.hpp"
#include "pestle/fit/eddp_config.hpp"
#include "pestle/fit/eddp_train.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/fit/gap_config.hpp"
#include "pestle/fit/gap_fit.hpp"
#include "pestle/fit/metrics.hpp"
#include "pestle/formats/ace_model_json.hpp"
#include "pestle/formats/eddp_json.hpp"
#include "pestle/models/eddp_potential.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/explore/gamma_md.hpp"
#include "pestle/fit/compiled.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/reference/stillinger_weber.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/runtime/model.hpp"  // Calculator::as, to find the EDDP behind the loop's model

namespace pestle::explore {

/// hot-AIRSS (Pickard, Phys. Rev. B 106, 014102 (2022)): after the first relaxation a structure is
/// shaken by `cycles` rounds of Langevin MD at `temperature` (fixed cell, `steps` × `timestep`),
/// each followed by a fresh relaxation; the lowest-enthalpy minimum of the rounds is kept.
/// With `mobility` > 0 the temperature of each structure follows its atoms' mobility instead: after
/// a shake whose RMS displacement u differs from `mobility` (Å), the next shake runs at
/// T·(mobility/u)², clamped to [T/2, 2T] per step and to [50 K, 5 temperature] overall (a harmonic
/// solid has ⟨u²⟩ ∝ T), so every structure is annealed just below where its atoms start to diffuse.
struct RssAnneal {
  std::size_t cycles = 0;       ///< 0 = plain AIRSS
  double temperature = 1000.0;  ///< K (the first shake's temperature when mobility > 0)
  std::size_t steps = 100;
  double timestep = 1.0;        ///< fs
  double friction = 0.02;       ///< 1/fs
  double mobility = 0.0;        ///< Å, target RMS displacement of a shake; 0 = fixed temperature
  /// A shake whose RMS displacement reaches this (Å, about half a bond) melted the cell: its atoms
  /// left their sites, and the anneal became a random restart. Counted and reported, not fatal.
  static constexpr double melt_displacement = 1.0;

  void validate() const {
    if (cycles == 0) return;
    if (!(temperature > 0.0) || !std::isfinite(temperature)) throw InputError("\"relax.anneal.temperature\" must be positive (K)");
    if (steps == 0) throw InputError("\"relax.anneal.steps\" must be at least 1");
    if (!(timestep > 0.0) || timestep > 10.0) throw InputError("\"relax.anneal.timestep\" must lie in (0, 10] fs");
    if (!(friction > 0.0) || !std::isfinite(friction)) throw InputError("\"relax.anneal.friction\" must be positive (1/fs)");
    if (!(mobility >= 0.0) || mobility >= melt_displacement)
      throw InputError("\"relax.anneal.mobility\" must lie in [0, 1) Å (0: fixed temperature; 1 Å or more is a melt)");
  }
};

struct RssRelaxSettings {
  double fmax = 0.05;            ///< eV/Å
  double stress_tolerance = 5e-4;  ///< eV/Å^3
  std::size_t max_steps = 300;
  double pressure_gpa = 0.0;
  double hookean_k = 0.0;        ///< eV/Å^2; 0 = no wall
  double hookean_d_min = 1.5;    ///< Å
  std::size_t hookean_steps = 50;  ///< FIRE steps with the wall before the free relaxation
  bool hookean_always = false;     ///< keep the wall for the whole relaxation (an early model with holes)
  RssAnneal anneal;              ///< hot-AIRSS shakes (cycles 0 = off)
};

/// Datum-derived starts in the loop ("datum"; explore/datum_structures.hpp): a `fraction` of the random
/// starts of every RSS relaxation are first minimised on the environment cost against the datum
/// structure (positions and cell), then relaxed with the model like the others.
struct RssDatum {
  std::filesystem::path file;   ///< extended XYZ; its first frame is the datum
  Structure structure;
  double fraction = 1.0;        ///< share of the starts made datum-derived (evenly spread over them)
  DatumCostParams cost;
  std::size_t max_steps = 1000; ///< FIRE steps on the cost
};

/// The model family the loop fits: a GAP (gap_fit term string), linear ACE or an EDDP ensemble.
enum class RssModelKind { gap, ace_linear, eddp };

/// Linear ACE inside the loop: the keys of an ace_linear fit config without training/output.
struct RssAceFit {
  AceBasisSpec spec;
  FitOptions options;
  double smoothness = 0.0;    ///< p of the smoothness prior (fit/ace_fit.hpp)
  double energy_sigma = 0.005;  ///< eV/atom: the σ_E floor of energy-scaled regularisation
};

/// The model file of an iteration (and DIR's copy of the latest fit).
inline std::string rss_model_file(RssModelKind kind) { return kind == RssModelKind::gap ? "model.xml" : "model.json"; }

struct RssConfig {
  std::vector<RandomStructureParams> random_structures;
  nlohmann::json labeller = {{"type", "reference"}, {"potential", "sw-si"}};
  RssModelKind model = RssModelKind::gap;
  GapFitSettings fit;                    ///< "model": "gap"
  RssAceFit ace;                         ///< "model": "ace_linear"
  EddpTrainSettings eddp;                ///< "model": "eddp" (retrained from scratch every iteration)
  double eddp_energy_sigma = 0.005;      ///< eV/atom: σ_E floor of the energy-scaled weights of an EDDP fit
  bool select_by_spread = false;         ///< "selection": "spread": the pool's largest EDDP spreads, not CUR
  bool select_by_uncertainty = false;    ///< "selection": "uncertainty": the pool's largest runtime::Grader grades
  std::optional<RssDatum> datum;         ///< datum-derived starts (off unless "datum" is given)
  double energy_sigma_fraction = 0.0;    ///< σ_i = max(σ_E, f·(E_i/N_i - E_min/N)): 0 = off
  std::size_t initial_structures = 20;
  std::size_t iterations = 5;            ///< iteration 0 included
  std::size_t rss_structures = 50;       ///< random structures relaxed per iteration
  std::size_t select = 10;               ///< of them labelled per iteration
  std::size_t pool = 30;                 ///< Boltzmann pool before CUR
  double kT = 0.3;                       ///< eV, Boltzmann temperature of the selection
  RssRelaxSettings relax;
  std::size_t validation_structures = 20;
  double target_energy_rmse_meV = 0.0;   ///< stop when the validation energy RMSE is at or below (0 = never)
  double dimer_r_min = 0.0, dimer_r_max = 0.0;  ///< Å; count 0 = no dimers
  std::size_t dimer_count = 0;
  bool isolated_atoms = true;            ///< label isolated atoms and use their energies as e0
  SoapParams selection_soap;             ///< descriptor of the CUR selection (averaged over atoms)
  GammaMdSettings md;                    ///< the γ-driven MD stage ("md"; off unless runs are given)
  PhaseErrorSettings phases;             ///< the learning curve on known phases ("phases"; off unless given)
  std::uint64_t seed = 1;
  std::filesystem::path source;
};

namespace detail::rss {

using nlohmann::json;
using pestle::detail::config::check_keys;
using pestle::detail::config::get;

/// "composition": {"Si": 1, "C": 1} (a fixed formula unit) or {"Si": [0, 4], "C": [0, 4]} (atoms
/// per cell of each element, a variable-composition search); the two forms are not mixed.
inline void parse_composition(const json& c, RandomStructureParams& p) {
  if (!c.is_object() || c.empty())
    throw InputError("a \"random_structures\" entry needs \"composition\": {\"Si\": 1, ...} or {\"Si\": [min, max], ...}");
  for (const auto& [sym, n] : c.items()) {
    const int z = atomic_number(sym);
    if (n.is_number_integer()) p.composition[z] = n.get<int>();
    else if (n.is_array() && n.size() == 2 && n[0].is_number_integer() && n[1].is_number_integer())
      p.composition_range[z] = {n[0].get<int>(), n[1].get<int>()};
    else
      throw InputError("\"composition\" of " + sym +
                       " must be an integer (atoms per formula unit) or [min, max] (atoms per cell), not " + n.dump());
  }
  if (!p.composition.empty() && !p.composition_range.empty())
    throw InputError("\"composition\" mixes integers (a formula unit) and [min, max] ranges (atoms per cell); use one form");
}

/// "volume_per_atom": a number (Å^3 for every atom) or {"Si": 20, "C": 6} per element.
inline void parse_volume(const json& v, RandomStructureParams& p) {
  if (v.is_number()) {
    p.volume_per_atom = v.get<double>();
    return;
  }
  if (!v.is_object()) throw InputError("\"volume_per_atom\" must be a number or {\"Si\": 20, ...} (Å^3 per atom)");
  for (const auto& [sym, x] : v.items()) {
    if (!x.is_number()) throw InputError("\"volume_per_atom\" of " + sym + " must be a number (Å^3)");
    p.element_volume[atomic_number(sym)] = x.get<double>();
  }
}

/// "min_separation": a number (Å), or "auto" with "minsep_from": FILE (extended XYZ of a known
/// structure, relative to the config) and "minsep_factor" (default 0.8): each pair's shortest
/// distance in FILE times the factor; pairs FILE lacks get "minsep_default" (Å, default 2.0).
inline void parse_min_separation(const json& j, RandomStructureParams& p, const std::filesystem::path& base_dir) {
  const std::string where = "a \"random_structures\" entry";
  const bool automatic = j.contains("min_separation") && j["min_separation"].is_string();
  if (!automatic) {
    if (j.contains("minsep_from") || j.contains("minsep_factor") || j.contains("minsep_default"))
      throw InputError("\"minsep_from\", \"minsep_factor\" and \"minsep_default\" need \"min_separation\": \"auto\"");
    p.min_separation = get<double>(j, "min_separation", where, p.min_separation);
    return;
  }
  if (j["min_separation"].get<std::string>() != "auto")
    throw InputError("\"min_separation\" must be a number of Å or \"auto\" (not '" + j["min_separation"].get<std::string>() + "')");
  if (!j.contains("minsep_from") || !j["minsep_from"].is_string())
    throw InputError("\"min_separation\": \"auto\" needs \"minsep_from\": an extended XYZ file of a known structure");
  const std::filesystem::path file = base_dir / j["minsep_from"].get<std::string>();
  if (!std::filesystem::exists(file)) throw InputError("\"minsep_from\": no such file " + file.string());
  const double factor = get<double>(j, "minsep_factor", where, 0.8);
  p.min_separation = get<double>(j, "minsep_default", where, p.min_separation);
  try {
    p.pair_min_separation = measured_min_separations(read_extxyz(file.string()), factor);
  } catch (const InputError& e) {
    throw InputError("\"minsep_from\" " + file.string() + ": " + e.what());
  }
}

inline RandomStructureParams parse_random_set(const json& j, const std::filesystem::path& base_dir = ".") {
  const std::string where = "a \"random_structures\" entry";
  check_keys(j, where,
             {"composition", "atoms", "volume_per_atom", "volume_spread", "min_separation", "pair_min_separation",
              "minsep_from", "minsep_factor", "minsep_default", "angles", "max_aspect", "symmetry_probability", "weight",
              "max_attempts"});
  RandomStructureParams p;
  if (!j.contains("composition"))
    throw InputError(where + " needs \"composition\": {\"Si\": 1, ...} or {\"Si\": [min, max], ...}");
  parse_composition(j["composition"], p);
  if (j.contains("atoms")) {
    const auto a = j["atoms"];
    if (!a.is_array() || a.size() != 2 || !a[0].is_number_integer() || !a[1].is_number_integer())
      throw InputError("\"atoms\" must be [min, max]");
    p.min_atoms = a[0].get<int>();
    p.max_atoms = a[1].get<int>();
  } else if (p.variable_composition()) {
    // A variable composition without "atoms": any total the ranges allow, at least one atom.
    p.min_atoms = 1;
    p.max_atoms = 0;
    for (const auto& [z, r] : p.composition_range) p.max_atoms += std::max(r.second, 0);
  }
  if (j.contains("volume_per_atom")) parse_volume(j["volume_per_atom"], p);
  p.volume_spread = get<double>(j, "volume_spread", where, p.volume_spread);
  parse_min_separation(j, p, base_dir);
  if (j.contains("pair_min_separation")) {
    for (const auto& [pair, d] : j["pair_min_separation"].items()) {
      const auto dash = pair.find('-');
      if (dash == std::string::npos || !d.is_number())
        throw InputError("\"pair_min_separation\" keys are \"A-B\" with a number of Å");
      const int za = atomic_number(pair.substr(0, dash)), zb = atomic_number(pair.substr(dash + 1));
      p.pair_min_separation[{std::min(za, zb), std::max(za, zb)}] = d.get<double>();
    }
  }
  if (j.contains("angles")) {
    const auto a = j["angles"];
    if (!a.is_array() || a.size() != 2) throw InputError("\"angles\" must be [min, max] in degrees");
    p.min_angle = a[0].get<double>();
    p.max_angle = a[1].get<double>();
  }
  p.max_aspect = get<double>(j, "max_aspect", where, p.max_aspect);
  p.symmetry_probability = get<double>(j, "symmetry_probability", where, p.symmetry_probability);
  p.weight = get<double>(j, "weight", where, p.weight);
  p.max_attempts = get<std::size_t>(j, "max_attempts", where, p.max_attempts);
  p.validate();
  return p;
}

inline void parse_gap_fit(const json& f, RssConfig& c) {
  check_keys(f, "\"fit\"", {"model", "gap", "default_sigma", "sparse_jitter", "config_type_sigma", "energy_sigma_fraction"});
  c.model = RssModelKind::gap;
  if (!f.contains("gap") || !f["gap"].is_string()) throw InputError("\"fit\" needs \"gap\" (the gap_fit term string)");
  c.fit.gap = f["gap"].get<std::string>();
  if (f.contains("default_sigma")) {
    const auto d = pestle::detail::config::sigma_triple(f["default_sigma"], "\"default_sigma\"");
    c.fit.sigma.energy = d[0];
    c.fit.sigma.force = d[1];
    c.fit.sigma.virial = d[2];
  }
  if (f.contains("config_type_sigma"))
    for (const auto& [name, v] : f["config_type_sigma"].items())
      c.fit.sigma.config_type[name] = pestle::detail::config::sigma_triple(v, "config_type_sigma of '" + name + "'");
  c.fit.sparse_jitter = get<double>(f, "sparse_jitter", "\"fit\"", c.fit.sparse_jitter);
  c.fit.sigma.validate();
}

/// {"model": "ace_linear", "descriptor": {...}, "weights": {...}, "solver": {...}} as in an
/// ace_linear fit config (fit/ace_fit.hpp); e0 comes from the labelled isolated atoms.
inline void parse_ace_fit(const json& f, RssConfig& c) {
  check_keys(f, "\"fit\"", {"model", "descriptor", "weights", "solver", "energy_sigma", "energy_sigma_fraction"});
  c.model = RssModelKind::ace_linear;
  json as_config = {{"model", "ace_linear"}};
  for (const char* key : {"descriptor", "weights", "solver"})
    if (f.contains(key)) as_config[key] = f[key];
  as_config["training"] = json::array({"unused.xyz"});  // the loop supplies the data
  const AceFitConfig a = parse_ace_fit_config(as_config, ".");
  c.ace.spec = a.spec;
  c.ace.options = a.options;
  c.ace.smoothness = a.smoothness;
  c.ace.energy_sigma = get<double>(f, "energy_sigma", "\"fit\"", c.ace.energy_sigma);
  if (!(c.ace.energy_sigma > 0.0)) throw InputError("\"fit.energy_sigma\" must be positive (eV/atom)");
}

/// {"model": "eddp", "features": {...}, "hidden": [...], "members": ..., ...} as in an eddp fit config
/// (fit/eddp_config.hpp) without training/output.
inline void parse_eddp_fit(const json& f, RssConfig& c) {
  c.model = RssModelKind::eddp;
  json as_config = f;
  as_config.erase("energy_sigma_fraction");
  as_config.erase("energy_sigma");
  as_config["training"] = json::array({"unused.xyz"});  // the loop supplies the data
  c.eddp = parse_eddp_fit_config(as_config, ".").settings;
  c.eddp_energy_sigma = get<double>(f, "energy_sigma", "\"fit\"", c.eddp_energy_sigma);
  if (!(c.eddp_energy_sigma > 0.0)) throw InputError("\"fit.energy_sigma\" must be positive (eV/atom)");
}

inline RssDatum parse_datum(const json& d, const std::filesystem::path& base_dir) {
  const std::string where = "\"datum\"";
  check_keys(d, where, {"file", "fraction", "alpha", "beta", "max_steps"});
  RssDatum r;
  if (!d.contains("file") || !d["file"].is_string()) throw InputError(where + " needs \"file\": an extended-XYZ structure");
  r.file = base_dir / d["file"].get<std::string>();
  r.structure = read_extxyz_frame(r.file.string()).structure;
  r.fraction = get<double>(d, "fraction", where, r.fraction);
  r.cost.alpha = get<double>(d, "alpha", where, r.cost.alpha);
  r.cost.beta = get<double>(d, "beta", where, r.cost.beta);
  r.max_steps = get<std::size_t>(d, "max_steps", where, r.max_steps);
  if (!(r.fraction > 0.0 && r.fraction <= 1.0)) throw InputError(where + ": \"fraction\" must lie in (0, 1]");
  r.cost.validate();
  return r;
}

inline RssAnneal parse_anneal(const json& a) {
  const std::string where = "\"relax.anneal\"";
  check_keys(a, where, {"cycles", "temperature", "steps", "timestep", "friction", "mobility"});
  RssAnneal h;
  h.cycles = get<std::size_t>(a, "cycles", where, 1);
  h.temperature = get<double>(a, "temperature", where, h.temperature);
  h.steps = get<std::size_t>(a, "steps", where, h.steps);
  h.timestep = get<double>(a, "timestep", where, h.timestep);
  h.friction = get<double>(a, "friction", where, h.friction);
  h.mobility = get<double>(a, "mobility", where, h.mobility);
  h.validate();
  return h;
}

inline GammaMdSettings parse_gamma_md(const json& m) {
  const std::string where = "\"md\"";
  check_keys(m, where,
             {"runs", "random_starts", "start_iteration", "t_start", "t_end", "steps", "timestep", "friction",
              "check_every", "gamma_low", "gamma_high", "select", "pressure", "barostat_tau", "bulk_modulus", "comment"});
  GammaMdSettings s;
  s.runs = get<std::size_t>(m, "runs", where, s.runs);
  s.random_starts = get<std::size_t>(m, "random_starts", where, s.random_starts);
  s.start_iteration = get<std::size_t>(m, "start_iteration", where, s.start_iteration);
  s.t_start = get<double>(m, "t_start", where, s.t_start);
  s.t_end = get<double>(m, "t_end", where, s.t_end);
  s.steps = get<std::size_t>(m, "steps", where, s.steps);
  s.timestep = get<double>(m, "timestep", where, s.timestep);
  s.friction = get<double>(m, "friction", where, s.friction);
  s.check_every = get<std::size_t>(m, "check_every", where, s.check_every);
  s.gamma_low = get<double>(m, "gamma_low", where, s.gamma_low);
  s.gamma_high = get<double>(m, "gamma_high", where, s.gamma_high);
  s.select = get<std::size_t>(m, "select", where, s.select);
  if (m.contains("pressure")) s.pressure_gpa = get<double>(m, "pressure", where, 0.0);
  s.barostat_tau = get<double>(m, "barostat_tau", where, s.barostat_tau);
  s.bulk_modulus_gpa = get<double>(m, "bulk_modulus", where, s.bulk_modulus_gpa);
  if (!s.enabled()) throw InputError("\"md\": give \"runs\" and/or \"random_starts\" (or leave \"md\" out)");
  s.validate();
  return s;
}

inline std::string pad3(std::size_t k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%03zu", k);
  return buf;
}

inline std::filesystem::path iteration_dir(const std::filesystem::path& dir, std::size_t k) {
  return dir / ("iter_" + pad3(k));
}

/// Lowest distance between two atoms (periodic images through a neighbour list).
inline double shortest_distance(const Structure& s, double reach) {
  NeighbourOptions o;
  o.cutoff = reach;
  const NeighbourList nl = build_neighbour_list(s, o);
  double d = reach;
  for (double x : nl.distance) d = std::min(d, x);
  return d;
}

/// The gap string with every n_sparse=K of a cur-selected term lowered to at most `cap`.
inline std::string cap_n_sparse(const std::string& gap, std::size_t cap) {
  std::string out;
  for (const std::string& term : pestle::detail::gapfit::split_terms(gap)) {
    std::string t = term;
    const auto at = t.find("n_sparse=");
    const bool uniform = t.find("sparse_method=uniform") != std::string::npos;
    if (at != std::string::npos && !uniform) {
      const std::size_t begin = at + 9;
      std::size_t end = begin;
      while (end < t.size() && std::isdigit(static_cast<unsigned char>(t[end]))) ++end;
      if (end > begin && std::stoul(t.substr(begin, end - begin)) > cap)
        t.replace(begin, end - begin, std::to_string(cap));
    }
    out += (out.empty() ? "" : " : ") + t;
  }
  return out;
}

}  // namespace detail::rss

/// Every element of the random structures, ascending.
inline std::vector<int> rss_species(const std::vector<RandomStructureParams>& sets) {
  std::vector<int> z;
  for (const auto& p : sets)
    for (int e : p.species()) z.push_back(e);
  std::sort(z.begin(), z.end());
  z.erase(std::unique(z.begin(), z.end()), z.end());
  return z;
}

/// InputError naming the first element of the random structures that `covered` lacks (`who`: the
/// model's element list or the labeller). An empty `covered` takes any element (GAP, a command).
inline void require_species(const std::vector<RandomStructureParams>& sets, const std::vector<int>& covered,
                            const std::string& who) {
  if (covered.empty()) return;
  for (int z : rss_species(sets))
    if (std::find(covered.begin(), covered.end(), z) == covered.end())
      throw InputError("the random structures contain " + std::string(element_symbol(z)) + " but " + who +
                       " does not cover it");
}

/// Reads the loop's config (unknown keys are errors); paths relative to base_dir.
PESTLE_FIT_INLINE RssConfig parse_rss_config(const nlohmann::json& j, const std::filesystem::path& base_dir);

PESTLE_FIT_INLINE RssConfig load_rss_config(const std::filesystem::path& file);

/// The labeller a config names: {"type": "reference", "potential": "sw-si" | "file": MODEL} or
/// {"type": "command", "command": ..., "timeout": s, "processes": n}.
PESTLE_FIT_INLINE Labeller make_labeller(const nlohmann::json& j);

/// Energy-scaled regularisation (GAP-RSS, Bernstein et al., npj Comput. Mater. 5, 99 (2019)):
/// a structure ΔE_i = E_i/N_i - min_j E_j/N_j above the lowest one gets σ_i = max(σ_E, f ΔE_i)
/// for its energy and, by the same factor, its forces and virial (frame weight σ_E/σ_i), so the
/// fit spends its accuracy on the low-energy structures that decide which phase is stable.
/// Isolated atoms and dimers keep weight 1 (their σ comes from config_type_sigma). f = 0: no-op.
inline void apply_energy_scaled_sigma(Dataset& training, double f, double sigma_e) {
  if (!(f > 0.0)) return;
  auto scaled = [](const Frame& x) { return x.labels.config_type != "isolated_atom" && x.labels.config_type != "dimer"; };
  double lowest = std::numeric_limits<double>::infinity();
  for (const Frame& x : training)
    if (scaled(x) && x.labels.energy) lowest = std::min(lowest, *x.labels.energy / static_cast<double>(x.size()));
  for (Frame& x : training) {
    if (!scaled(x) || !x.labels.energy) continue;
    const double above = *x.labels.energy / static_cast<double>(x.size()) - lowest;
    x.labels.weight = sigma_e / std::max(sigma_e, f * above);
  }
}

/// One iteration's record (a row of log.csv and iter_XXX/summary.json).
struct RssIterationRecord {
  std::size_t iteration = 0;
  std::size_t labelled_total = 0;     ///< structures in the training set
  std::size_t labelled_new = 0;       ///< added this iteration
  std::size_t failed = 0;             ///< labels that failed this iteration
  std::size_t relaxed = 0;            ///< RSS relaxations kept this iteration
  double energy_rmse_meV = 0.0;       ///< held-out random set, meV/atom
  double force_rmse = 0.0;            ///< eV/Å
  double lowest_enthalpy = 0.0;       ///< eV/atom, lowest RSS minimum of this iteration (model)
  double lowest_volume = 0.0;         ///< Å^3/atom of that minimum
  std::size_t lowest_atoms = 0;
  double wall_seconds = 0.0;
  // the γ-driven MD stage (all 0 when it did not run)
  std::size_t md_runs = 0;            ///< MD runs
  std::size_t md_stopped = 0;         ///< of them ended above γ_high (or failed)
  std::size_t md_candidates = 0;      ///< frames with γ in [γ_low, γ_high]
  std::size_t md_selected = 0;        ///< of them labelled
  double md_max_gamma = 0.0;          ///< largest γ seen
  // hot-AIRSS (0 when off)
  std::size_t anneal_shakes = 0;      ///< shakes run in this iteration's relaxations
  std::size_t anneal_melted = 0;      ///< of them melted (RssAnneal::melt_displacement)
  std::vector<PhaseError> phase_errors;  ///< the model's errors on the known phases ("phases"; empty when off)

  nlohmann::json to_json() const {
    nlohmann::json j = {{"iteration", iteration}, {"labelled_total", labelled_total}, {"labelled_new", labelled_new},
            {"failed", failed}, {"relaxed", relaxed}, {"energy_rmse_meV", energy_rmse_meV},
            {"force_rmse", force_rmse}, {"lowest_enthalpy", lowest_enthalpy}, {"lowest_volume", lowest_volume},
            {"lowest_atoms", lowest_atoms}, {"wall_seconds", wall_seconds},
            {"md_runs", md_runs}, {"md_stopped", md_stopped}, {"md_candidates", md_candidates},
            {"md_selected", md_selected}, {"md_max_gamma", md_max_gamma},
            {"anneal_shakes", anneal_shakes}, {"anneal_melted", anneal_melted}};
    if (!phase_errors.empty()) j["phase_errors"] = phase_errors_json(phase_errors);
    return j;
  }
  static RssIterationRecord from_json(const nlohmann::json& j) {
    RssIterationRecord r;
    r.iteration = j.at("iteration");
    r.labelled_total = j.at("labelled_total");
    r.labelled_new = j.at("labelled_new");
    r.failed = j.at("failed");
    r.relaxed = j.at("relaxed");
    r.energy_rmse_meV = j.at("energy_rmse_meV");
    r.force_rmse = j.at("force_rmse");
    r.lowest_enthalpy = j.at("lowest_enthalpy");
    r.lowest_volume = j.at("lowest_volume");
    r.lowest_atoms = j.at("lowest_atoms");
    r.wall_seconds = j.at("wall_seconds");
    // runs written before the MD stage existed have no md_ keys
    r.md_runs = j.value("md_runs", std::size_t{0});
    r.md_stopped = j.value("md_stopped", std::size_t{0});
    r.md_candidates = j.value("md_candidates", std::size_t{0});
    r.md_selected = j.value("md_selected", std::size_t{0});
    r.md_max_gamma = j.value("md_max_gamma", 0.0);
    r.anneal_shakes = j.value("anneal_shakes", std::size_t{0});
    r.anneal_melted = j.value("anneal_melted", std::size_t{0});
    if (j.contains("phase_errors")) r.phase_errors = phase_errors_from_json(j["phase_errors"]);
    return r;
  }
};

struct RssReport {
  std::vector<RssIterationRecord> iterations;  ///< all complete iterations (loaded and new)
  std::size_t resumed_after = 0;               ///< iterations found complete on disk
  LabelCounts labels;                          ///< this run's label counts (computed, cached, failed)
  LabelCounts phase_labels;                    ///< the known phases' labels, counted apart ("phases")
  bool target_reached = false;
};

/// What a fresh search with the final model found (item 7 of the validation: DIR/final_search/).
struct RssFinalSearch {
  std::size_t relaxed = 0;            ///< minima kept of the structures relaxed
  double lowest_enthalpy = 0.0;       ///< eV/atom, by the model
  double lowest_volume = 0.0;         ///< Å^3/atom
  std::size_t lowest_atoms = 0;
  double lowest_reference_energy = std::numeric_limits<double>::quiet_NaN();  ///< eV/atom, the labeller's
  double wall_seconds = 0.0;
  nlohmann::json hull;  ///< variable composition: the vertices of the model's and the labeller's hulls

  nlohmann::json to_json() const {
    nlohmann::json j = {{"relaxed", relaxed}, {"lowest_enthalpy", lowest_enthalpy}, {"lowest_volume", lowest_volume},
                        {"lowest_atoms", lowest_atoms},
                        {"lowest_reference_energy", std::isfinite(lowest_reference_energy) ? nlohmann::json(lowest_reference_energy)
                                                                                           : nlohmann::json(nullptr)},
                        {"wall_seconds", wall_seconds}};
    if (!hull.is_null()) j["hull"] = hull;
    return j;
  }
};

/// The hull vertices as JSON rows: formula, fractions, formation energy (eV/atom), id.
inline nlohmann::json hull_vertices_json(const ConvexHull& h) {
  nlohmann::json rows = nlohmann::json::array();
  for (const HullEntry& e : h.entries) {
    if (!e.on_hull) continue;
    nlohmann::json x;
    for (std::size_t k = 0; k < h.elements.size(); ++k) x[std::string(element_symbol(h.elements[k]))] = e.fractions[k];
    rows.push_back({{"formula", reduced_formula(e.point.atoms)}, {"fractions", x},
                    {"formation_energy", e.formation_energy}, {"energy_per_atom", e.point.energy_per_atom},
                    {"id", e.point.id}});
  }
  return rows;
}

/// The hull points of labelled frames: energy per atom from the labels (InputError naming a frame without one).
inline std::vector<HullPoint> hull_points(const Dataset& frames, const std::string& source) {
  std::vector<HullPoint> points;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    if (!f.labels.energy)
      throw InputError(source + ": frame " + std::to_string(i) + " has no energy, so it cannot go on a convex hull");
    CellComposition atoms;
    for (int z : f.structure.numbers) ++atoms[z];
    const std::string id = f.labels.info.get<std::string>("hull_id").value_or(std::to_string(i));
    points.push_back({atoms, *f.labels.energy / static_cast<double>(f.size()), id});
  }
  return points;
}

/// A relaxed RSS minimum.
struct RssMinimum {
  Structure structure;
  double enthalpy_per_atom = 0.0;
  bool converged = false;
};

/// What the hot-AIRSS shakes of one relax_structures call did.
struct RssAnnealStats {
  std::size_t shakes = 0;  ///< shakes run
  std::size_t melted = 0;  ///< of them with an RMS displacement >= RssAnneal::melt_displacement
};

namespace detail::rss {

/// One hot-AIRSS shake: Langevin MD at fixed cell from Maxwell-Boltzmann velocities (both seeded).
template <Calculator C>
Structure shake(const C& calc, const Structure& s, const RssAnneal& a, std::uint64_t seed) {
  MdOptions md;
  md.timestep = a.timestep;
  md.thermostat = LangevinThermostat{a.temperature, a.friction, seed};
  MolecularDynamics<C> run(calc, s, md);
  run.initialise_velocities(a.temperature, seed ^ 0x9e3779b97f4a7c15ULL);
  run.run(a.steps, 0);
  return run.structure();
}

/// RMS displacement of the atoms between two states of the same cell (MD does not wrap positions).
inline double rms_displacement(const Structure& from, const Structure& to) {
  double sum = 0.0;
  for (std::size_t i = 0; i < from.size(); ++i) sum += (to.positions[i] - from.positions[i]).squaredNorm();
  return from.size() ? std::sqrt(sum / static_cast<double>(from.size())) : 0.0;
}

/// The next shake's temperature from the last one's mobility (RssAnneal::mobility).
inline double next_anneal_temperature(const RssAnneal& a, double t, double displacement) {
  if (!(a.mobility > 0.0)) return t;
  const double ratio = displacement > 0.0 ? a.mobility / displacement : 2.0;
  const double next = t * std::clamp(ratio * ratio, 0.5, 2.0);
  return std::clamp(next, 50.0, 5.0 * a.temperature);
}

}  // namespace detail::rss

/// Relaxes each structure with `calc` (first under a Hookean wall when configured; then, with
/// hot-AIRSS, shaken and relaxed again `anneal.cycles` times, keeping the lowest minimum); drops
/// relaxations that fail or end in nonsense (atoms closer than half the wall distance, volume
/// per atom outside (1, 200) Å^3). Parallel over structures; order kept. Structure k's shakes are
/// seeded from seed + k, so they repeat.
template <Calculator C>
std::vector<RssMinimum> relax_structures(const C& calc, const std::vector<Structure>& start, const RssRelaxSettings& r,
                                         std::uint64_t seed = 0, RssAnnealStats* anneal_stats = nullptr) {
  std::vector<std::optional<RssMinimum>> out(start.size());
  std::vector<RssAnnealStats> shaken(start.size());
  RelaxOptions opt;
  opt.fmax = r.fmax;
  opt.stress_tolerance = r.stress_tolerance;
  opt.relax_cell = true;
  opt.pressure = r.pressure_gpa / units::gpa_per_ev_a3;
  const bool walled = r.hookean_k > 0.0 && r.hookean_steps > 0;
  auto sensible = [&](const RelaxResult& res) {
    const double v = res.structure.volume() / static_cast<double>(res.structure.size());
    return v > 1.0 && v < 200.0 && std::isfinite(res.enthalpy) &&
           detail::rss::shortest_distance(res.structure, 3.0) >= 0.5 * r.hookean_d_min;
  };
  // A walled start (when configured), then the free relaxation.
  auto relax = [&](Structure s) {
    if (walled) {
      RelaxOptions w = opt;
      w.max_steps = r.hookean_steps;
      s = relax_fire(HookeanWall<C>(calc, r.hookean_k, r.hookean_d_min), s, w).structure;
    }
    RelaxOptions free = opt;
    free.max_steps = r.max_steps;
    // hookean_always: a model with holes at short range (a stiff reference such as Tersoff carbon,
    // early in the loop) collapses structures in the free relaxation; the wall then stays on, and
    // adds nothing at a minimum whose pairs are all farther apart than d_min.
    if (r.hookean_always && r.hookean_k > 0.0)
      return relax_fire(HookeanWall<C>(calc, r.hookean_k, r.hookean_d_min), s, free);
    return relax_fire(calc, s, free);
  };
  tbb::parallel_for(std::size_t{0}, start.size(), [&](std::size_t k) {
    try {
      RelaxResult best = relax(start[k]);
      if (!sensible(best)) return;
      RssAnneal shake_at = r.anneal;  // its temperature follows the mobility when that is set
      for (std::size_t c = 0; c < r.anneal.cycles; ++c) {
        try {
          const std::uint64_t shake_seed = (seed + k) * 1000003ULL + c;
          // The wall keeps atoms apart during the hot MD too, where an early model is weakest.
          const Structure hot = walled ? detail::rss::shake(HookeanWall<C>(calc, r.hookean_k, r.hookean_d_min),
                                                            best.structure, shake_at, shake_seed)
                                       : detail::rss::shake(calc, best.structure, shake_at, shake_seed);
          const double moved = detail::rss::rms_displacement(best.structure, hot);
          ++shaken[k].shakes;
          if (moved >= RssAnneal::melt_displacement) ++shaken[k].melted;
          shake_at.temperature = detail::rss::next_anneal_temperature(r.anneal, shake_at.temperature, moved);
          RelaxResult next = relax(hot);
          if (sensible(next) && next.enthalpy / static_cast<double>(next.structure.size()) <
                                    best.enthalpy / static_cast<double>(best.structure.size()))
            best = std::move(next);
        } catch (const Error&) {
          break;  // a shake that blows up ends the annealing; the minimum so far stands
        }
      }
      out[k] = RssMinimum{best.structure, best.enthalpy / static_cast<double>(best.structure.size()), best.converged};
    } catch (const Error&) {
      // a relaxation that blows up under an early model is simply not a candidate
    }
  });
  if (anneal_stats)
    for (const RssAnnealStats& a : shaken) {
      anneal_stats->shakes += a.shakes;
      anneal_stats->melted += a.melted;
    }
  std::vector<RssMinimum> kept;
  for (auto& m : out)
    if (m) kept.push_back(std::move(*m));
  return kept;
}

/// The loop. `progress` receives one line per event (the CLI prints it to stderr). Its work is
/// RssLoopImpl's (explore/impl/rss_loop.hpp): inline in header-only use, compiled once into
/// pestle::runtime_fit with PESTLE_COMPILED_FIT, so a program that runs the loop compiles none of it.
class RssLoopImpl;
class RssLoop {
 public:
  using Progress = std::function<void(const std::string&)>;

  PESTLE_FIT_INLINE RssLoop(RssConfig config, Labeller labeller, std::filesystem::path dir, Progress progress = {});
  PESTLE_FIT_INLINE ~RssLoop();
  RssLoop(RssLoop&&) noexcept = default;

  /// Runs (or resumes) up to max_iterations iterations in total (0 = the config's "iterations").
  PESTLE_FIT_INLINE RssReport run(std::size_t max_iterations = 0);

  /// A fresh search with the latest model on disk: relaxes n new random structures (generator
  /// iteration 8888, so never a training or validation structure), writes the `keep` lowest
  /// minima, lowest first, to DIR/final_search/minima.xyz, labels the lowest one (through the
  /// label cache) and writes DIR/final_search/summary.json.
  PESTLE_FIT_INLINE RssFinalSearch final_search(std::size_t n, std::size_t keep = 10);

  /// Index of random structure j of iteration k in the generator (validation uses iteration 9999).
  static std::uint64_t structure_index(std::size_t k, std::size_t j) { return std::uint64_t{k} * 1000000ULL + j; }

 private:
  std::unique_ptr<RssLoopImpl> impl_;
};

#if defined(PESTLE_COMPILED_FIT)
// compiled once in src/runtime_fit/compile_rss_relax.cpp (the loop's own model type)
extern template std::vector<RssMinimum> relax_structures<runtime::Calculator>(const runtime::Calculator&, const std::vector<Structure>&,
                                                                             const RssRelaxSettings&, std::uint64_t, RssAnnealStats*);
#endif


}  // namespace pestle::explore

#if !defined(PESTLE_COMPILED_FIT)
#include "pestle/explore/impl/rss_config.hpp"
#include "pestle/explore/impl/rss_loop.hpp"
#endif
