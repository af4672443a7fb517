#pragma once
// Survival test (docs/validation.md, "Survival test"; the robustness protocol of device-scale ACE work,
// ../shared/notes/field-facts.md): runs of hot MD from hard-sphere random starts in a cubic box; a run
// survives when it reaches its length without an unphysical collapse:
//   collapse     two atoms closer than `collapse_distance` (default: half the hard-sphere diameter),
//   non-finite   an energy or force that is NaN or infinite (the MD stops with an error),
//   runaway γ    with an active set, an extrapolation grade above `gamma_limit`.
// The score is the fraction of runs that survive. Runs are independent (own seed each) and run in
// parallel; every check (each `check_every` steps) reports progress.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tbb/parallel_for.h>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/dynamics/md.hpp"
#include "pestle/explore/random_structures.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
#include "pestle/runtime/calculator.hpp"
#include "pestle/validate/common.hpp"
#include "pestle/validate/stability.hpp"

namespace pestle::validate {

struct SurvivalOptions {
  std::map<int, int> composition{{14, 1}};  ///< atoms of each element per formula unit
  std::size_t atoms = 1000;                 ///< atoms per run (a whole number of formula units)
  double volume_per_atom = 20.0;            ///< Å³, sets the cubic box
  double hard_sphere = 2.0;                 ///< Å, smallest separation of the random start
  double temperature = 3000.0;              ///< K (Langevin)
  double picoseconds = 500.0;               ///< length of each run
  double timestep = 1.0;                    ///< fs
  double friction = 0.01;                   ///< 1/fs
  std::size_t runs = 10;
  double collapse_distance = 0.0;           ///< Å; 0: half of hard_sphere
  double gamma_limit = 0.0;                 ///< > 0 and an active set given: γ above it ends a run
  std::size_t check_every = 100;            ///< MD steps between checks
  std::uint64_t seed = 1;

  double collapse() const { return collapse_distance > 0.0 ? collapse_distance : 0.5 * hard_sphere; }
  std::size_t steps() const { return static_cast<std::size_t>(std::llround(picoseconds * 1000.0 / timestep)); }

