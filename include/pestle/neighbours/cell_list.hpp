#pragma once
// Geometry behind the neighbour search: the search frame (periodic lattice vectors plus
// orthonormal stand-ins for open axes), lattice reduction, and the cell list (binning of
// atoms in fractional coordinates). See docs/neighbours.md for the algorithm and the
// argument why the bin stencil finds every pair.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"

namespace pestle::detail {

using IMat3 = std::array<std::array<int, 3>, 3>;  ///< small integer matrix, row-major

/// Atoms further than this many cells outside the cell along a periodic axis are rejected,
/// so every integer image stays far from int overflow.
inline constexpr double max_lattice_shift = 1 << 20;

/// Relative slack on the cutoff used to size bins and stencils, so a pair at distance
/// just below the cutoff is never lost to round-off in the wrapped coordinates.
inline constexpr double search_slack = 1e-9;

inline int periodic_axes(const std::array<bool, 3>& pbc) { return int(pbc[0]) + int(pbc[1]) + int(pbc[2]); }

/// The rows of the search frame: the periodic lattice vectors as given, and for each open
/// axis a unit vector orthogonal to the periodic vectors and to the other stand-ins. The
/// cell vectors of open axes play no role (they may be zero or anything). Throws
/// InputError when the periodic vectors are linearly dependent.
inline Mat3 search_basis(const Mat3& cell, const std::array<bool, 3>& pbc) {
  Mat3 basis = Mat3::Identity();
  const int np = periodic_axes(pbc);
  if (np == 0) return basis;
  for (int a = 0; a < 3; ++a)
    if (pbc[a]) basis.row(a) = cell.row(a);
  if (np == 1) {
    const int a = pbc[0] ? 0 : (pbc[1] ? 1 : 2);
    const Vec3 u = cell.row(a).normalized();
    int k = 0;  // the Cartesian axis least aligned with u gives a well-conditioned stand-in
    for (int c = 1; c < 3; ++c)
      if (std::abs(u[c]) < std::abs(u[k])) k = c;
    const Vec3 v1 = (Vec3::Unit(k) - u[k] * u).normalized();
    basis.row((a + 1) % 3) = v1;
    basis.row((a + 2) % 3) = u.cross(v1);
    return basis;
  }
  if (np == 2) {
    const int o = !pbc[0] ? 0 : (!pbc[1] ? 1 : 2);
    const Vec3 p = cell.row((o + 1) % 3), q = cell.row((o + 2) % 3);
    const Vec3 n = p.cross(q);
    if (!(n.norm() > 1e-12 * p.norm() * q.norm()))
      throw InputError("the two periodic lattice vectors are parallel");
    basis.row(o) = n.normalized();
    return basis;
  }
  const double scale = cell.row(0).norm() * cell.row(1).norm() * cell.row(2).norm();
  if (!(std::abs(cell.determinant()) > 1e-12 * scale))
    throw InputError("the periodic lattice vectors are linearly dependent (singular cell)");
  return basis;
}

/// Distance between neighbouring lattice planes spanned by the two other rows of axis a.
inline double lattice_plane_spacing(const Mat3& basis, int a) {
  const Vec3 n = Vec3(basis.row((a + 1) % 3)).cross(Vec3(basis.row((a + 2) % 3)));
  return std::abs(basis.row(a).dot(n)) / n.norm();
}

/// Number of whole cells to subtract from fractional coordinate f to wrap it into [0, 1).
inline int lattice_shift(double f, std::size_t atom) {
  const double fl = std::floor(f);
  if (!(std::abs(fl) < max_lattice_shift))
    throw InputError("atom " + std::to_string(atom) +
                     " lies more than 2^20 cells outside the cell along a periodic axis");
  return static_cast<int>(fl);
}

/// Shortens the periodic lattice vectors (rows of `basis` on periodic axes) by repeated
/// pairwise size reduction b_q ← b_q − m b_p, m = round(b_q·b_p / |b_p|²), while that
/// strictly shortens b_q. The lattice stays the same; `unimodular` collects the integer
/// transform: reduced rows = unimodular · original rows, so an image g in the reduced
/// basis is g · unimodular in the original one. Strongly skewed cells become nearly
/// orthogonal, which keeps the bin stencil small. Reduction is an optimisation only:
/// it stops before integer entries grow large.
inline IMat3 reduce_lattice(Mat3& basis, const std::array<bool, 3>& pbc) {
  IMat3 u{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  constexpr int max_entry = 16;
  for (int sweep = 0; sweep < 64; ++sweep) {
    bool changed = false;
    for (int p = 0; p < 3; ++p)
      for (int q = 0; q < 3; ++q) {
        if (p == q || !pbc[p] || !pbc[q]) continue;
        const double t = basis.row(q).dot(basis.row(p)) / basis.row(p).squaredNorm();
        if (!(std::abs(t) < max_entry)) continue;
        const int m = static_cast<int>(std::lround(t));
        if (m == 0) continue;
        const Vec3 shorter = basis.row(q) - m * basis.row(p);
        if (!(shorter.squaredNorm() < basis.row(q).squaredNorm() * (1.0 - 1e-12))) continue;
        std::array<int, 3> row = u[q];
        bool small = true;
        for (int c = 0; c < 3; ++c) {
          row[c] -= m * u[p][c];
          small = small && std::abs(row[c]) <= max_entry;
        }
        if (!small) continue;
        basis.row(q) = shorter;
        u[q] = row;
        changed = true;
      }
    if (!changed) break;
  }
  return u;
}

/// Atoms binned on a regular grid in the fractional coordinates of a search frame. Along a
/// periodic axis the bins tile [0, 1); along an open axis they tile the atoms' extent.
/// Every bin is at least `cutoff` thick (measured normal to its faces) unless capping
/// the total bin count makes bins thicker still; `reach` is how many bins either side a
/// search must visit along each axis (more than one when the cutoff exceeds the cell).
struct CellList {
  std::array<int, 3> bins{1, 1, 1};
  std::array<int, 3> reach{0, 0, 0};
  std::array<double, 3> origin{0, 0, 0};  ///< fractional coordinate of the first bin edge
  std::array<double, 3> width{1, 1, 1};   ///< bin width in fractional coordinates
  std::vector<std::size_t> start;         ///< atoms of bin b: sorted[start[b] .. start[b+1])
  std::vector<std::size_t> sorted;        ///< atom indices grouped by bin
  std::vector<std::array<int, 3>> bin_of; ///< bin coordinates of each atom

  std::size_t bin_count() const { return std::size_t(bins[0]) * std::size_t(bins[1]) * std::size_t(bins[2]); }
  std::size_t bin_index(int b0, int b1, int b2) const {
    return (std::size_t(b0) * std::size_t(bins[1]) + std::size_t(b1)) * std::size_t(bins[2]) + std::size_t(b2);
  }
};

/// Chooses the bin grid for `frac` (wrapped fractional coordinates) and sorts the atoms
/// into it. `spacing[a]` is the lattice-plane spacing of the frame along axis a (1 for
/// the unit stand-ins of open axes). The number of bins is capped near the number of
/// atoms so sparse structures in huge boxes stay cheap in memory.
inline CellList make_cell_list(const std::vector<Vec3>& frac, const std::array<bool, 3>& pbc,
                               const std::array<double, 3>& spacing, double cutoff, int bins_per_cutoff = 1) {
  CellList cl;
  const std::size_t n = frac.size();
  // bins a bit thicker than 1/bins_per_cutoff of the cutoff, so the stencil reach is exact
  const double bin_cutoff = cutoff * (1.0 + 10.0 * search_slack) / bins_per_cutoff;
  const double search_cutoff = cutoff * (1.0 + search_slack);
  std::array<double, 3> extent{1.0, 1.0, 1.0};  // fractional extent covered by bins
  for (int a = 0; a < 3; ++a) {
    if (!pbc[a] && n > 0) {
      double lo = frac[0][a], hi = frac[0][a];
      for (const auto& f : frac) {
        lo = std::min(lo, f[a]);
        hi = std::max(hi, f[a]);
      }
      cl.origin[a] = lo;
      extent[a] = hi - lo;
    }
    const double thickness = extent[a] * spacing[a];
    const double want = std::floor(thickness / bin_cutoff);
    cl.bins[a] = want < 1.0 ? 1 : static_cast<int>(std::min(want, 1e6));
  }
  const std::size_t max_bins = 2 * n + 64;
  while (cl.bin_count() > max_bins) {
    const int a = static_cast<int>(std::max_element(cl.bins.begin(), cl.bins.end()) - cl.bins.begin());
    cl.bins[a] = std::max(1, cl.bins[a] / 2);
  }
  for (int a = 0; a < 3; ++a) {
    cl.width[a] = extent[a] / cl.bins[a];
    if (!pbc[a] && cl.bins[a] == 1) {
      cl.reach[a] = 0;  // one bin holds every atom along this open axis
      continue;
    }
    const double ratio = search_cutoff / (cl.width[a] * spacing[a]);
    if (!(ratio < 1e7)) throw InputError("neighbour cutoff " + std::to_string(cutoff) +
                                         " Å needs more than 10^7 periodic images along one axis");
    cl.reach[a] = std::max(1, static_cast<int>(std::ceil(ratio)));
    if (!pbc[a]) cl.reach[a] = std::min(cl.reach[a], cl.bins[a] - 1);
  }
  double stencil = 1.0;
  for (int a = 0; a < 3; ++a) stencil *= pbc[a] ? 2.0 * cl.reach[a] + 1.0 : std::min(2.0 * cl.reach[a] + 1.0, double(cl.bins[a]));
  if (stencil > 1e7)
    throw InputError("neighbour cutoff " + std::to_string(cutoff) + " Å needs " + std::to_string(stencil) +
                     " periodic images or bins per atom (more than 10^7): the cell is too small for it");

  // counting sort of the atoms by bin
  cl.bin_of.resize(n);
  std::vector<std::size_t> flat(n);
  cl.start.assign(cl.bin_count() + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (int a = 0; a < 3; ++a) {
      const int nb = cl.bins[a];
      int b = 0;
      if (nb > 1) {
        const double x = std::floor((frac[i][a] - cl.origin[a]) / cl.width[a]);
        b = x < 0.0 ? 0 : (x >= nb ? nb - 1 : static_cast<int>(x));
      }
      cl.bin_of[i][a] = b;
    }
    flat[i] = cl.bin_index(cl.bin_of[i][0], cl.bin_of[i][1], cl.bin_of[i][2]);
    ++cl.start[flat[i] + 1];
  }
  for (std::size_t b = 0; b < cl.bin_count(); ++b) cl.start[b + 1] += cl.start[b];
  cl.sorted.resize(n);
  std::vector<std::size_t> fill(cl.start.begin(), cl.start.end() - 1);
  for (std::size_t i = 0; i < n; ++i) cl.sorted[fill[flat[i]]++] = i;
  return cl;
}

}  // namespace pestle::detail
