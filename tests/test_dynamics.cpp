// Relaxation and molecular dynamics (include/pestle/dynamics/) driven by the built-in
// Stillinger–Weber silicon: energy conservation, relaxation to the SW lattice constant and to
// a target pressure, thermostats, reproducibility, trajectories and bad input.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <numeric>
#include <string>
#include <unistd.h>

#include "pestle/dynamics/md.hpp"
#include "pestle/dynamics/relax.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/reference/stillinger_weber.hpp"
#include "test_reference_support.hpp"
#include "test_helpers.hpp"

using namespace pestle;
using namespace pestle::test;

namespace {

const StillingerWeber& sw() {
  static const StillingerWeber p = StillingerWeber::silicon();
  return p;
}

/// SW's diamond minimum: a = 2^(1/6) σ · 4/√3 (nearest neighbours at the pair minimum).
const double sw_lattice = std::pow(2.0, 1.0 / 6.0) * 2.0951 * 4.0 / std::sqrt(3.0);

/// Lattice constant of a (cubic) diamond 2x2x2 cell from its volume.
double lattice_of(const Structure& s) { return std::cbrt(s.volume() * 8.0 / double(s.size())); }

/// A calculator that returns NaN forces (a broken model or labeller).
struct BrokenCalculator {
  double cutoff() const { return 3.0; }
  PotentialResult compute(const Structure& s) const {
    PotentialResult r;
    r.energy = 0.0;
    r.atom_energies.assign(s.size(), 0.0);
    r.forces.assign(s.size(), Vec3::Zero());
    r.forces.back()[1] = std::nan("");
    return r;
  }
};
static_assert(Calculator<BrokenCalculator>);

}  // namespace

TEST_CASE("dynamics: the SW lattice constant used below is 5.431 Å", "[dynamics]") {
  CHECK(sw_lattice == Approx(5.431).margin(1e-3));
}

TEST_CASE("dynamics: FIRE and L-BFGS relax rattled positions to the diamond minimum", "[dynamics]") {
  const Structure start = rattled_diamond(14, sw_lattice, 11);
  RelaxOptions o;
  o.fmax = 1e-4;
  const auto fire = relax_fire(sw(), start, o);
  const auto lbfgs = relax_lbfgs(sw(), start, o);
  for (const auto* r : {&fire, &lbfgs}) {
    CHECK(r->converged);
    CHECK(r->max_force <= 1e-4);
    CHECK(r->result.energy / 64.0 == Approx(-4.3366).epsilon(1e-6));
    CHECK(r->structure.cell == start.cell);  // positions only
  }
  CHECK(lbfgs.steps < fire.steps);  // curvature information pays
}

TEST_CASE("dynamics: a rattled and strained diamond cell relaxes to a = 5.431 Å and zero stress", "[dynamics]") {
  Mat3 strain;
  strain << 0.04, 0.02, -0.01, 0.02, -0.03, 0.015, -0.01, 0.015, 0.05;
  const Structure start = strained(rattled_diamond(14, sw_lattice, 12), strain);
  RelaxOptions o;
  o.relax_cell = true;
  o.fmax = 1e-4;
  o.stress_tolerance = 1e-6;
  o.max_steps = 5000;
  SECTION("FIRE") {
    const auto r = relax_fire(sw(), start, o);
    INFO("steps " << r.steps << ", max force " << r.max_force << ", max stress " << r.max_stress);
    CHECK(r.converged);
    CHECK(lattice_of(r.structure) == Approx(sw_lattice).margin(2e-4));
    CHECK(r.result.stress->cwiseAbs().maxCoeff() <= 1e-6);
    // the cell is cubic again (up to a rotation): its metric is (2a)² I
    const Mat3 metric = r.structure.cell * r.structure.cell.transpose();
    CHECK((metric - std::pow(2 * sw_lattice, 2) * Mat3::Identity()).cwiseAbs().maxCoeff() < 5e-3);
    CHECK(r.result.energy / 64.0 == Approx(-4.3366).epsilon(1e-6));
  }
  SECTION("L-BFGS") {
    const auto r = relax_lbfgs(sw(), start, o);
    INFO("steps " << r.steps << ", max force " << r.max_force << ", max stress " << r.max_stress);
    CHECK(r.converged);
    CHECK(lattice_of(r.structure) == Approx(sw_lattice).margin(2e-4));
    CHECK(r.result.energy / 64.0 == Approx(-4.3366).epsilon(1e-6));
  }
}

