#pragma once
// Test structures for the reference potentials, shared by the Catch2 tests and the LAMMPS
// cross-check driver (reference_lammps_check.cpp). Every cell is lower-triangular so LAMMPS
// can take it as it is.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "pestle/core/lattices.hpp"
#include "pestle/core/structure.hpp"

namespace pestle::test {

/// Fractional positions of a basis placed into an arbitrary cell, rattled.
inline Structure in_cell(const Mat3& cell, const std::vector<Vec3>& fractional, const std::vector<int>& numbers,
                         double rattle_sigma, unsigned seed) {
  Structure s;
  s.cell = cell;
  s.pbc = {true, true, true};
  for (std::size_t k = 0; k < fractional.size(); ++k) s.add_atom(numbers[k % numbers.size()], s.cartesian(fractional[k]));
  if (rattle_sigma > 0) rattle(s, rattle_sigma, seed);
  return s;
}

/// 2x2x2 diamond supercell (64 atoms), rattled by 0.1 Å.
inline Structure rattled_diamond(int z = 14, double a = 5.431, unsigned seed = 1) {
  Structure s = cubic_supercell(cubic_basis::diamond, a, 2, z);
  rattle(s, 0.1, seed);
  return s;
}

/// Zincblende (two species on the diamond sites) 2x2x2, rattled.
inline Structure rattled_zincblende(int za, int zb, double a, unsigned seed = 2) {
  Structure s = cubic_supercell(cubic_basis::diamond, a, 2, za);
  for (std::size_t i = 0; i < s.size(); ++i)
    if (i % 8 >= 4) s.numbers[i] = zb;  // the (1/4,1/4,1/4) sublattice
  rattle(s, 0.08, seed);
  return s;
}

/// The 8-atom diamond basis in a sheared, stretched (triclinic) cell, rattled.
inline Structure triclinic_diamond(int z = 14, double a = 5.431, unsigned seed = 3) {
  Mat3 cell;
  cell << a * 1.02, 0, 0,  //
      0.11 * a, 0.97 * a, 0,  //
      -0.07 * a, 0.09 * a, 1.04 * a;
  return in_cell(cell, cubic_basis::diamond, {z}, 0.07, seed);
}

/// The 2-atom primitive diamond cell, slightly compressed and sheared: the cutoff of every
/// potential here exceeds the cell, so each atom meets many images of itself.
inline Structure small_diamond(int za = 14, int zb = 14, double a = 5.431, unsigned seed = 4) {
  const double h = a / 2;
  Mat3 fcc;  // fcc primitive vectors (0,h,h), (h,0,h), (h,h,0), rotated to lower-triangular form below
  fcc << 0, h, h, h, 0, h, h, h, 0;
  // QR of the transpose gives a rotation that makes the rows lower-triangular.
  const Eigen::HouseholderQR<Mat3> qr(fcc.transpose());
  Mat3 r = qr.matrixQR().triangularView<Eigen::Upper>();
  Mat3 cell = r.transpose();
  for (int k = 0; k < 3; ++k)
    if (cell(k, k) < 0) cell.col(k) *= -1.0;  // flips of Cartesian axes keep the rows lower-triangular
  cell *= 0.97;
  cell(2, 0) += 0.15;
  return in_cell(cell, {Vec3(0, 0, 0), Vec3(0.25, 0.25, 0.25)}, {za, zb}, 0.05, seed);
}

/// 2x2x2 diamond lattice (64 sites) with each site's species drawn at random from `numbers`
/// (a random alloy: every pair and triplet of species occurs), rattled by 0.1 Å.
inline Structure random_alloy_diamond(const std::vector<int>& numbers, double a, unsigned seed = 8) {
  Structure s = cubic_supercell(cubic_basis::diamond, a, 2, numbers.front());
  std::mt19937 rng(seed);
  for (auto& z : s.numbers) z = numbers[rng() % numbers.size()];
  rattle(s, 0.1, seed + 1);
  return s;
}

/// 3x3x3 fcc (108 atoms), rattled; with zb != za a random binary alloy.
inline Structure rattled_fcc(int za, double a, int zb = 0, unsigned seed = 5) {
  Structure s = cubic_supercell(cubic_basis::fcc, a, 3, za);
  std::mt19937 rng(seed);
  if (zb != 0)
    for (auto& z : s.numbers) z = (rng() % 2) ? zb : za;
  rattle(s, 0.1, seed + 1);
  return s;
}

/// The 4-atom conventional fcc cell, sheared and rattled (cutoff larger than the cell).
inline Structure small_fcc(int za, double a, int zb = 0, unsigned seed = 6) {
  Mat3 cell;
  cell << a, 0, 0, 0.08 * a, 0.98 * a, 0, 0.05 * a, -0.06 * a, 1.03 * a;
  std::vector<int> z = {za};
  if (zb != 0) z = {za, zb, zb, za};
  return in_cell(cell, cubic_basis::fcc, z, 0.06, seed);
}

/// Uniform strain of cell and positions: r -> (1 + eps) r (eps symmetric).
inline Structure strained(Structure s, const Mat3& eps) {
  const Mat3 f = Mat3::Identity() + eps;
  s.cell = s.cell * f.transpose();
  for (auto& r : s.positions) r = f * r;
  return s;
}

}  // namespace pestle::test
