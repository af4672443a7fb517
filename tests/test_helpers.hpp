#pragma once
// Paths and small utilities shared by the tests.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "pestle/core/info.hpp"
#include "pestle/core/labels.hpp"
#include "pestle/core/structure.hpp"

namespace pestle::test {

/// Path of a file under ../shared (the steering data: zuo2020/, reference/, ...).
inline std::string shared(const std::string& rel) { return std::string(PESTLE_SHARED_DIR) + "/" + rel; }
/// Path of a file under tests/ (e.g. the malformed-input corpus).
inline std::string testdata(const std::string& rel) { return std::string(PESTLE_TEST_DIR) + "/" + rel; }

/// Debian's lammps-data potentials folder, and the pacemaker Cu file in it.
inline const std::string lammps_potentials = "/usr/share/lammps/potentials/";
inline const std::string cu_ace = lammps_potentials + "Cu-PBE-core-rep.ace";

/// A file name in the temporary folder that no other test process uses (ctest runs the test cases
/// of this executable as parallel processes).
inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("pestle_test_" + std::to_string(::getpid()) + "_" + name)).string();
}

/// A fresh, empty folder in the temporary folder for one test process (removed first if left over).
inline std::filesystem::path scratch_dir(const std::string& name) {
  const auto p = std::filesystem::temp_directory_path() / ("pestle_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

/// The per-atom property `name` of a frame (e.g. "energies"); throws if the frame has none.
inline const AtomProperty& atom_property(const Frame& f, const std::string& name) {
  for (const auto& p : f.atom_properties)
    if (p.name == name) return p;
  throw std::invalid_argument("no per-atom property " + name);
}

/// Largest |a_ik - b_ik| of two equally shaped tables.
inline double max_abs_diff(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t k = 0; k < a[i].size(); ++k) m = std::max(m, std::abs(a[i][k] - b[i][k]));
  return m;
}

/// `text` with the first `from` replaced by `to` (for making malformed copies of model files);
/// `from` must occur.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::invalid_argument("replaced: '" + from + "' not in the text");
  return text.replace(at, from.size(), to);
}

/// Atoms at random positions in a periodic cell, at least dmin apart (images included), species
/// in turn from `species`; reproducible from `seed`.
inline Structure random_structure(const Mat3& cell, int n, const std::vector<int>& species, double dmin, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Structure s;
  s.cell = cell;
  s.pbc = {true, true, true};
  while (static_cast<int>(s.size()) < n) {
    const Vec3 r = s.cartesian(Vec3(u(rng), u(rng), u(rng)));
    bool ok = true;
    for (const Vec3& q : s.positions)
      for (int a = -1; a <= 1 && ok; ++a)
        for (int b = -1; b <= 1 && ok; ++b)
          for (int c = -1; c <= 1 && ok; ++c) ok = (q + cell.transpose() * Vec3(a, b, c) - r).norm() > dmin;
    if (ok) s.add_atom(species[s.size() % species.size()], r);
  }
  return s;
}

/// Stress by central differences of the energy under homogeneous strains ε = 1 + h e_a e_bᵀ of cell
/// and positions: σ_ab = (1/V) ∂E/∂ε_ab (not symmetrised: compare its symmetric part).
template <class EnergyOf>
Mat3 finite_difference_stress(const Structure& s, EnergyOf&& energy_of, double h) {
  Mat3 stress;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      auto strained = [&](double e) {
        Mat3 eps = Mat3::Identity();
        eps(a, b) += e;
        Structure t = s;
        t.cell = s.cell * eps.transpose();
        for (auto& x : t.positions) x = eps * x;
        return energy_of(t);
      };
      stress(a, b) = (strained(h) - strained(-h)) / (2 * h) / s.volume();
    }
  return stress;
}

/// Smallest distance between two atoms (periodic images up to ±3 cells included), brute force, as an
/// independent check of neighbour searches; with za, zb (atomic numbers) only between an atom of za
/// and one of zb.
inline double brute_shortest_distance(const Structure& s, int za = 0, int zb = 0) {
  const auto counts = [&](std::size_t i, std::size_t j) {
    if (za == 0) return true;
    return (s.numbers[i] == za && s.numbers[j] == zb) || (s.numbers[i] == zb && s.numbers[j] == za);
  };
  double best = 1e300;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < s.size(); ++j) {
      if (!counts(i, j)) continue;
      for (int a = -3; a <= 3; ++a)
        for (int b = -3; b <= 3; ++b)
          for (int c = -3; c <= 3; ++c) {
            if (i == j && a == 0 && b == 0 && c == 0) continue;
            const Vec3 d = s.positions[j] + s.cell.transpose() * Vec3(a, b, c) - s.positions[i];
            best = std::min(best, d.norm());
          }
    }
  return best;
}

}  // namespace pestle::test