TEST_CASE("dynamics: relaxation under pressure shrinks the volume and ends at stress = -p", "[dynamics]") {
  const Structure start = cubic_supercell(cubic_basis::diamond, 5.431, 1, 14);
  RelaxOptions o;
  o.relax_cell = true;
  o.fmax = 1e-5;
  o.stress_tolerance = 1e-7;
  const double p = 5.0 / units::gpa_per_ev_a3;  // 5 GPa
  const auto zero = relax_lbfgs(sw(), start, o);
  o.pressure = p;
  const auto squeezed = relax_fire(sw(), start, o);
  REQUIRE(zero.converged);
  REQUIRE(squeezed.converged);
  const double shrink = squeezed.structure.volume() / zero.structure.volume() - 1.0;
  // SW silicon's bulk modulus is ≈ 101 GPa, so 5 GPa takes away ≈ 5 % of the volume
  CHECK(shrink < -0.03);
  CHECK(shrink > -0.07);
  CHECK((*squeezed.result.stress + p * Mat3::Identity()).cwiseAbs().maxCoeff() <= 1e-7);
  CHECK(squeezed.enthalpy == Approx(squeezed.result.energy + p * squeezed.structure.volume()));
}

TEST_CASE("dynamics: velocity Verlet conserves the energy of SW silicon", "[dynamics]") {
  struct Run {
    double worst = 0.0, drift = 0.0, final_temperature = 0.0;
  };
  // 600 fs at 1000 K from a rattled crystal, recorded every 10 fs
  const auto run = [](double dt) {
    MolecularDynamics md(sw(), rattled_diamond(14, sw_lattice, 13), MdOptions{.timestep = dt});
    md.initialise_velocities(1000.0, 7);
    const double e0 = md.state().conserved;
    const auto steps = md.run(std::size_t(std::lround(600.0 / dt)), std::size_t(std::lround(10.0 / dt)));
    Run r;
    for (const auto& s : steps) r.worst = std::max(r.worst, std::abs(s.conserved - e0) / 64.0);
    double early = 0.0, late = 0.0;  // mean of the first and of the last 150 fs
    for (std::size_t k = 0; k < 15; ++k) {
      early += steps[k].conserved / 15.0;
      late += steps[steps.size() - 1 - k].conserved / 15.0;
    }
    r.drift = (late - early) / 64.0;
    r.final_temperature = steps.back().temperature;
    return r;
  };
  const Run coarse = run(1.0), fine = run(0.5);
  INFO("dt 1 fs: largest deviation " << coarse.worst << " eV/atom, drift " << coarse.drift << " eV/atom over 0.45 ps");
  INFO("dt 0.5 fs: largest deviation " << fine.worst << " eV/atom, drift " << fine.drift << " eV/atom");
  CHECK(coarse.worst < 1e-3);
  CHECK(std::abs(coarse.drift) < 5e-5);
  CHECK(std::abs(fine.drift) < 2e-5);
  // second order: halving the step quarters the fluctuation of the total energy
  CHECK(coarse.worst / fine.worst > 3.0);
  CHECK(coarse.worst / fine.worst < 5.5);
  CHECK(coarse.final_temperature > 300.0);  // it really moved (equipartition takes about half)
  CHECK(std::isfinite(MolecularDynamics(sw(), small_diamond()).state().conserved));
}

TEST_CASE("dynamics: Langevin reaches the target temperature on average", "[dynamics]") {
  MdOptions o{.timestep = 1.0, .thermostat = LangevinThermostat{600.0, 0.05, 3}};
  MolecularDynamics md(sw(), rattled_diamond(14, sw_lattice, 14), o);
  md.run(300, 0);  // equilibrate from rest (1/γ = 20 fs)
  const auto steps = md.run(1800, 5);
  double mean = 0.0;
  for (const auto& s : steps) mean += s.temperature / double(steps.size());
  CHECK(mean == Approx(600.0).epsilon(0.06));
}

TEST_CASE("dynamics: Berendsen and Nosé–Hoover thermostats, Berendsen barostat", "[dynamics]") {
  SECTION("Berendsen brings the temperature to the target") {
    MolecularDynamics md(sw(), rattled_diamond(14, sw_lattice, 15), {.timestep = 1.0, .thermostat = BerendsenThermostat{500.0, 20.0}});
    md.initialise_velocities(100.0, 1);
    const auto steps = md.run(1000, 5);
    double mean = 0.0;
    for (std::size_t k = steps.size() / 2; k < steps.size(); ++k) mean += steps[k].temperature / double(steps.size() - steps.size() / 2);
    CHECK(mean == Approx(500.0).epsilon(0.05));
  }
  SECTION("Nosé–Hoover keeps its extended energy and the target temperature") {
    MolecularDynamics md(sw(), rattled_diamond(14, sw_lattice, 16), {.timestep = 1.0, .thermostat = NoseHooverThermostat{800.0, 50.0}});
    md.initialise_velocities(800.0, 2);
    const double h0 = md.state().conserved;
    const auto steps = md.run(1600, 5);
    double worst = 0.0, mean = 0.0;
    for (const auto& s : steps) {
      worst = std::max(worst, std::abs(s.conserved - h0));
      mean += s.temperature / double(steps.size());
    }
    CHECK(worst / 64.0 < 1e-3);
    CHECK(mean == Approx(800.0).epsilon(0.08));
  }
  SECTION("the Berendsen barostat compresses towards a positive target pressure") {
    const double p = 5.0 / units::gpa_per_ev_a3;
    MdOptions o{.timestep = 1.0, .thermostat = BerendsenThermostat{300.0, 50.0},
                .barostat = BerendsenBarostat{p, 200.0, 1.0 / (100.0 / units::gpa_per_ev_a3)}};
    MolecularDynamics md(sw(), rattled_diamond(14, sw_lattice, 17), o);
    md.initialise_velocities(300.0, 3);
    const double v0 = md.structure().volume();
    const auto steps = md.run(1200, 5);
    double mean_p = 0.0;
    for (std::size_t k = steps.size() / 2; k < steps.size(); ++k) mean_p += steps[k].pressure / double(steps.size() - steps.size() / 2);
    CHECK(md.structure().volume() < 0.97 * v0);
    CHECK(mean_p * units::gpa_per_ev_a3 == Approx(5.0).margin(0.8));
  }
}