  void validate() const {
    auto bad = [](const std::string& what) { throw InputError("survival test: " + what); };
    if (runs < 1) bad("needs at least one run");
    if (atoms < 2) bad("needs at least two atoms");
    if (!(temperature > 0.0) || !std::isfinite(temperature)) bad("the temperature must be positive");
    if (!(picoseconds > 0.0) || !(timestep > 0.0)) bad("the run length and time step must be positive");
    if (!(hard_sphere > 0.0) || !(volume_per_atom > 0.0)) bad("the hard-sphere diameter and volume per atom must be positive");
    if (check_every < 1) bad("check_every must be at least 1");
    if (collapse() >= hard_sphere) bad("the collapse distance must be below the hard-sphere diameter");
    int per_unit = 0;
    for (const auto& [z, n] : composition) {
      if (!is_atomic_number(z) || n < 1) bad("the composition needs known elements with at least one atom each");
      per_unit += n;
    }
    if (per_unit == 0 || atoms % std::size_t(per_unit) != 0)
      bad(std::to_string(atoms) + " atoms are not a whole number of formula units of " + std::to_string(per_unit));
    // random close packing of spheres of diameter d fills at most ~64 % of space; far below that the
    // sequential placement still finds room
    const double sphere = std::numbers::pi / 6.0 * hard_sphere * hard_sphere * hard_sphere;
    if (sphere / volume_per_atom > 0.45)
      bad("hard spheres of " + std::to_string(hard_sphere) + " A fill " + std::to_string(int(100 * sphere / volume_per_atom)) +
          " % of " + std::to_string(volume_per_atom) + " A^3 per atom: more than the 45 % a random start can reach; "
          "lower hard_sphere or raise volume_per_atom");
  }
};

struct SurvivalRun {
  std::size_t run = 0;
  bool survived = false;
  std::string failure;               ///< why it ended early ("" when it survived)
  double time_ps = 0.0;              ///< simulated time reached
  double min_distance = 0.0;         ///< Å, shortest pair distance seen at the checks (at most hard_sphere: closer pairs only are searched)
  std::optional<double> max_gamma;   ///< largest γ seen at the checks (with an active set)
};

struct SurvivalReport {
  std::vector<SurvivalRun> runs;
  double fraction() const {
    if (runs.empty()) return 0.0;
    return double(std::count_if(runs.begin(), runs.end(), [](const SurvivalRun& r) { return r.survived; })) / double(runs.size());
  }
};

/// The random start of run k: `atoms` atoms, no two closer than hard_sphere, in a cube of
/// atoms × volume_per_atom.
inline Structure hard_sphere_start(const SurvivalOptions& o, std::size_t k) {
  explore::RandomStructureParams p;
  p.composition = o.composition;
  p.min_atoms = p.max_atoms = int(o.atoms);
  p.volume_per_atom = o.volume_per_atom;
  p.volume_spread = 0.0;
  p.min_separation = o.hard_sphere;
  p.min_angle = p.max_angle = 90.0;
  p.max_aspect = 1.0;
  return explore::RandomStructureGenerator({p}, o.seed).generate(k);
}

namespace detail {
/// Shortest pair distance of s below `cutoff`, or `cutoff` when no pair is that close.
inline double shortest_pair(const Structure& s, double cutoff) {
  NeighbourOptions opt;
  opt.cutoff = cutoff;
  opt.overlap_distance = 1e-12;  // report overlapping atoms as a distance, never throw
  const NeighbourList nl = build_neighbour_list(s, opt);
  double d = cutoff;
  for (std::size_t e = 0; e < nl.index.size(); ++e) d = std::min(d, nl.displacement[e].norm());
  return d;
}
}  // namespace detail

/// One run: Langevin MD at the temperature from run k's hard-sphere start, checked every check_every steps.
inline SurvivalRun survival_run(const runtime::Calculator& calc, const SurvivalOptions& o, std::size_t k,
                                const runtime::Grader* graded = nullptr, const Progress& progress = {}) {
  SurvivalRun r;
  r.run = k;
  const Structure start = hard_sphere_start(o, k);
  r.min_distance = detail::shortest_pair(start, o.hard_sphere);
  const double cutoff = std::max(o.hard_sphere, o.collapse());
  try {
    MdOptions md_options;
    md_options.timestep = o.timestep;
    md_options.thermostat = LangevinThermostat{o.temperature, o.friction, o.seed * 7919 + k};
    MolecularDynamics<runtime::Calculator> md(calc, start, md_options);
    md.initialise_velocities(o.temperature, o.seed * 104729 + k);
    const std::size_t steps = o.steps();
    for (std::size_t done = 0; done < steps;) {
      const std::size_t chunk = std::min(o.check_every, steps - done);
      md.run(chunk, 0);
      done += chunk;
      r.time_ps = double(done) * o.timestep * 1e-3;
      const double d = detail::shortest_pair(md.structure(), cutoff);
      r.min_distance = std::min(r.min_distance, d);
      if (d < o.collapse()) {
        r.failure = "collapse: two atoms " + std::to_string(d) + " A apart";
        return r;
      }
      if (graded != nullptr) {
        const double g = graded->max_grade(md.structure());
        r.max_gamma = std::max(r.max_gamma.value_or(0.0), g);
        if (o.gamma_limit > 0.0 && g > o.gamma_limit) {
          r.failure = "extrapolation grade " + std::to_string(g) + " above " + std::to_string(o.gamma_limit);
          return r;
        }
      }
      report(progress, "run " + std::to_string(k) + ": " + std::to_string(r.time_ps) + " ps, shortest distance " +
                           std::to_string(d) + " A");
    }
    r.survived = true;
  } catch (const Error& e) {
    r.failure = std::string("stopped: ") + e.what();
  }
  return r;
}

/// All runs, in parallel; progress messages are serialised.
inline SurvivalReport survival_test(const runtime::Calculator& calc, const SurvivalOptions& o,
                                    const runtime::Grader* graded = nullptr, const Progress& progress = {}) {
  o.validate();
  SurvivalReport report_;
  report_.runs.resize(o.runs);
  std::mutex lock;
  const Progress serialised = [&](const std::string& m) {
    const std::lock_guard<std::mutex> guard(lock);
    report(progress, m);
  };
  tbb::parallel_for(std::size_t(0), o.runs, [&](std::size_t k) {
    report_.runs[k] = survival_run(calc, o, k, graded, serialised);
    serialised("run " + std::to_string(k) + (report_.runs[k].survived ? " survived" : " failed: " + report_.runs[k].failure));
  });
  return report_;
}

inline nlohmann::json survival_to_json(const SurvivalReport& r, const SurvivalOptions& o, const std::string& model) {
  nlohmann::json composition = nlohmann::json::object();
  for (const auto& [z, n] : o.composition) composition[std::string(element_symbol(z))] = n;
  nlohmann::json runs = nlohmann::json::array();
  for (const SurvivalRun& run : r.runs)
    runs.push_back({{"run", run.run}, {"survived", run.survived}, {"failure", run.failure}, {"time_ps", run.time_ps},
                    {"min_distance", run.min_distance},
                    {"max_gamma", run.max_gamma ? nlohmann::json(*run.max_gamma) : nlohmann::json(nullptr)}});
  return {{"model", model},
          {"settings",
           {{"composition", composition}, {"atoms", o.atoms}, {"volume_per_atom", o.volume_per_atom},
            {"hard_sphere", o.hard_sphere}, {"temperature", o.temperature}, {"picoseconds", o.picoseconds},
            {"timestep", o.timestep}, {"friction", o.friction}, {"collapse_distance", o.collapse()},
            {"gamma_limit", o.gamma_limit}, {"check_every", o.check_every}, {"seed", o.seed}}},
          {"survived", r.fraction()},
          {"runs", runs}};
}

namespace detail {
/// A number with 4 significant digits, for the Markdown report.
inline std::string survival_number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return buffer;
}
}  // namespace detail

inline std::string survival_markdown(const SurvivalReport& r, const SurvivalOptions& o, const std::string& model) {
  using detail::survival_number;
  std::string md = "# Survival test of " + model + "\n\n" + std::to_string(o.runs) + " runs of " + std::to_string(o.atoms) +
                   " atoms from hard-sphere random starts (" + survival_number(o.hard_sphere) + " A, " +
                   survival_number(o.volume_per_atom) + " A^3/atom), " + survival_number(o.temperature) + " K, " +
                   survival_number(o.picoseconds) + " ps; collapse below " + survival_number(o.collapse()) +
                   " A.\n\n**Survived: " + std::to_string(int(std::lround(100 * r.fraction()))) +
                   " %**\n\n| run | survived | time (ps) | shortest distance (A) | max gamma | failure |\n|---|---|---|---|---|---|\n";
  for (const SurvivalRun& run : r.runs)
    md += "| " + std::to_string(run.run) + " | " + (run.survived ? "yes" : "no") + " | " + survival_number(run.time_ps) + " | " +
          survival_number(run.min_distance) + " | " + (run.max_gamma ? survival_number(*run.max_gamma) : "-") + " | " +
          run.failure + " |\n";
  return md;
}

}  // namespace pestle::validate
