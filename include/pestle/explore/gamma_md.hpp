#pragma once
// The γ-driven MD stage of the exploration loop (docs/exploration.md "γ-driven MD"), the active-learning
// step of device-scale ACE work: MD with the current model from the iteration's lowest RSS minima and
// from fresh random (hard-sphere) cells, heated along a ramp; every `check_every` steps the largest
// extrapolation grade γ of the frame (MaxVol over the training atoms, runtime/grader.hpp) decides:
//   γ_max > γ_high               the run stops: the model is lost there, later frames would be unphysical;
//   γ_low <= γ_max <= γ_high     the frame is a candidate for labelling (the model extrapolates, mildly);
//   γ_max < γ_low                the model knows this region; nothing to learn.
// The candidates of all runs are reduced to `select` frames by CUR on their averaged SOAP vectors
// (the loop's selection descriptor), so that the labelled frames are as different as possible.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tbb/parallel_for.h>

#include "pestle/core/error.hpp"
#include "pestle/descriptors/soap.hpp"
#include "pestle/dynamics/md.hpp"
#include "pestle/explore/selection.hpp"
#include "pestle/runtime/calculator.hpp"
#include "pestle/runtime/grader.hpp"

namespace pestle::explore {

struct GammaMdSettings {
  std::size_t runs = 0;             ///< MD runs per iteration from the lowest RSS minima (0 and no random starts: off)
  std::size_t random_starts = 0;    ///< more runs from unrelaxed random cells of the loop's generator
  std::size_t start_iteration = 1;  ///< the first iteration with an MD stage (it needs a fitted model)
  double t_start = 300.0;           ///< K, the ramp's first target temperature
  double t_end = 2000.0;            ///< K, its last
  std::size_t steps = 2000;         ///< per run
  double timestep = 1.0;            ///< fs
  double friction = 0.02;           ///< 1/fs, Langevin
  std::size_t check_every = 20;     ///< steps between γ checks (and candidate frames)
  double gamma_low = 1.5;
  double gamma_high = 5.0;
  std::size_t select = 5;           ///< candidates labelled per iteration
  /// NPT: an isotropic Berendsen barostat towards this pressure (GPa) with time constant barostat_tau (fs)
  /// and compressibility 1/bulk_modulus_gpa; off (NVT) when unset. Cells that may melt or change phase
  /// on the ramp keep their density only under NVT, which is why both exist.
  std::optional<double> pressure_gpa;
  double barostat_tau = 500.0;      ///< fs
  double bulk_modulus_gpa = 100.0;  ///< of the material, for the barostat's compressibility

  bool enabled() const noexcept { return runs + random_starts > 0; }

