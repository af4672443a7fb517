#pragma once
// Point defects and surfaces of a crystal.
//   Vacancy formation energy  E_f = E(N−1, vacancy) − (N−1)/N · E(N, bulk)  at fixed cell.
//   Surface energy            γ = (E_slab − E_bulk) / (2A)  for a slab of the same oriented cell with
//                             vacuum added along the facet normal (two surfaces of area A each).
// The facet is given by the Miller indices (hkl) of a cubic crystal; the oriented cell is built from
// integer vectors of the conventional cubic lattice (two in the plane, one out of it, unimodular).
// Formulas and closed-form checks: docs/validation.md ("Defects and surfaces").
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "pestle/dynamics/common.hpp"
#include "pestle/validate/common.hpp"

namespace pestle::validate {

inline constexpr double j_per_m2_per_ev_per_a2 = 16.021766339999996;  ///< 1 eV/Å² in J/m²

/// The shortest periodic image of the vector d in the cell of s (searching the 27 nearest images).
inline Vec3 minimum_image(const Structure& s, const Vec3& d) {
  Vec3 best = d;
  for (int a = -1; a <= 1; ++a)
    for (int b = -1; b <= 1; ++b)
      for (int c = -1; c <= 1; ++c) {
        const Vec3 v = d + s.cell.transpose() * Vec3(a, b, c);
        if (v.norm() < best.norm()) best = v;
      }
  return best;
}

struct VacancyResult {
  std::size_t atoms = 0;          ///< of the perfect supercell
  double unrelaxed = 0.0;         ///< eV
  double relaxed = 0.0;           ///< eV (equal to unrelaxed when relaxation is off)
};

/// Vacancy formation energy in the (already relaxed) perfect supercell `bulk`: atom 0 removed.
/// The relaxed value keeps the cell fixed (constant-volume formation energy).
template <Calculator C>
VacancyResult vacancy_formation(const C& calc, const Structure& bulk, const InternalRelax& relax = {}) {
  if (bulk.size() < 2) throw InputError("vacancy: the supercell needs at least two atoms");
  const double e_bulk = evaluate(calc, bulk).energy;
  Structure v = bulk;
  v.positions.erase(v.positions.begin());
  v.numbers.erase(v.numbers.begin());
  const double n = double(bulk.size());
  VacancyResult r;
  r.atoms = bulk.size();
  r.unrelaxed = evaluate(calc, v).energy - (n - 1.0) / n * e_bulk;
  if (relax.enabled) {
    // The ideal vacancy is a stationary point by symmetry, and with short-ranged potentials (SW:
    // the dangling-bond atoms are a/√2 apart, beyond the cutoff) even a local minimum. Relax from
    // two starts, a small seeded rattle and the nearest shell pulled 15 % towards the empty site,
    // and keep the lower energy.
    Structure rattled = v;
    rattle(rattled, 0.02, 1);
    Structure inward = v;
    const Vec3 site = bulk.positions[0];
    double nearest = 1e300;
    for (const Vec3& p : inward.positions) nearest = std::min(nearest, minimum_image(bulk, p - site).norm());
    for (Vec3& p : inward.positions) {
      const Vec3 d = minimum_image(bulk, p - site);
      if (d.norm() < 1.1 * nearest) p -= 0.15 * d;
    }
    const double e = std::min(relax_positions(calc, rattled, relax).second.energy, relax_positions(calc, inward, relax).second.energy);
    r.relaxed = e - (n - 1.0) / n * e_bulk;
  } else {
    r.relaxed = r.unrelaxed;
  }
  return r;
}

namespace detail::surface {

using IVec = std::array<long, 3>;

inline long dot(const IVec& a, const IVec& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
inline IVec cross(const IVec& a, const IVec& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
inline long norm2(const IVec& a) { return dot(a, a); }

/// Rows v1, v2 (in the plane h·v = 0, spanning its lattice) and v3 (h·v3 = 1): a unimodular,
/// right-handed basis of the cubic lattice Z³ adapted to the facet (hkl).
inline std::array<IVec, 3> facet_basis(IVec h) {
  const long g = std::gcd(std::gcd(std::abs(h[0]), std::abs(h[1])), std::abs(h[2]));
  if (g == 0) throw InputError("surface: Miller indices (0 0 0) name no facet");
  for (long& x : h) x /= g;
  const long range = std::max({std::abs(h[0]), std::abs(h[1]), std::abs(h[2])}) + 1;
  std::vector<IVec> in_plane, out_of_plane;
  for (long a = -range; a <= range; ++a)
    for (long b = -range; b <= range; ++b)
      for (long c = -range; c <= range; ++c) {
        const IVec v{a, b, c};
        if (norm2(v) == 0) continue;
        if (dot(v, h) == 0) in_plane.push_back(v);
        if (dot(v, h) == 1) out_of_plane.push_back(v);
      }
  const auto shorter = [](const IVec& x, const IVec& y) { return norm2(x) < norm2(y) || (norm2(x) == norm2(y) && x > y); };
  std::sort(in_plane.begin(), in_plane.end(), shorter);
  std::sort(out_of_plane.begin(), out_of_plane.end(), shorter);
  // the plane lattice's cell has area |h|: take the shortest pair that achieves it
  for (std::size_t p = 0; p < in_plane.size(); ++p)
    for (std::size_t q = p + 1; q < in_plane.size(); ++q) {
      const IVec n = cross(in_plane[p], in_plane[q]);
      if (norm2(n) != norm2(h)) continue;
      IVec v1 = in_plane[p], v2 = in_plane[q];
      if (dot(n, h) < 0) std::swap(v1, v2);  // right-handed: (v1 × v2)·v3 = h·v3 > 0
      // v3 closest to the normal among the out-of-plane vectors
      IVec v3 = out_of_plane.front();
      double best = 1e300;
      for (const IVec& v : out_of_plane) {
        const double tilt = double(norm2(v)) - 1.0 / double(norm2(h));  // |v|² − (v·ĥ)²
        if (tilt < best - 1e-12) best = tilt, v3 = v;
      }
      return {v1, v2, v3};
    }
  throw InputError("surface: no in-plane lattice basis found for this facet");
}

}  // namespace detail::surface

/// Bulk crystal of the cubic `lattice` (constant a, element z) in a cell whose first two lattice
/// vectors lie in the (hkl) plane and whose third is repeated `layers` times out of it.
inline Structure oriented_cell(const std::string& lattice, double a, int z, const std::array<int, 3>& hkl, int layers) {
  if (layers < 1) throw InputError("surface: layers must be >= 1");
  const auto v = detail::surface::facet_basis({hkl[0], hkl[1], hkl[2]});
  Structure s;
  s.pbc = {true, true, true};
  for (int r = 0; r < 3; ++r)
    s.cell.row(r) = a * Vec3(double(v[std::size_t(r)][0]), double(v[std::size_t(r)][1]), double(v[std::size_t(r)][2])) *
                    (r == 2 ? layers : 1);
  const Mat3 to_frac = Mat3(s.cell.transpose()).inverse();
  long reach = 0;
  for (int r = 0; r < 3; ++r) reach += (std::abs(v[std::size_t(r)][0]) + std::abs(v[std::size_t(r)][1]) + std::abs(v[std::size_t(r)][2])) * (r == 2 ? layers : 1);
  for (long x = -reach; x <= reach; ++x)
    for (long y = -reach; y <= reach; ++y)
      for (long w = -reach; w <= reach; ++w)
        for (const Vec3& b : cubic_basis_named(lattice)) {
          const Vec3 p = a * (Vec3(double(x), double(y), double(w)) + b);
          const Vec3 f = to_frac * p;
          if ((f.array() >= -1e-9).all() && (f.array() < 1.0 - 1e-9).all()) s.add_atom(z, p);
        }
  const std::size_t expected = std::size_t(layers) * cubic_basis_named(lattice).size();
  if (s.size() != expected)
    throw NumericalError("surface: oriented cell has " + std::to_string(s.size()) + " atoms, expected " + std::to_string(expected));
  return s;
}

struct SurfaceResult {
  std::array<int, 3> hkl{1, 0, 0};
  std::size_t atoms = 0;
  double area = 0.0;       ///< Å², of one surface
  double unrelaxed = 0.0;  ///< eV/Å²
  double relaxed = 0.0;    ///< eV/Å²
  double relaxed_j_m2() const { return relaxed * j_per_m2_per_ev_per_a2; }
};

/// Surface energy of the (hkl) facet: oriented bulk cell vs the same atoms with `vacuum` Å added
/// along the normal (periodic in-plane).
template <Calculator C>
SurfaceResult surface_energy(const C& calc, const std::string& lattice, double a, int z, const std::array<int, 3>& hkl,
                             int layers = 4, double vacuum = 10.0, const InternalRelax& relax = {}) {
  if (!(vacuum > 0)) throw InputError("surface: vacuum must be positive");
  const Structure bulk = oriented_cell(lattice, a, z, hkl, layers);
  Structure slab = bulk;
  const Vec3 normal = bulk.cell.row(0).cross(bulk.cell.row(1)).transpose().normalized();
  slab.cell.row(2) += vacuum * normal.transpose();
  SurfaceResult r;
  r.hkl = hkl;
  r.atoms = bulk.size();
  r.area = bulk.cell.row(0).cross(bulk.cell.row(1)).norm();
  const double e_bulk = evaluate(calc, bulk).energy;
  r.unrelaxed = (evaluate(calc, slab).energy - e_bulk) / (2.0 * r.area);
  if (relax.enabled) {
    rattle(slab, 0.02, 1);  // leave the symmetric stationary point (see vacancy_formation)
    r.relaxed = (relax_positions(calc, slab, relax).second.energy - e_bulk) / (2.0 * r.area);
  } else {
    r.relaxed = r.unrelaxed;
  }
  return r;
}

}  // namespace pestle::validate
