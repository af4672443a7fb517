#pragma once
// Phase errors against the labeller: the learning curve of an exploration run (the figure by which
// autoplex judges a random-structure search; docs/exploration.md, "Phase errors").
// Each known phase is a supercell of at least `min_atoms` atoms; `copies` copies of it, every atom
// displaced by Gaussian noise of σ = `rattle` Å (seeded), are labelled once by the loop's labeller
// into a cache of their own (DIR/phase_labels/), never trained on and counted apart from the
// training labels. After every fit the model's errors on each phase's copies are one point of the
// curve: the energy RMSE per atom (meV/atom) and the force-component RMSE (eV/Å) against the number
// of labelled training structures. DIR/phase_errors.csv holds every point, DIR/phase_errors.svg
// plots them, DIR/phase_errors.json says when each phase first reached `target_meV`.
#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/dataset.hpp"
#include "pestle/core/json.hpp"
#include "pestle/core/lattices.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/fit/metrics.hpp"
#include "pestle/optimise/svg_plot.hpp"
#include "pestle/runtime/calculator.hpp"

namespace pestle::explore {

struct KnownPhase {
  std::string name;
  Structure cell;                          ///< a prototype's unit cell or a file's first frame
  std::array<int, 3> supercell{0, 0, 0};  ///< multiples of the cell; 0 = the compact repeat of min_atoms
};

struct PhaseErrorSettings {
  std::vector<KnownPhase> phases;
  std::size_t copies = 10;     ///< rattled copies per phase
  double rattle = 0.01;        ///< Å, σ of the Gaussian displacements
  std::size_t min_atoms = 8;   ///< a phase's supercell has at least this many atoms (unless "supercell" is given)
  double target_meV = 10.0;    ///< a phase "crosses" when its energy RMSE is at or below this (meV/atom)
  std::vector<std::string> stop_when;  ///< the loop stops once all these phases are at or below target_meV
  bool enabled() const { return !phases.empty(); }
};

/// The errors of one model on one phase's labelled copies.
struct PhaseError {
  std::string phase;
  double energy_rmse_meV = 0.0;  ///< meV/atom
  double force_rmse = 0.0;       ///< eV/Å, over all components
  std::size_t copies = 0;        ///< labelled copies (failed labels are left out)
};

/// One point of the curve per phase: the model of `iteration`, fitted to `labels` structures.
struct PhaseCurvePoint {
  std::size_t iteration = 0, labels = 0;
  std::vector<PhaseError> errors;
};

/// Silicon's built-in phases: approximate PBE equilibrium lattice constants (a, c in Å) from the
/// literature, within about 2 % of any PBE code's own minima. A run that needs the labeller's exact
/// minima gives "a" and "c" (or a relaxed structure file) instead.
inline const std::map<std::string, std::array<double, 2>>& silicon_phase_lattices() {
  static const std::map<std::string, std::array<double, 2>> table = {
      {"diamond", {5.469, 0.0}}, {"beta-Sn", {4.83, 2.66}}, {"sh", {2.58, 2.43}}, {"bcc", {3.08, 0.0}},
      {"fcc", {3.87, 0.0}},      {"hcp", {2.715, 4.48}},     {"sc", {2.52, 0.0}}};
  return table;
}

namespace detail::phase {

using nlohmann::json;
using json_read::check_keys;
using json_read::get;

inline KnownPhase parse_one(const json& e, const std::filesystem::path& base_dir, const std::vector<int>& species) {
  KnownPhase p;
  if (e.is_string()) {
    p.name = e.get<std::string>();
    const auto& si = silicon_phase_lattices();
    const auto it = si.find(p.name);
    if (it == si.end())
      throw InputError("\"phases\": unknown phase '" + p.name + "' (built in for Si: diamond, beta-Sn, sh, bcc, fcc, hcp, "
                       "sc; or an object with \"prototype\" or \"file\")");
    if (species != std::vector<int>{14})
      throw InputError("\"phases\": '" + p.name + "' alone means silicon's lattice constants; for this search give "
                       "{\"prototype\": \"" + p.name + "\", \"a\": ..., \"element\": ...}");
    p.cell = prototype_cell(p.name, 14, it->second[0], it->second[1]);
    return p;
  }
  const std::string where = "a \"phases\" entry";
  if (!e.is_object()) throw InputError(where + " must be a name or an object");
  check_keys(e, where, {"name", "prototype", "file", "a", "c", "element", "supercell"});
  if (e.contains("prototype") == e.contains("file")) throw InputError(where + " needs one of \"prototype\" and \"file\"");
  if (e.contains("file")) {
    const std::filesystem::path file = base_dir / get<std::string>(e, "file", where, "");
    p.cell = read_extxyz_frame(file.string(), 0).structure;
    p.name = get<std::string>(e, "name", where, file.stem().string());
    for (int z : p.cell.numbers)
      if (std::find(species.begin(), species.end(), z) == species.end())
        throw InputError("phase '" + p.name + "' (" + file.string() + ") holds " + std::string(element_symbol(z)) +
                         ", which the search does not");
  } else {
    const std::string prototype = get<std::string>(e, "prototype", where, "");
    p.name = get<std::string>(e, "name", where, prototype);
    int z = 0;
    if (e.contains("element")) z = atomic_number(get<std::string>(e, "element", where, ""));
    else if (species.size() == 1) z = species[0];
    else throw InputError("phase '" + p.name + "': \"element\" is needed in a search of several elements");
    p.cell = prototype_cell(prototype, z, get<double>(e, "a", where, 0.0), get<double>(e, "c", where, 0.0));
  }
  if (e.contains("supercell")) {
    p.supercell = e["supercell"].get<std::array<int, 3>>();
    for (int m : p.supercell)
      if (m < 1) throw InputError("phase '" + p.name + "': \"supercell\" multiples must be at least 1");
  }
  return p;
}

}  // namespace detail::phase

/// "phases": {"structures": [...], "copies": 10, "rattle": 0.01, "min_atoms": 8, "target_meV": 10,
/// "stop_when": [names]}.
/// A structure is a built-in silicon phase by name, {"prototype": NAME, "a": Å, "c": Å, "element": X,
/// "name": ..., "supercell": [n1, n2, n3]}, or {"file": FILE.xyz, "name": ...} (its first frame).
inline PhaseErrorSettings parse_phase_errors(const nlohmann::json& j, const std::filesystem::path& base_dir,
                                             const std::vector<int>& species) {
  using namespace detail::phase;
  const std::string where = "\"phases\"";
  check_keys(j, where, {"structures", "copies", "rattle", "min_atoms", "target_meV", "stop_when"});
  PhaseErrorSettings s;
  s.copies = get<std::size_t>(j, "copies", where, s.copies);
  s.rattle = get<double>(j, "rattle", where, s.rattle);
  s.min_atoms = get<std::size_t>(j, "min_atoms", where, s.min_atoms);
  s.target_meV = get<double>(j, "target_meV", where, s.target_meV);
  if (s.copies == 0) throw InputError(where + ": \"copies\" must be at least 1");
  if (!(s.rattle >= 0.0) || s.rattle > 0.5) throw InputError(where + ": \"rattle\" must lie in [0, 0.5] Å");
  if (!(s.target_meV > 0.0)) throw InputError(where + ": \"target_meV\" must be positive");
  if (!j.contains("structures") || !j["structures"].is_array() || j["structures"].empty())
    throw InputError(where + ": \"structures\" must be a non-empty list");
  std::set<std::string> names;
  for (const json& e : j["structures"]) {
    s.phases.push_back(parse_one(e, base_dir, species));
    if (!names.insert(s.phases.back().name).second)
      throw InputError(where + ": two phases are named '" + s.phases.back().name + "'");
  }
  s.stop_when = get<std::vector<std::string>>(j, "stop_when", where, {});
  for (const std::string& name : s.stop_when)
    if (!names.count(name)) throw InputError(where + ": \"stop_when\" names '" + name + "', which is not one of the phases");
  return s;
}

/// True when every phase of `stop_when` (and there is one) has labelled copies and is at or below the target.
inline bool phases_reached(const std::vector<PhaseError>& errors, const PhaseErrorSettings& s) {
  if (s.stop_when.empty()) return false;
  for (const std::string& name : s.stop_when) {
    const auto it = std::find_if(errors.begin(), errors.end(), [&](const PhaseError& e) { return e.phase == name; });
    if (it == errors.end() || it->copies == 0 || it->energy_rmse_meV > s.target_meV) return false;
  }
  return true;
}

/// The rattled copies of every phase, phase by phase, each with its phase's name as config_type.
/// Copy k of phase p is rattled with seed `seed` + 1000 p + k, so the set is the same on every run.
inline Dataset phase_copies(const PhaseErrorSettings& s, std::uint64_t seed) {
  Dataset out;
  for (std::size_t p = 0; p < s.phases.size(); ++p) {
    const KnownPhase& phase = s.phases[p];
    const std::array<int, 3> m = phase.supercell[0] > 0 ? phase.supercell : compact_multiples(phase.cell, s.min_atoms);
    const Structure bulk = repeat(phase.cell, m);
    for (std::size_t k = 0; k < s.copies; ++k) {
      Frame f;
      f.structure = bulk;
      rattle(f.structure, s.rattle, static_cast<unsigned>(seed + 1000 * p + k));
      f.labels.config_type = phase.name;
      out.push_back(std::move(f));
    }
  }
  return out;
}

/// The model's errors on each phase's labelled copies (frames grouped by config_type), in the
/// settings' phase order; a phase none of whose copies could be labelled has copies = 0.
inline std::vector<PhaseError> phase_errors(const runtime::Calculator& model, const Dataset& labelled,
                                            const PhaseErrorSettings& s) {
  const ErrorReport report = error_report(model, labelled);
  std::vector<PhaseError> out;
  for (const KnownPhase& p : s.phases) {
    PhaseError e;
    e.phase = p.name;
    if (const auto it = report.by_config_type.find(p.name); it != report.by_config_type.end()) {
      e.energy_rmse_meV = it->second.energy_rmse_meV_per_atom();
      e.force_rmse = it->second.force_rmse();
      e.copies = it->second.structures;
    }
    out.push_back(e);
  }
  return out;
}

inline nlohmann::json phase_errors_json(const std::vector<PhaseError>& errors) {
  nlohmann::json rows = nlohmann::json::array();
  for (const PhaseError& e : errors)
    rows.push_back({{"phase", e.phase}, {"energy_rmse_meV", e.energy_rmse_meV}, {"force_rmse", e.force_rmse},
                    {"copies", e.copies}});
  return rows;
}

inline std::vector<PhaseError> phase_errors_from_json(const nlohmann::json& rows) {
  std::vector<PhaseError> out;
  for (const auto& r : rows)
    out.push_back({r.at("phase").get<std::string>(), r.at("energy_rmse_meV").get<double>(),
                   r.at("force_rmse").get<double>(), r.at("copies").get<std::size_t>()});
  return out;
}

/// For each phase, the number of training labels at which its energy RMSE first reached the target
/// (none while it has not).
inline std::map<std::string, std::optional<std::size_t>> phase_crossings(const std::vector<PhaseCurvePoint>& curve,
                                                                          const PhaseErrorSettings& s) {
  std::map<std::string, std::optional<std::size_t>> out;
  for (const KnownPhase& p : s.phases) out[p.name] = std::nullopt;
  for (const PhaseCurvePoint& point : curve)
    for (const PhaseError& e : point.errors)
      if (e.copies > 0 && e.energy_rmse_meV <= s.target_meV && out.count(e.phase) && !out[e.phase])
        out[e.phase] = point.labels;
  return out;
}

/// DIR/phase_errors.csv (one row per iteration and phase), DIR/phase_errors.svg (energy RMSE per
/// phase against training labels, log scale, the target as a grey line) and DIR/phase_errors.json
/// (the crossings and the last point).
inline void write_phase_curve(const std::filesystem::path& dir, const std::vector<PhaseCurvePoint>& curve,
                              const PhaseErrorSettings& s) {
  {
    std::ofstream csv(dir / "phase_errors.csv");
    csv << "iteration,labelled_total,phase,copies,energy_rmse_meV_per_atom,force_rmse_eV_per_A\n";
    for (const PhaseCurvePoint& point : curve)
      for (const PhaseError& e : point.errors)
        csv << point.iteration << "," << point.labels << "," << e.phase << "," << e.copies << "," << e.energy_rmse_meV
            << "," << e.force_rmse << "\n";
  }
  static const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
  optimise::svg::Panel panel;
  panel.title = "phase errors against the labeller";
  panel.xlabel = "labelled training structures";
  panel.ylabel = "energy RMSE (meV/atom)";
  panel.log_y = true;
  for (std::size_t p = 0; p < s.phases.size(); ++p) {
    optimise::svg::Series series;
    series.label = s.phases[p].name;
    series.colour = colours[p % std::size(colours)];
    series.style = optimise::svg::Style::line;
    for (const PhaseCurvePoint& point : curve)
      for (const PhaseError& e : point.errors)
        if (e.phase == s.phases[p].name && e.copies > 0) {
          series.x.push_back(double(point.labels));
          series.y.push_back(std::max(e.energy_rmse_meV, 1e-3));
        }
    panel.series.push_back(std::move(series));
  }
  if (!curve.empty()) {
    optimise::svg::Series target;
    target.label = "target";
    target.colour = "#999999";
    target.style = optimise::svg::Style::line;
    target.x = {double(curve.front().labels), double(curve.back().labels)};
    target.y = {s.target_meV, s.target_meV};
    panel.series.push_back(std::move(target));
  }
  optimise::svg::write((dir / "phase_errors.svg").string(), {panel});
  nlohmann::json summary = {{"target_meV", s.target_meV}, {"copies", s.copies}, {"rattle", s.rattle}};
  for (const auto& [name, labels] : phase_crossings(curve, s))
    summary["crossed_at_labels"][name] = labels ? nlohmann::json(*labels) : nlohmann::json(nullptr);
  if (!curve.empty()) summary["last"] = phase_errors_json(curve.back().errors);
  std::ofstream(dir / "phase_errors.json") << summary.dump(1) << "\n";
}

}  // namespace pestle::explore
