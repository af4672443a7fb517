#pragma once
// Harmonic phonons from finite displacements. Every atom i of the unit cell is displaced by ±h along
// x, y, z inside an n1×n2×n3 supercell and the force constants are the central differences
//   Φ_{iα, jβ} = −(F_{jβ}(+h) − F_{jβ}(−h)) / (2h)        (eV/Å², i in the unit cell, j in the supercell).
// The dynamical matrix at wave vector q is
//   D_{iα, kβ}(q) = Σ_{j: unit(j) = k} Φ_{iα, jβ} ⟨e^{i q·(r_j + L − r_i)}⟩ / sqrt(m_i m_k),
// where, for every pair (i, j), ⟨⟩ averages over the shortest supercell images r_j + L − r_i (several
// when equally short) (the convention phonopy uses, so the two agree on the same force constants).
// Frequencies ν = sign(λ) sqrt(|λ|)/(2π) in THz from the eigenvalues λ of D. Details: docs/validation.md.
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <complex>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "pestle/math/dense/hermitian_eigen.hpp"
#include "pestle/dynamics/common.hpp"
#include "pestle/validate/common.hpp"

namespace pestle::validate {

/// sqrt(eV / (Å² amu)) / (2π) in THz: 15.633302 (CODATA 2018 constants).
inline constexpr double thz_per_sqrt_ev_a2_amu = 15.633302300230191;

struct PhononOptions {
  std::array<int, 3> supercell{2, 2, 2};
  double displacement = 0.01;  ///< h, Å
};

/// Force constants of a unit cell in a supercell: phi[i][j] is the 3×3 block Φ_{iα, jβ}.
struct ForceConstants {
  Structure unit_cell;
  Structure supercell;                  ///< atoms ordered cell by cell: index = cell·n_unit + i
  std::array<int, 3> multiples{1, 1, 1};
  std::vector<std::vector<Mat3>> phi;   ///< [unit atom i][supercell atom j], eV/Å²
  std::vector<int> unit_of;             ///< unit-cell atom of every supercell atom

  /// q in Cartesian 1/Å (including the 2π): q·a_k = 2π q_red,k.
  Vec3 cartesian_q(const Vec3& reduced) const {
    return 2.0 * std::numbers::pi * Mat3(unit_cell.cell.inverse()) * reduced;
  }
};

/// Finite-displacement force constants (6 supercell evaluations per unit-cell atom).
template <Calculator C>
ForceConstants force_constants(const C& calc, const Structure& unit, const PhononOptions& o = {}, const Progress& progress = {}) {
  if (!(o.displacement > 0.0 && o.displacement < 0.2)) throw InputError("phonons: displacement must be in (0, 0.2) Å");
  if (!(unit.pbc[0] && unit.pbc[1] && unit.pbc[2])) throw InputError("phonons need a fully periodic unit cell");
  ForceConstants fc;
  fc.unit_cell = unit;
  fc.multiples = o.supercell;
  fc.supercell = repeat(unit, o.supercell, &fc.unit_of);
  const std::size_t ns = fc.supercell.size();
  fc.phi.assign(unit.size(), std::vector<Mat3>(ns, Mat3::Zero()));
  for (std::size_t i = 0; i < unit.size(); ++i) {
    for (int alpha = 0; alpha < 3; ++alpha) {
      std::vector<Vec3> f[2];
      for (int side = 0; side < 2; ++side) {
        Structure d = fc.supercell;
        d.positions[i][alpha] += side == 0 ? o.displacement : -o.displacement;
        f[side] = evaluate(calc, d).forces;
      }
      for (std::size_t j = 0; j < ns; ++j)
        fc.phi[i][j].row(alpha) = -(f[0][j] - f[1][j]).transpose() / (2.0 * o.displacement);
    }
    report(progress, "displaced atom " + std::to_string(i + 1) + "/" + std::to_string(unit.size()));
  }
  return fc;
}

namespace detail::phonon {

/// The shortest supercell images r_j + L − r_i (all within a relative tolerance of the shortest).
inline std::vector<Vec3> shortest_images(const ForceConstants& fc, std::size_t i, std::size_t j) {
  const Vec3 d0 = fc.supercell.positions[j] - fc.supercell.positions[i];
  std::vector<Vec3> all;
  double best = 1e300;
  for (int a = -2; a <= 2; ++a)
    for (int b = -2; b <= 2; ++b)
      for (int c = -2; c <= 2; ++c) {
        const Vec3 v = d0 + fc.supercell.cell.transpose() * Vec3(a, b, c);
        all.push_back(v);
        best = std::min(best, v.norm());
      }
  std::vector<Vec3> out;
  for (const Vec3& v : all)
    if (v.norm() < best + 1e-5) out.push_back(v);
  return out;
}

}  // namespace detail::phonon

/// Precomputed image vectors for fast dynamical matrices at many q. Keeps a reference to the
/// force constants, which must outlive it.
class DynamicalMatrix {
 public:
  explicit DynamicalMatrix(const ForceConstants& fc) : fc_(fc) {
    const std::size_t nu = fc.unit_cell.size(), ns = fc.supercell.size();
    images_.resize(nu * ns);
    for (std::size_t i = 0; i < nu; ++i)
      for (std::size_t j = 0; j < ns; ++j) images_[i * ns + j] = detail::phonon::shortest_images(fc, i, j);
    masses_ = masses_of(fc.unit_cell);
  }

