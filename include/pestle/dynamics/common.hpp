#pragma once
// Shared pieces of relaxation and molecular dynamics: units, checked evaluation of any
// Calculator, kinetic energy and temperature, and an extended-XYZ trajectory writer.
// Units: Å, eV, fs, amu, K; velocities in Å/fs; pressure and stress in eV/Å³ (ASE sign for stress).
#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/labels.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/reference/calculator.hpp"

namespace pestle {

namespace units {
inline constexpr double boltzmann = 8.617333262e-5;             ///< eV/K (CODATA 2018)
inline constexpr double amu_a2_per_fs2 = 103.64269652680505;    ///< 1 amu·Å²/fs² in eV
inline constexpr double gpa_per_ev_a3 = 160.2176634;            ///< 1 eV/Å³ in GPa
}  // namespace units

/// Throws NumericalError unless the result has one finite force per atom and a finite energy
/// (and a finite stress when it has one).
inline void check_result(const Structure& s, const PotentialResult& r) {
  if (r.forces.size() != s.size())
    throw NumericalError("calculator returned " + std::to_string(r.forces.size()) + " forces for " +
                         std::to_string(s.size()) + " atoms");
  if (!std::isfinite(r.energy)) throw NumericalError("calculator returned a non-finite energy");
  for (std::size_t i = 0; i < r.forces.size(); ++i)
    if (!r.forces[i].allFinite()) throw NumericalError("calculator returned a non-finite force on atom " + std::to_string(i));
  if (r.stress && !r.stress->allFinite()) throw NumericalError("calculator returned a non-finite stress");
  if (!r.virial.allFinite()) throw NumericalError("calculator returned a non-finite virial");
}

/// c.compute(s), checked.
template <Calculator C>
PotentialResult evaluate(const C& c, const Structure& s) {
  PotentialResult r = c.compute(s);
  check_result(s, r);
  return r;
}

/// Masses (amu) of the atoms of s.
inline std::vector<double> masses_of(const Structure& s) {
  std::vector<double> m(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) m[i] = atomic_mass(s.numbers[i]);
  return m;
}

/// Σ ½ m v², eV.
inline double kinetic_energy(const std::vector<double>& masses, const std::vector<Vec3>& v) {
  double e = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) e += 0.5 * masses[i] * v[i].squaredNorm();
  return e * units::amu_a2_per_fs2;
}

/// Kinetic tensor Σ m v ⊗ v, eV (its trace is twice the kinetic energy).
inline Mat3 kinetic_tensor(const std::vector<double>& masses, const std::vector<Vec3>& v) {
  Mat3 k = Mat3::Zero();
  for (std::size_t i = 0; i < v.size(); ++i) k += masses[i] * v[i] * v[i].transpose();
  return k * units::amu_a2_per_fs2;
}

/// Writes every k-th step as an extended-XYZ frame (energy, forces, stress, and velocities
/// as a per-atom `velocities` column when given) with the step and time in the info.
class TrajectoryWriter {
 public:
  TrajectoryWriter() = default;
  /// every = 0 or an empty path writes nothing.
  TrajectoryWriter(const std::string& path, std::size_t every) : every_(every) {
    if (every_ > 0 && !path.empty()) {
      out_.emplace(path, std::ios::binary);
      if (!*out_) throw InputError("cannot open trajectory file '" + path + "' for writing");
    }
  }
  bool active() const noexcept { return out_.has_value(); }

  void write(std::size_t step, const Structure& s, const PotentialResult& r, const std::vector<Vec3>* velocities = nullptr,
             const Info& extra = {}) {
    if (!out_ || step % every_ != 0) return;
    Frame f;
    f.structure = s;
    f.labels.energy = r.energy;
    f.labels.forces = r.forces;
    if (r.stress) f.labels.stress = *r.stress;
    f.labels.info = extra;
    f.labels.info.set("step", std::int64_t(step));
    if (velocities) {
      AtomProperty p;
      p.name = "velocities";
      p.columns = 3;
      for (const Vec3& v : *velocities)
        for (int a = 0; a < 3; ++a) p.reals.push_back(v[a]);
      f.atom_properties.push_back(std::move(p));
    }
    write_extxyz(*out_, f);
    out_->flush();
  }

 private:
  std::size_t every_ = 0;
  std::optional<std::ofstream> out_;
};

}  // namespace pestle
