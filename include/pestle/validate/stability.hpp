#pragma once
// MD stability at high temperature: a Langevin run followed by an NVE run, reporting
//   lost atoms        atoms with no neighbour within `lost_distance` (flown off into vacuum or space),
//   overlapping pairs atom pairs closer than `overlap_distance`,
//   energy drift      slope of the NVE total energy by least squares, eV/atom/ps,
//   extrapolation     the model's own indicator where it has one (largest GAP predictive variance
//                     over the atoms of the final frame); for SNAP/qSNAP and pestle's linear and
//                     nonlinear ACE the MaxVol extrapolation grade γ (models/extrapolation_grade.hpp,
//                     runtime/grader.hpp) when an active set from training data is given.
// A run that throws (non-finite forces, atoms on top of each other) is reported as failed, not rethrown.
#include <cmath>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "pestle/dynamics/md.hpp"
#include "pestle/models/gap.hpp"
#include "pestle/models/snap.hpp"
#include "pestle/runtime/grader.hpp"
#include "pestle/runtime/model.hpp"
#include "pestle/models/extrapolation_grade.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
#include "pestle/validate/common.hpp"

namespace pestle::validate {

struct StabilityOptions {
  double temperature = 1500.0;   ///< K
  std::size_t thermalise_steps = 200;
  std::size_t nve_steps = 200;
  double timestep = 1.0;         ///< fs
  double friction = 0.02;        ///< 1/fs
  double overlap_distance = 1.0; ///< Å
  double lost_distance = 0.0;    ///< Å; 0 = the potential's cutoff
  std::uint64_t seed = 7;
};

struct StabilityResult {
  bool completed = false;        ///< ran all steps without an exception
  std::string failure;           ///< the exception's message when not completed
  std::size_t lost_atoms = 0;
  std::size_t overlapping_pairs = 0;
  double min_distance = 0.0;     ///< Å, shortest interatomic distance of the final frame
  double drift = 0.0;            ///< eV/atom/ps during NVE
  double mean_temperature = 0.0; ///< K during NVE
  std::optional<double> extrapolation;  ///< largest per-atom indicator of the final frame
  std::string extrapolation_kind;       ///< "gap variance (eV²)" or "not available for <type>"
  Structure final;
};

/// Whether the model behind calc can have a MaxVol grade (SNAP/qSNAP, ACE) given training data.
inline bool has_linear_view(const runtime::Calculator& calc) {
  return calc.as<AnyPotential>() != nullptr || calc.name() == "ace";
}

/// The model's own extrapolation indicator of s, largest over atoms: GAP predictive variance, or the
/// MaxVol grade when `graded` is given; nullopt for models without one.
template <class C>
std::optional<double> extrapolation_indicator(const C& calc, const Structure& s, std::string& kind,
                                              const runtime::Grader* graded = nullptr) {
  if constexpr (std::is_base_of_v<runtime::Calculator, C>) {
    if (const auto* gap = calc.template as<GapPotential>()) {
      kind = "GAP predictive variance (eV^2), largest over atoms";
      double m = 0.0;
      for (double v : gap->local_variance(s)) m = std::max(m, v);
      return m;
    }
    if (graded != nullptr) {
      kind = "MaxVol extrapolation grade (largest over atoms; <= 1 interpolation, > 1 extrapolation)";
      return graded->max_grade(s);
    }
    if (has_linear_view(calc)) {
      kind = "not available: the MaxVol grade of a " + calc.name() + " model needs training data (tests.stability.training)";
      return std::nullopt;
    }
    kind = "not available for a " + calc.name() + " model";
  } else {
    kind = "not available for this calculator";
  }
  return std::nullopt;
}

/// Counts lost atoms and overlapping pairs of s.
inline void count_damage(const Structure& s, double lost_distance, double overlap_distance, StabilityResult& r) {
  NeighbourOptions opt;
  opt.cutoff = std::max(lost_distance, overlap_distance);
  opt.overlap_distance = 1e-12;
  const NeighbourList nl = build_neighbour_list(s, opt);
  r.lost_atoms = r.overlapping_pairs = 0;
  r.min_distance = 1e300;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool has_neighbour = false;
    for (std::size_t e = nl.begin(i); e < nl.end(i); ++e) {
      const double d = nl.displacement[e].norm();
      r.min_distance = std::min(r.min_distance, d);
      has_neighbour = has_neighbour || d <= lost_distance;
      if (d < overlap_distance && i < std::size_t(nl.index[e])) ++r.overlapping_pairs;
    }
    if (!has_neighbour) ++r.lost_atoms;
  }
}

template <Calculator C>
StabilityResult stability_run(const C& calc, const Structure& start, const StabilityOptions& o, const Progress& progress = {},
                              const runtime::Grader* graded = nullptr) {
  if (o.nve_steps < 2) throw InputError("stability: nve_steps must be >= 2");
  StabilityResult r;
  r.final = start;
  try {
    MdOptions hot;
    hot.timestep = o.timestep;
    hot.thermostat = LangevinThermostat{o.temperature, o.friction, o.seed};
    MolecularDynamics<C> md(calc, start, hot);
    md.initialise_velocities(o.temperature, o.seed);
    md.run(o.thermalise_steps, 0);
    report(progress, "thermalised at " + std::to_string(int(o.temperature)) + " K");
    MdOptions nve;
    nve.timestep = o.timestep;
    MolecularDynamics<C> md2(calc, md.structure(), nve);
    md2.set_velocities(md.velocities());
    const std::vector<MdStep> log = md2.run(o.nve_steps, 1);
    // least-squares slope of E(t)
    double st = 0, se = 0, stt = 0, ste = 0, temp = 0;
    const double n = double(log.size());
    for (const MdStep& m : log) {
      const double t = m.time * 1e-3, e = m.conserved;  // ps
      st += t, se += e, stt += t * t, ste += t * e, temp += m.temperature;
    }
    r.drift = (n * ste - st * se) / (n * stt - st * st) / double(start.size());
    r.mean_temperature = temp / n;
    r.final = md2.structure();
    r.completed = true;
    report(progress, "NVE run done");
  } catch (const Error& e) {
    r.failure = e.what();
  }
  const double lost = o.lost_distance > 0 ? o.lost_distance : calc.cutoff();
  if (r.completed) {
    count_damage(r.final, lost, o.overlap_distance, r);
    r.extrapolation = extrapolation_indicator(calc, r.final, r.extrapolation_kind, graded);
  }
  return r;
}

}  // namespace pestle::validate
