// pestle's ACE evaluator on pacemaker's Cu-PBE-core-rep.ace (Debian lammps-data) against LAMMPS
// ML-PACE: energies, per-atom energies, forces and stress of every structure in
// ../shared/data/reference/lammps-pace (see its README.md for the conventions used there).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "pestle/formats/ace_file.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/formats/yace_file.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

using test::cu_ace;


const AcePotential& cu_potential() {
  static const AcePotential p = read_ace_potential(cu_ace);
  return p;
}

/// The README's stress went through LAMMPS's bar conversion (force->nktv2p = 1.6021765e6 in metal
/// units) and back with the CODATA factor 1 eV/Å³ = 1.602176634e6 bar; they differ by 8.4e-8.
constexpr double lammps_stress_factor = 1.6021765e6 / 1.602176634e6;

/// Energies, atom energies, forces and stress of `pot` against ML-PACE's on every reference structure.
void check_against_ml_pace(const AcePotential& pot) {
  const auto names = {"cu_fcc256_rattled", "zuo_cu_test_0", "zuo_cu_test_1", "zuo_cu_test_2",
                      "cu_primitive_skewed_1atom", "cu_2atom_rattled", "cu_close_pair_32"};
  double worst_e = 0, worst_ei = 0, worst_f = 0, worst_s = 0;
  for (const std::string name : names) {
    INFO(name);
    const Dataset ds = read_extxyz(test::shared("data/reference/lammps-pace/" + name + ".xyz"));
    REQUIRE(ds.frames.size() == 1);
    const Frame& fr = ds.frames[0];
    const auto r = pot.compute(fr.structure);
    const double e_ref = *fr.labels.energy;
    // relative to the energy scale; absolute round-off floor for near-zero components
    worst_e = std::max(worst_e, std::abs(r.energy - e_ref) / std::abs(e_ref));
    CHECK(std::abs(r.energy - e_ref) <= 1e-10 * std::abs(e_ref));
    const AtomProperty& ei = test::atom_property(fr, "energies");
    for (std::size_t i = 0; i < fr.size(); ++i) {
      const double d = std::abs(r.atom_energies[i] - ei.reals[i]) / std::abs(ei.reals[i]);
      worst_ei = std::max(worst_ei, d);
      CHECK(d <= 1e-10);
    }
    const auto& f_ref = *fr.labels.forces;
    double fscale = 0.0;
    for (const auto& f : f_ref) fscale = std::max(fscale, f.norm());
    for (std::size_t i = 0; i < fr.size(); ++i) {
      const double d = (r.forces[i] - f_ref[i]).norm() / std::max(fscale, 1e-3);
      worst_f = std::max(worst_f, d);
      CHECK(d <= 1e-10);
    }
    REQUIRE(r.stress);
    const Mat3 s_ref = *fr.labels.stress;
    // Scale: the larger of |σ| and the energy density |E|/V (the stress of a 1-atom cell is a sum of
    // ~170 image terms of order |E|/V that nearly cancel, so its round-off is set by |E|/V).
    const Mat3 ds_abs = *r.stress * lammps_stress_factor - s_ref;
    worst_s = std::max(worst_s, ds_abs.norm() / s_ref.norm());
    const double s_scale = std::max(s_ref.norm(), std::abs(e_ref) / fr.structure.volume());
    CHECK(ds_abs.cwiseAbs().maxCoeff() <= 1e-10 * s_scale);
  }
  WARN("worst relative deviation from ML-PACE: energy " << worst_e << ", atom energies " << worst_ei
                                                          << ", forces " << worst_f << ", stress (relative to |stress|) " << worst_s);
}

}  // namespace

TEST_CASE("ACE: Cu-PBE-core-rep.ace reproduces LAMMPS ML-PACE on every reference structure", "[ace]") {
  check_against_ml_pace(cu_potential());
}

TEST_CASE("ACE: Cu-PBE-core-rep.ace written as .yace and read back reproduces LAMMPS ML-PACE", "[ace][yace]") {
  const std::string yace = (std::filesystem::temp_directory_path() / "pestle_test_cu.yace").string();
  write_yace_file(read_ace_file(cu_ace), yace);
  const AcePotential from_yace = read_yace_potential(yace);
  std::filesystem::remove(yace);
  check_against_ml_pace(from_yace);
}