  void validate() const {
    if (!enabled()) return;
    auto bad = [](const std::string& m) { throw InputError("\"md\": " + m); };
    if (!(t_start > 0.0) || !(t_end > 0.0) || !std::isfinite(t_start) || !std::isfinite(t_end))
      bad("t_start and t_end must be positive (K)");
    if (steps == 0 || check_every == 0 || check_every > steps) bad("need 1 <= check_every <= steps");
    if (!(timestep > 0.0) || timestep > 10.0) bad("timestep must lie in (0, 10] fs");
    if (!(friction > 0.0) || !std::isfinite(friction)) bad("friction must be positive (1/fs)");
    if (!(gamma_low >= 1.0) || !(gamma_high > gamma_low) || !std::isfinite(gamma_high))
      bad("need 1 <= gamma_low < gamma_high (gamma <= 1 is interpolation)");
    if (select == 0) bad("select must be at least 1");
    if (start_iteration == 0) bad("start_iteration must be at least 1 (iteration 0 has no model yet)");
    if (pressure_gpa && (!std::isfinite(*pressure_gpa) || !(barostat_tau > 0.0) || !(bulk_modulus_gpa > 0.0)))
      bad("pressure must be finite, barostat_tau and bulk_modulus positive");
  }
};

/// One MD run of the stage.
struct GammaMdRun {
  std::size_t checks = 0;       ///< γ checks made
  double max_gamma = 0.0;       ///< largest γ seen
  bool stopped = false;         ///< ended early: γ above γ_high, or the model failed (failure says which)
  std::string failure;
  std::vector<Structure> candidates;  ///< frames with γ_low <= γ_max <= γ_high
  std::vector<double> candidate_gamma;
};

struct GammaMdOutcome {
  std::vector<GammaMdRun> runs;
  std::vector<Structure> selected;     ///< to be labelled
  std::vector<double> selected_gamma;
  std::size_t candidates = 0;
  std::size_t stopped = 0;             ///< runs that ended above γ_high or failed
  double max_gamma = 0.0;
};

namespace detail::gamma_md {

/// Target temperature after `done` of `steps` steps of the linear ramp.
inline double ramp_temperature(const GammaMdSettings& o, std::size_t done) {
  return o.t_start + (o.t_end - o.t_start) * static_cast<double>(done) / static_cast<double>(o.steps);
}

}  // namespace detail::gamma_md

/// One run from `start`, its Langevin target temperature following the ramp, checked every check_every steps.
inline GammaMdRun gamma_md_run(const runtime::Calculator& calc, const runtime::Grader& grader, const Structure& start,
                               const GammaMdSettings& o, std::uint64_t seed) {
  GammaMdRun r;
  try {
    MdOptions md_options;
    md_options.timestep = o.timestep;
    md_options.thermostat = LangevinThermostat{o.t_start, o.friction, seed};
    if (o.pressure_gpa)
      md_options.barostat = BerendsenBarostat{*o.pressure_gpa / units::gpa_per_ev_a3, o.barostat_tau,
                                              units::gpa_per_ev_a3 / o.bulk_modulus_gpa};
    MolecularDynamics<runtime::Calculator> md(calc, start, md_options);
    md.initialise_velocities(o.t_start, seed ^ 0x5bd1e995ULL);
    for (std::size_t done = 0; done < o.steps;) {
      const std::size_t chunk = std::min(o.check_every, o.steps - done);
      md.set_thermostat_temperature(detail::gamma_md::ramp_temperature(o, done + chunk));
      md.run(chunk, 0);
      done += chunk;
      const double g = grader.max_grade(md.structure());
      ++r.checks;
      r.max_gamma = std::max(r.max_gamma, g);
      if (g > o.gamma_high) {
        r.stopped = true;
        r.failure = "gamma " + std::to_string(g) + " above gamma_high";
        return r;
      }
      if (g >= o.gamma_low) {
        r.candidates.push_back(md.structure());
        r.candidate_gamma.push_back(g);
      }
    }
  } catch (const Error& e) {
    r.stopped = true;
    r.failure = e.what();
  }
  return r;
}

/// The stage: one run per start (in parallel, each with its own seed, so a run does not depend on how the
/// runs are scheduled, up to the round-off of parallel force sums), then CUR over the candidates'
/// averaged SOAP vectors. The loop saves the chosen frames, so a resumed iteration labels the same ones.
inline GammaMdOutcome gamma_md_stage(const runtime::Calculator& calc, const runtime::Grader& grader,
                                     const std::vector<Structure>& starts, const GammaMdSettings& o, const Soap<>& soap,
                                     std::uint64_t seed) {
  o.validate();
  GammaMdOutcome out;
  out.runs.resize(starts.size());
  tbb::parallel_for(std::size_t{0}, starts.size(), [&](std::size_t k) {
    out.runs[k] = gamma_md_run(calc, grader, starts[k], o, seed * 1000003ULL + k);
  });
  std::vector<Structure> pool;
  std::vector<double> pool_gamma;
  for (GammaMdRun& run : out.runs) {
    out.max_gamma = std::max(out.max_gamma, run.max_gamma);
    out.stopped += run.stopped ? 1 : 0;
    for (std::size_t i = 0; i < run.candidates.size(); ++i) {
      pool.push_back(std::move(run.candidates[i]));
      pool_gamma.push_back(run.candidate_gamma[i]);
    }
    run.candidates.clear();
  }
  out.candidates = pool.size();
  if (pool.empty()) return out;
  std::vector<std::size_t> chosen;
  if (pool.size() <= o.select) {
    for (std::size_t i = 0; i < pool.size(); ++i) chosen.push_back(i);
  } else {
    chosen = cur_select(average_soap_matrix(soap, pool), o.select);
  }
  for (std::size_t i : chosen) {
    out.selected.push_back(pool[i]);
    out.selected_gamma.push_back(pool_gamma[i]);
  }
  return out;
}

}  // namespace pestle::explore