  /// D(q), Hermitian, 3n×3n, in eV/(Å² amu); q in Cartesian 1/Å.
  Eigen::MatrixXcd at(const Vec3& q) const {
    const std::size_t nu = fc_.unit_cell.size(), ns = fc_.supercell.size();
    Eigen::MatrixXcd d = Eigen::MatrixXcd::Zero(Eigen::Index(3 * nu), Eigen::Index(3 * nu));
    for (std::size_t i = 0; i < nu; ++i)
      for (std::size_t j = 0; j < ns; ++j) {
        const std::size_t k = std::size_t(fc_.unit_of[j]);
        std::complex<double> phase = 0.0;
        for (const Vec3& v : images_[i * ns + j]) phase += std::polar(1.0, q.dot(v));
        phase /= double(images_[i * ns + j].size());
        const double w = 1.0 / std::sqrt(masses_[i] * masses_[k]);
        d.block<3, 3>(Eigen::Index(3 * i), Eigen::Index(3 * k)) += fc_.phi[i][j].cast<std::complex<double>>() * (phase * w);
      }
    return 0.5 * (d + d.adjoint());  // remove the round-off asymmetry of the finite differences
  }

  /// Frequencies (THz, ascending; imaginary modes negative) at q (Cartesian 1/Å).
  std::vector<double> frequencies(const Vec3& q) const {
    const Eigen::VectorXd eigenvalues = dense::hermitian_eigenvalues(at(q));
    if (eigenvalues.size() == 0) throw NumericalError("phonons: dynamical matrix diagonalisation failed");
    std::vector<double> f;
    for (Eigen::Index k = 0; k < eigenvalues.size(); ++k) {
      const double l = eigenvalues[k];
      f.push_back(std::copysign(std::sqrt(std::abs(l)), l) * thz_per_sqrt_ev_a2_amu);
    }
    return f;
  }

