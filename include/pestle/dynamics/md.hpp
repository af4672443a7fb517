#pragma once
// Molecular dynamics with any Calculator: velocity Verlet (NVE), Langevin (BAOAB splitting),
// Berendsen or Nosé–Hoover thermostat, and an optional isotropic Berendsen barostat.
// Units: fs, Å, eV, amu, K; velocities in Å/fs; pressure in eV/Å³. Formulas and references:
// docs/dynamics.md.
//
//   MolecularDynamics md(calc, structure, {.timestep = 1.0, .thermostat = LangevinThermostat{300, 0.01}});
//   md.initialise_velocities(300.0, /*seed*/ 1);
//   for (const MdStep& s : md.run(1000, /*record every*/ 10)) ...;
//
// Every step evaluates the calculator once. Runs are reproducible: the only randomness (initial
// velocities, Langevin noise) comes from engines seeded explicitly.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <type_traits>
#include <vector>

#include "pestle/dynamics/common.hpp"

namespace pestle {

/// Langevin dynamics at `temperature` (K) with friction γ (1/fs), noise seeded by `seed`.
struct LangevinThermostat {
  double temperature = 300.0;
  double friction = 0.01;
  std::uint64_t seed = 0;
};
/// Berendsen velocity rescaling towards `temperature` (K) with time constant tau (fs).
struct BerendsenThermostat {
  double temperature = 300.0;
  double tau = 100.0;
};
/// Nosé–Hoover thermostat (one thermostat variable) at `temperature` (K), period tau (fs).
struct NoseHooverThermostat {
  double temperature = 300.0;
  double tau = 100.0;
};
/// No thermostat: NVE.
struct NoThermostat {};
using Thermostat = std::variant<NoThermostat, LangevinThermostat, BerendsenThermostat, NoseHooverThermostat>;

/// Isotropic Berendsen barostat towards `pressure` (eV/Å³) with time constant tau (fs) and the
/// material's isothermal compressibility (Å³/eV; 1/B, e.g. ≈1.6 for Si with B ≈ 98 GPa).
struct BerendsenBarostat {
  double pressure = 0.0;
  double tau = 1000.0;
  double compressibility = 1.0;
};

struct MdOptions {
  double timestep = 1.0;  ///< fs
  Thermostat thermostat = NoThermostat{};
  std::optional<BerendsenBarostat> barostat = std::nullopt;
  std::string trajectory = {};       ///< extended-XYZ file ("" = none)
  std::size_t trajectory_every = 0;  ///< write every k-th step (0 = never)

  void validate() const {
    if (!(timestep > 0.0) || !std::isfinite(timestep)) throw InputError("MD time step must be positive and finite");
    std::visit(
        [](const auto& t) {
          using T = std::decay_t<decltype(t)>;
          if constexpr (!std::is_same_v<T, NoThermostat>) {
            if (!(t.temperature >= 0.0) || !std::isfinite(t.temperature))
              throw InputError("thermostat temperature must be non-negative and finite");
          }
          if constexpr (std::is_same_v<T, LangevinThermostat>) {
            if (!(t.friction > 0.0) || !std::isfinite(t.friction)) throw InputError("Langevin friction must be positive");
          }
          if constexpr (std::is_same_v<T, BerendsenThermostat> || std::is_same_v<T, NoseHooverThermostat>) {
            if (!(t.tau > 0.0) || !std::isfinite(t.tau)) throw InputError("thermostat tau must be positive");
          }
        },
        thermostat);
    if (barostat && (!(barostat->tau > 0.0) || !(barostat->compressibility > 0.0) || !std::isfinite(barostat->pressure)))
      throw InputError("barostat: tau and compressibility must be positive, pressure finite");
  }
};

/// What one step of MD looked like.
struct MdStep {
  std::size_t step = 0;
  double time = 0.0;         ///< fs
  double potential = 0.0;    ///< eV
  double kinetic = 0.0;      ///< eV
  double temperature = 0.0;  ///< K
  double pressure = 0.0;     ///< eV/Å³ (virial + kinetic); 0 without a stress
  double volume = 0.0;       ///< Å³ (0 without a cell)
  double conserved = 0.0;    ///< eV: total energy plus the energy the thermostat/barostat took out
};

template <Calculator C>
class MolecularDynamics {
 public:
  MolecularDynamics(const C& calc, Structure s, MdOptions options = {})
      : calc_(calc), o_(std::move(options)), s_(std::move(s)), traj_(o_.trajectory, o_.trajectory_every) {
    o_.validate();
    s_.validate();
    if (s_.empty()) throw InputError("cannot run MD without atoms");
    if (o_.barostat && !(s_.pbc[0] && s_.pbc[1] && s_.pbc[2]))
      throw InputError("the barostat needs a structure periodic along all three axes");
    masses_ = masses_of(s_);
    v_.assign(s_.size(), Vec3::Zero());
    if (const auto* l = std::get_if<LangevinThermostat>(&o_.thermostat)) rng_.seed(l->seed);
    r_ = evaluate(calc_, s_);
    if (o_.barostat && !r_.stress) throw InputError("the barostat needs a calculator that returns the stress");
  }

