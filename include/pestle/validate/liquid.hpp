#pragma once
// Structure of liquids and glasses from snapshots: the radial distribution function g(r), the
// bond-angle distribution, coordination numbers, and a melt–quench protocol (heat, hold, quench at a
// given rate, hold) driven by Langevin dynamics (dynamics/md.hpp). Formulas: docs/validation.md.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "pestle/dynamics/md.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
#include "pestle/validate/common.hpp"

namespace pestle::validate {

struct Histogram {
  std::vector<double> x;  ///< bin centres
  std::vector<double> y;
};

/// g(r) = n(r) / (N ρ 4π/3 (r₂³ − r₁³)) averaged over frames, for r < r_max in `bins` bins; each
/// frame must be fully periodic (ρ = N/V).
inline Histogram radial_distribution(const std::vector<Structure>& frames, double r_max, int bins = 100) {
  if (frames.empty()) throw InputError("RDF: no frames");
  if (!(r_max > 0) || bins < 1) throw InputError("RDF: r_max must be positive and bins >= 1");
  const double dr = r_max / bins;
  std::vector<double> acc(std::size_t(bins), 0.0);
  for (const Structure& s : frames) {
    if (!(s.pbc[0] && s.pbc[1] && s.pbc[2])) throw InputError("RDF: frames must be periodic along all three axes");
    NeighbourOptions opt;
    opt.cutoff = r_max;
    const NeighbourList nl = build_neighbour_list(s, opt);
    const double n = double(s.size()), rho = n / s.volume();
    for (std::size_t e = 0; e < nl.index.size(); ++e) {
      const auto b = std::size_t(nl.displacement[e].norm() / dr);
      if (b < acc.size()) acc[b] += 1.0 / (n * rho);
    }
  }
  Histogram h;
  for (int b = 0; b < bins; ++b) {
    const double r1 = b * dr, r2 = r1 + dr;
    h.x.push_back(r1 + 0.5 * dr);
    h.y.push_back(acc[std::size_t(b)] / (double(frames.size()) * 4.0 * std::numbers::pi / 3.0 * (r2 * r2 * r2 - r1 * r1 * r1)));
  }
  return h;
}

/// Number of neighbours within r_cut of every atom of s.
inline std::vector<int> coordination_numbers(const Structure& s, double r_cut) {
  NeighbourOptions opt;
  opt.cutoff = r_cut;
  const NeighbourList nl = build_neighbour_list(s, opt);
  std::vector<int> c(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) c[i] = int(nl.end(i) - nl.begin(i));
  return c;
}

/// Mean coordination over the atoms of all frames.
inline double mean_coordination(const std::vector<Structure>& frames, double r_cut) {
  double sum = 0.0, count = 0.0;
  for (const Structure& s : frames)
    for (int c : coordination_numbers(s, r_cut)) sum += c, count += 1.0;
  if (count == 0) throw InputError("coordination: no atoms");
  return sum / count;
}

/// Distribution of the angles j–i–k (degrees, 0–180) between pairs of neighbours of every atom
/// within r_cut, normalised to unit area.
inline Histogram bond_angle_distribution(const std::vector<Structure>& frames, double r_cut, int bins = 90) {
  if (bins < 1 || !(r_cut > 0)) throw InputError("bond angles: r_cut must be positive and bins >= 1");
  std::vector<double> acc(std::size_t(bins), 0.0);
  double total = 0.0;
  const double width = 180.0 / bins;
  for (const Structure& s : frames) {
    NeighbourOptions opt;
    opt.cutoff = r_cut;
    const NeighbourList nl = build_neighbour_list(s, opt);
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t a = nl.begin(i); a < nl.end(i); ++a)
        for (std::size_t b = a + 1; b < nl.end(i); ++b) {
          const Vec3 &u = nl.displacement[a], &v = nl.displacement[b];
          const double c = std::clamp(u.dot(v) / (u.norm() * v.norm()), -1.0, 1.0);
          const auto k = std::min(std::size_t(std::acos(c) * 180.0 / std::numbers::pi / width), acc.size() - 1);
          acc[k] += 1.0, total += 1.0;
        }
  }
  Histogram h;
  for (int b = 0; b < bins; ++b) {
    h.x.push_back((b + 0.5) * width);
    h.y.push_back(total > 0 ? acc[std::size_t(b)] / (total * width) : 0.0);
  }
  return h;
}