TEST_CASE("dynamics: runs are reproducible from their seeds", "[dynamics]") {
  const auto run = [](std::uint64_t noise_seed, std::uint64_t velocity_seed) {
    MolecularDynamics md(sw(), rattled_diamond(14, sw_lattice, 18), {.timestep = 1.0, .thermostat = LangevinThermostat{900.0, 0.02, noise_seed}});
    md.initialise_velocities(900.0, velocity_seed);
    md.run(100, 0);
    return md.structure().positions;
  };
  const auto a = run(5, 6), b = run(5, 6), c = run(7, 6), d = run(5, 8);
  CHECK(a == b);  // bit for bit
  CHECK(a != c);
  CHECK(a != d);
}

TEST_CASE("dynamics: trajectories are extended XYZ, every k-th step", "[dynamics]") {
  const std::string md_path = temp_path("md.xyz"), relax_path = temp_path("relax.xyz");
  {
    MolecularDynamics md(sw(), small_diamond(), {.timestep = 1.0, .trajectory = md_path, .trajectory_every = 5});
    md.initialise_velocities(300.0, 1);
    md.run(12);
  }
  const Dataset frames = read_extxyz(md_path);
  REQUIRE(frames.size() == 2);  // steps 5 and 10
  CHECK(frames[1].labels.info.get<std::int64_t>("step") == 10);
  CHECK(frames[1].labels.forces.has_value());
  CHECK(frames[1].atom_properties.size() == 1);
  CHECK(frames[1].atom_properties[0].name == "velocities");
  RelaxOptions o;
  o.trajectory = relax_path;
  o.trajectory_every = 1;
  const auto r = relax_fire(sw(), rattled_diamond(14, sw_lattice, 19), o);
  CHECK(read_extxyz(relax_path).size() == r.steps + 1);  // the start and every step
  std::filesystem::remove(md_path);
  std::filesystem::remove(relax_path);
}

TEST_CASE("dynamics: bad input and numerical failure give typed errors", "[dynamics]") {
  const Structure s = small_diamond();
  CHECK_THROWS_AS(MolecularDynamics(sw(), s, {.timestep = 0.0}), InputError);
  CHECK_THROWS_AS(MolecularDynamics(sw(), s, {.timestep = -1.0}), InputError);
  CHECK_THROWS_AS(MolecularDynamics(sw(), s, {.timestep = 1.0, .thermostat = LangevinThermostat{300, -1.0, 0}}), InputError);
  CHECK_THROWS_AS(MolecularDynamics(sw(), s, {.timestep = 1.0, .thermostat = BerendsenThermostat{-5.0, 10.0}}), InputError);
  CHECK_THROWS_AS(MolecularDynamics(sw(), Structure{}, {}), InputError);
  CHECK_THROWS_AS(MolecularDynamics(BrokenCalculator{}, s, {}), NumericalError);
  CHECK_THROWS_AS(relax_fire(BrokenCalculator{}, s), NumericalError);
  CHECK_THROWS_AS(relax_lbfgs(BrokenCalculator{}, s), NumericalError);
  RelaxOptions o;
  o.fmax = 0.0;
  CHECK_THROWS_AS(relax_fire(sw(), s, o), InputError);
  Structure open = s;
  open.pbc = {true, true, false};
  RelaxOptions cell;
  cell.relax_cell = true;
  CHECK_THROWS_AS(relax_lbfgs(sw(), open, cell), InputError);
  CHECK_THROWS_AS(MolecularDynamics(sw(), open, {.timestep = 1.0, .barostat = BerendsenBarostat{}}), InputError);
  MolecularDynamics md(sw(), s);
  CHECK_THROWS_AS(md.set_velocities({Vec3::Zero()}), InputError);
  CHECK_THROWS_AS(md.initialise_velocities(-1.0, 0), InputError);
}