  /// Maxwell–Boltzmann velocities at temperature T (K) from `seed`, without centre-of-mass
  /// motion, scaled to exactly T.
  void initialise_velocities(double temperature, std::uint64_t seed) {
    if (!(temperature >= 0.0) || !std::isfinite(temperature)) throw InputError("temperature must be non-negative");
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (std::size_t i = 0; i < v_.size(); ++i) {
      const double width = std::sqrt(units::boltzmann * temperature / (masses_[i] * units::amu_a2_per_fs2));
      for (int a = 0; a < 3; ++a) v_[i][a] = width * normal(rng);
    }
    remove_centre_of_mass_motion();
    const double t = current_temperature();
    if (t > 0.0)
      for (auto& v : v_) v *= std::sqrt(temperature / t);
  }

  /// A new target temperature (K) for the thermostat, for heating and cooling ramps without restarting
  /// the run (the Langevin random stream continues). InputError without a thermostat.
  void set_thermostat_temperature(double temperature) {
    if (!(temperature > 0.0) || !std::isfinite(temperature)) throw InputError("thermostat temperature must be positive");
    std::visit(
        [&](auto& t) {
          using T = std::decay_t<decltype(t)>;
          if constexpr (std::is_same_v<T, NoThermostat>) throw InputError("this MD run has no thermostat to retarget");
          else t.temperature = temperature;
        },
        o_.thermostat);
  }

  void set_velocities(std::vector<Vec3> v) {
    if (v.size() != s_.size()) throw InputError("need one velocity per atom");
    for (const auto& x : v)
      if (!x.allFinite()) throw InputError("velocities must be finite");
    v_ = std::move(v);
  }

  /// n steps; returns the state after every `record_every`-th step (and after the last).
  std::vector<MdStep> run(std::size_t n, std::size_t record_every = 1) {
    std::vector<MdStep> out;
    for (std::size_t k = 1; k <= n; ++k) {
      step();
      if ((record_every > 0 && k % record_every == 0) || k == n) out.push_back(state());
    }
    return out;
  }

  /// One step of the chosen integrator.
  void step() {
    std::visit([this](const auto& t) { this->integrate(t); }, o_.thermostat);
    ++steps_;
    check_finite();
    if (traj_.active()) traj_.write(steps_, s_, r_, &v_, info());
  }

  MdStep state() const {
    MdStep m;
    m.step = steps_;
    m.time = double(steps_) * o_.timestep;
    m.potential = r_.energy;
    m.kinetic = kinetic_energy(masses_, v_);
    m.temperature = current_temperature();
    m.pressure = current_pressure();
    m.volume = s_.any_periodic() ? s_.volume() : 0.0;
    m.conserved = m.potential + m.kinetic + bath_;
    if (const auto* nh = std::get_if<NoseHooverThermostat>(&o_.thermostat)) {
      const double kt = units::boltzmann * nh->temperature;
      m.conserved += 0.5 * nose_mass() * xi_ * xi_ + degrees_of_freedom() * kt * eta_;
    }
    return m;
  }

  const Structure& structure() const noexcept { return s_; }
  const std::vector<Vec3>& velocities() const noexcept { return v_; }
  const PotentialResult& result() const noexcept { return r_; }
  const std::vector<double>& masses() const noexcept { return masses_; }

  /// Degrees of freedom for the temperature: 3N − 3 when the centre of mass is at rest by
  /// construction (all but Langevin), 3N under Langevin noise.
  double degrees_of_freedom() const {
    const double n3 = 3.0 * double(s_.size());
    return (std::holds_alternative<LangevinThermostat>(o_.thermostat) || s_.size() == 1) ? n3 : n3 - 3.0;
  }
  double current_temperature() const {
    return 2.0 * kinetic_energy(masses_, v_) / (degrees_of_freedom() * units::boltzmann);
  }
  /// (tr W + 2K)/(3V): virial plus kinetic pressure, eV/Å³ (0 without a stress).
  double current_pressure() const {
    if (!r_.stress || !s_.any_periodic()) return 0.0;
    return (r_.virial.trace() + 2.0 * kinetic_energy(masses_, v_)) / (3.0 * s_.volume());
  }

 private:
  // ---- the pieces every integrator is made of ----
  void kick(double dt) {  // v += dt F/m
    for (std::size_t i = 0; i < v_.size(); ++i) v_[i] += dt * r_.forces[i] / (masses_[i] * units::amu_a2_per_fs2);
  }
  void drift(double dt) {
    for (std::size_t i = 0; i < v_.size(); ++i) s_.positions[i] += dt * v_[i];
  }
  /// New forces, after the barostat (if any) has rescaled the cell with the last pressure.
  void forces() {
    if (o_.barostat) barostat(*o_.barostat);
    r_ = evaluate(calc_, s_);
  }
  void scale_velocities(double lambda) {
    const double before = kinetic_energy(masses_, v_);
    for (auto& v : v_) v *= lambda;
    bath_ += before - kinetic_energy(masses_, v_);
  }