struct MeltQuenchOptions {
  double t_start = 300.0;          ///< K
  double t_melt = 3000.0;          ///< K
  double t_end = 300.0;            ///< K
  std::size_t heat_steps = 1000;   ///< linear ramp t_start → t_melt
  std::size_t hold_steps = 1000;   ///< at t_melt
  double quench_rate = 1e14;       ///< K/s: t_melt → t_end takes (t_melt − t_end)/rate
  std::size_t final_hold_steps = 500;
  double timestep = 1.0;           ///< fs
  double friction = 0.01;          ///< 1/fs, Langevin
  std::size_t ramp_chunk = 10;     ///< steps per temperature increment of a ramp
  std::size_t sample_every = 50;   ///< snapshots of the final hold kept for the analysis
  std::uint64_t seed = 1;
};

struct MeltQuenchResult {
  Structure final;
  std::vector<Structure> snapshots;  ///< from the final hold
  std::vector<MdStep> log;           ///< one entry per chunk
  std::size_t quench_steps = 0;
};

/// Heat, hold, quench at a rate, hold; each stage is Langevin MD at a (piecewise constant) target temperature.
/// Every chunk is a new MolecularDynamics (the thermostat's target is fixed per object), which costs one
/// extra force evaluation per ramp_chunk steps; velocities carry over.
template <Calculator C>
MeltQuenchResult melt_quench(const C& calc, const Structure& start, const MeltQuenchOptions& o, const Progress& progress = {}) {
  if (!(o.quench_rate > 0) || o.ramp_chunk == 0 || o.sample_every == 0) throw InputError("melt-quench: quench_rate, ramp_chunk and sample_every must be positive");
  MeltQuenchResult out;
  out.quench_steps = std::size_t(std::llround(std::abs(o.t_melt - o.t_end) / o.quench_rate * 1e15 / o.timestep));
  Structure s = start;
  std::vector<Vec3> v;
  std::uint64_t seed = o.seed;
  std::size_t done = 0;
  const auto segment = [&](double temperature, std::size_t steps, bool sample) {
    MdOptions mo;
    mo.timestep = o.timestep;
    mo.thermostat = LangevinThermostat{temperature, o.friction, ++seed};
    MolecularDynamics<C> md(calc, s, mo);
    if (v.empty()) md.initialise_velocities(o.t_start, o.seed);
    else md.set_velocities(v);
    for (std::size_t k = 0; k < steps; ++k) {
      md.step();
      if (sample && (done + k + 1) % o.sample_every == 0) out.snapshots.push_back(md.structure());
    }
    done += steps;
    out.log.push_back(md.state());
    s = md.structure();
    v = md.velocities();
  };
  const auto ramp = [&](double t0, double t1, std::size_t steps, const std::string& what) {
    for (std::size_t k = 0; k < steps; k += o.ramp_chunk) {
      const std::size_t n = std::min(o.ramp_chunk, steps - k);
      segment(t0 + (t1 - t0) * double(k + n) / double(steps), n, false);
    }
    report(progress, what + " done (" + std::to_string(steps) + " steps)");
  };
  ramp(o.t_start, o.t_melt, o.heat_steps, "heat");
  if (o.hold_steps) segment(o.t_melt, o.hold_steps, false);
  report(progress, "hold at " + std::to_string(int(o.t_melt)) + " K done");
  ramp(o.t_melt, o.t_end, out.quench_steps, "quench");
  if (o.final_hold_steps) segment(o.t_end, o.final_hold_steps, true);
  if (out.snapshots.empty()) out.snapshots.push_back(s);
  out.final = s;
  return out;
}

}  // namespace pestle::validate