 private:
  const ForceConstants& fc_;
  std::vector<std::vector<Vec3>> images_;
  std::vector<double> masses_;
};

struct BandPoint {
  std::string label;
  Vec3 reduced;  ///< in units of the unit cell's reciprocal lattice vectors
};

struct Bands {
  std::vector<double> distance;                 ///< cumulative |Δq| along the path, 1/Å
  std::vector<Vec3> q_reduced;
  std::vector<std::vector<double>> frequencies; ///< [point][mode], THz
  std::vector<std::pair<double, std::string>> ticks;
};

/// Frequencies on straight segments between consecutive path points, `per_segment` steps each.
inline Bands band_structure(const DynamicalMatrix& dm, const ForceConstants& fc, const std::vector<BandPoint>& path,
                            int per_segment = 20) {
  if (path.size() < 2 || per_segment < 1) throw InputError("a band path needs at least two points");
  Bands b;
  double s = 0.0;
  b.ticks.emplace_back(0.0, path[0].label);
  for (std::size_t p = 0; p + 1 < path.size(); ++p) {
    for (int k = (p == 0 ? 0 : 1); k <= per_segment; ++k) {
      const Vec3 qr = path[p].reduced + (path[p + 1].reduced - path[p].reduced) * (double(k) / per_segment);
      if (!b.q_reduced.empty()) s += (fc.cartesian_q(qr) - fc.cartesian_q(b.q_reduced.back())).norm();
      b.distance.push_back(s);
      b.q_reduced.push_back(qr);
      b.frequencies.push_back(dm.frequencies(fc.cartesian_q(qr)));
    }
    b.ticks.emplace_back(s, path[p + 1].label);
  }
  return b;
}

/// A standard path for a conventional cubic cell of the named lattice (reduced coordinates of the cubic cell).
inline std::vector<BandPoint> cubic_band_path(const std::string& lattice) {
  if (lattice == "fcc" || lattice == "diamond")
    return {{"Γ", {0, 0, 0}}, {"X", {1, 0, 0}}, {"W", {1, 0.5, 0}}, {"K", {0.75, 0.75, 0}}, {"Γ", {0, 0, 0}}, {"L", {0.5, 0.5, 0.5}}};
  if (lattice == "bcc") return {{"Γ", {0, 0, 0}}, {"H", {1, 0, 0}}, {"N", {0.5, 0.5, 0}}, {"Γ", {0, 0, 0}}, {"P", {0.5, 0.5, 0.5}}};
  return {{"Γ", {0, 0, 0}}, {"X", {0.5, 0, 0}}, {"M", {0.5, 0.5, 0}}, {"Γ", {0, 0, 0}}, {"R", {0.5, 0.5, 0.5}}};
}

struct Dos {
  std::vector<double> frequency;  ///< THz
  std::vector<double> density;    ///< states/THz per unit cell (integrates to 3n)
};

/// Phonon density of states from a Γ-centred mesh×mesh×mesh q-grid, Gaussian smearing sigma (THz).
inline Dos density_of_states(const DynamicalMatrix& dm, const ForceConstants& fc, int mesh = 8, double sigma = 0.1,
                             int bins = 200) {
  if (mesh < 1 || !(sigma > 0) || bins < 2) throw InputError("phonon DOS: mesh >= 1, sigma > 0, bins >= 2");
  std::vector<double> all;
  for (int a = 0; a < mesh; ++a)
    for (int b = 0; b < mesh; ++b)
      for (int c = 0; c < mesh; ++c)
        for (double f : dm.frequencies(fc.cartesian_q(Vec3(a, b, c) / mesh))) all.push_back(f);
  const double lo = std::min(0.0, *std::min_element(all.begin(), all.end())) - 3 * sigma;
  const double hi = *std::max_element(all.begin(), all.end()) + 3 * sigma;
  Dos d;
  const double weight = 1.0 / (double(mesh) * mesh * mesh * sigma * std::sqrt(2 * std::numbers::pi));
  for (int k = 0; k < bins; ++k) {
    const double f = lo + (hi - lo) * k / (bins - 1);
    double g = 0.0;
    for (double fk : all) g += std::exp(-0.5 * std::pow((f - fk) / sigma, 2));
    d.frequency.push_back(f);
    d.density.push_back(g * weight);
  }
  return d;
}

}  // namespace pestle::validate