  void integrate(const NoThermostat&) {
    kick(0.5 * o_.timestep);
    drift(o_.timestep);
    forces();
    kick(0.5 * o_.timestep);
  }

  /// BAOAB (Leimkuhler & Matthews, Appl. Math. Res. Express 2013, 34): the O part is the exact
  /// Ornstein–Uhlenbeck update v ← c v + √((1 − c²) kT/m) ξ with c = exp(−γ dt).
  void integrate(const LangevinThermostat& t) {
    const double dt = o_.timestep;
    kick(0.5 * dt);
    drift(0.5 * dt);
    const double c = std::exp(-t.friction * dt);
    const double before = kinetic_energy(masses_, v_);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (std::size_t i = 0; i < v_.size(); ++i) {
      const double width = std::sqrt((1.0 - c * c) * units::boltzmann * t.temperature / (masses_[i] * units::amu_a2_per_fs2));
      for (int a = 0; a < 3; ++a) v_[i][a] = c * v_[i][a] + width * normal(rng_);
    }
    bath_ += before - kinetic_energy(masses_, v_);
    drift(0.5 * dt);
    forces();
    kick(0.5 * dt);
  }

  /// Velocity Verlet, then v ← λ v with λ² = 1 + (dt/τ)(T0/T − 1) (Berendsen et al., J. Chem.
  /// Phys. 81, 3684 (1984)), λ kept within [0.8, 1.25] so a cold start cannot explode.
  void integrate(const BerendsenThermostat& t) {
    integrate(NoThermostat{});
    const double temp = current_temperature();
    if (temp <= 0.0) return;
    const double lambda2 = 1.0 + o_.timestep / t.tau * (t.temperature / temp - 1.0);
    scale_velocities(std::clamp(std::sqrt(std::max(lambda2, 0.0)), 0.8, 1.25));
  }

  /// Nosé–Hoover (Nosé, J. Chem. Phys. 81, 511 (1984); Hoover, PRA 31, 1695 (1985)) with a
  /// symmetric splitting: half a thermostat step, velocity Verlet, half a thermostat step.
  /// Q = g kT τ²; the conserved quantity adds ½Qξ² + g kT η.
  void integrate(const NoseHooverThermostat& t) {
    const double dt = o_.timestep, g = degrees_of_freedom(), kt = units::boltzmann * t.temperature;
    const auto thermostat_half = [&] {
      xi_ += 0.25 * dt * (2.0 * kinetic_energy(masses_, v_) - g * kt) / nose_mass();
      const double f = std::exp(-0.5 * dt * xi_);
      for (auto& v : v_) v *= f;
      eta_ += 0.5 * dt * xi_;
      xi_ += 0.25 * dt * (2.0 * kinetic_energy(masses_, v_) - g * kt) / nose_mass();
    };
    thermostat_half();
    integrate(NoThermostat{});
    thermostat_half();
  }
  double nose_mass() const {
    const auto& t = std::get<NoseHooverThermostat>(o_.thermostat);
    return degrees_of_freedom() * units::boltzmann * std::max(t.temperature, 1e-3) * t.tau * t.tau;
  }

  /// Isotropic Berendsen scaling r ← μ r, cell ← μ cell with μ³ = 1 − (β dt/τ)(P0 − P).
  void barostat(const BerendsenBarostat& b) {
    const double p = current_pressure();
    const double mu3 = 1.0 - b.compressibility * o_.timestep / b.tau * (b.pressure - p);
    const double mu = std::cbrt(std::clamp(mu3, 0.9, 1.1));  // at most ~3 % per step, whatever the input
    s_.cell *= mu;
    for (auto& r : s_.positions) r *= mu;
  }

  void remove_centre_of_mass_motion() {
    Vec3 p = Vec3::Zero();
    double m = 0.0;
    for (std::size_t i = 0; i < v_.size(); ++i) {
      p += masses_[i] * v_[i];
      m += masses_[i];
    }
    for (auto& v : v_) v -= p / m;
  }

  void check_finite() const {
    for (std::size_t i = 0; i < v_.size(); ++i)
      if (!v_[i].allFinite() || !s_.positions[i].allFinite())
        throw NumericalError("MD became unstable at step " + std::to_string(steps_) + " (atom " + std::to_string(i) +
                             " has a non-finite position or velocity); reduce the time step");
  }

  Info info() const {
    const MdStep m = state();
    Info i;
    i.set("time", m.time);
    i.set("temperature", m.temperature);
    i.set("kinetic_energy", m.kinetic);
    return i;
  }

  const C& calc_;
  MdOptions o_;
  Structure s_;
  TrajectoryWriter traj_;
  std::vector<double> masses_;
  std::vector<Vec3> v_;
  PotentialResult r_;
  std::mt19937_64 rng_;
  std::size_t steps_ = 0;
  double bath_ = 0.0;            ///< energy taken out by thermostat scaling / friction and noise, eV
  double xi_ = 0.0, eta_ = 0.0;  ///< Nosé–Hoover friction (1/fs) and its time integral
};

}  // namespace pestle
