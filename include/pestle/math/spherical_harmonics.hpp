#pragma once
// Real spherical harmonics Y_lm(r̂) and their Cartesian gradients ∂Y_lm/∂r, l = 0 .. l_max.
//
// Convention: orthonormal on the unit sphere, no Condon–Shortley phase,
//   Y_lm = N_lm P_l^|m|(cos θ) · { √2 cos(mφ)  m > 0;  1  m = 0;  √2 sin(|m|φ)  m < 0 },
//   N_lm = sqrt((2l+1)/(4π) · (l-|m|)!/(l+|m|)!),
// stored at index l² + l + m. Any orthonormal real basis of each l gives the same SOAP power
// spectrum, so this choice is free (docs/soap.md).
//
// Method: the solid harmonics Z_lm(r) = |r|^l Y_lm(r̂) are polynomials,
//   Z_lm = N_lm · Q_l^|m|(z, ρ = x²+y²+z²) · {C_m | 1 | S_|m|},   C_m + i S_m = (x + i y)^m,
// with the stable three-term recursion in l at fixed m (no division by sin θ, so the poles
// are regular):
//   Q_m^m = (2m-1)!!,  Q_{m+1}^m = (2m+1) z Q_m^m,
//   Q_l^m = [(2l-1) z Q_{l-1}^m - (l+m-1) ρ Q_{l-2}^m] / (l-m).
// Derivatives are carried through the same recursion (∂/∂z and ∂/∂ρ), evaluated on the unit
// vector u = r/|r|. Z is homogeneous of degree l, hence
//   Y_lm(r̂) = Z_lm(u),   ∂Y_lm/∂r = (∇Z_lm(u) - l Z_lm(u) u) / |r|.
#include <cmath>
#include <cstddef>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include "pestle/core/error.hpp"
#include "pestle/core/types.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle::math {

/// Index of (l, m) in the packed arrays, m = -l..l.
constexpr std::size_t sph_index(int l, int m) noexcept { return static_cast<std::size_t>(l * l + l + m); }
/// Number of (l, m) pairs up to l_max.
constexpr std::size_t sph_count(int l_max) noexcept { return static_cast<std::size_t>((l_max + 1) * (l_max + 1)); }

class RealSphericalHarmonics {
 public:
  static constexpr int max_l = 60;  ///< factorial ratios stay far from under/overflow below this

  PESTLE_RUNTIME_INLINE explicit RealSphericalHarmonics(int l_max);

  int l_max() const noexcept { return l_max_; }
  std::size_t size() const noexcept { return sph_count(l_max_); }

  /// y[sph_index(l,m)] = Y_lm(r̂) for r ≠ 0. Mutable scratch makes this non-reentrant: one
  /// object per thread.
  void values(const Vec3& r, std::span<double> y) {
    const Vec3 u = unit(r);
    legendre(u.z(), false);
    double c = 1.0, s = 0.0;  // C_m, S_m of (x+iy)^m
    for (int m = 0; m <= l_max_; ++m) {
      if (m > 0) {
        const double cn = u.x() * c - u.y() * s;
        s = u.x() * s + u.y() * c;
        c = cn;
      }
      for (int l = m; l <= l_max_; ++l) {
        const double q = q_[qidx(l, m)];
        if (m == 0) {
          y[sph_index(l, 0)] = norm_[sph_index(l, 0)] * q;
        } else {
          y[sph_index(l, m)] = norm_[sph_index(l, m)] * q * c;
          y[sph_index(l, -m)] = norm_[sph_index(l, -m)] * q * s;
        }
      }
    }
  }

  /// Values and gradients: dy[d * size() + sph_index(l,m)] = ∂Y_lm/∂r_d (d = x, y, z), Å⁻¹.
  void values_and_gradients(const Vec3& r, std::span<double> y, std::span<double> dy) {
    const double rn = r.norm();
    if (!(rn > 0.0)) throw InputError("spherical harmonics: zero vector has no direction");
    const Vec3 u = r / rn;
    const double x = u.x(), yy = u.y(), z = u.z();
    legendre(z, true);
    const std::size_t n = size();
    double* gx = dy.data();
    double* gy = dy.data() + n;
    double* gz = dy.data() + 2 * n;
    const double inv_r = 1.0 / rn;
    double c = 1.0, s = 0.0, cm1 = 0.0, sm1 = 0.0;  // C_m, S_m and C_{m-1}, S_{m-1}
    for (int m = 0; m <= l_max_; ++m) {
      if (m > 0) {
        cm1 = c;
        sm1 = s;
        c = x * cm1 - yy * sm1;
        s = x * sm1 + yy * cm1;
      }
      // ∂C_m/∂x = m C_{m-1}, ∂C_m/∂y = -m S_{m-1}; ∂S_m/∂x = m S_{m-1}, ∂S_m/∂y = m C_{m-1}
      const double dcx = m * cm1, dcy = -m * sm1, dsx = m * sm1, dsy = m * cm1;
      for (int l = m; l <= l_max_; ++l) {
        const std::size_t k = qidx(l, m);
        const double q = q_[k];
        // ∇Q through z and ρ = |r|²: (2x Q_ρ, 2y Q_ρ, Q_z + 2z Q_ρ), at |u| = 1
        const double qx = 2.0 * x * qr_[k], qy = 2.0 * yy * qr_[k], qz = qz_[k] + 2.0 * z * qr_[k];
        if (m == 0) {
          const std::size_t i = sph_index(l, 0);
          store(i, l, norm_[i] * q, norm_[i] * qx, norm_[i] * qy, norm_[i] * qz, u, inv_r, y, gx, gy, gz);
        } else {
          const std::size_t ip = sph_index(l, m), im = sph_index(l, -m);
          const double np = norm_[ip], nm = norm_[im];
          store(ip, l, np * q * c, np * (qx * c + q * dcx), np * (qy * c + q * dcy), np * qz * c, u, inv_r, y, gx, gy,
                gz);
          store(im, l, nm * q * s, nm * (qx * s + q * dsx), nm * (qy * s + q * dsy), nm * qz * s, u, inv_r, y, gx, gy,
                gz);
        }
      }
    }
  }

 private:
  static Vec3 unit(const Vec3& r) {
    const double rn = r.norm();
    if (!(rn > 0.0)) throw InputError("spherical harmonics: zero vector has no direction");
    return r / rn;
  }

  /// Y = Z(u), ∇Y = (∇Z(u) - l Z(u) u)/|r|.
  static void store(std::size_t i, int l, double zv, double zx, double zy, double zz, const Vec3& u, double inv_r,
                    std::span<double> y, double* gx, double* gy, double* gz) {
    y[i] = zv;
    gx[i] = (zx - l * zv * u.x()) * inv_r;
    gy[i] = (zy - l * zv * u.y()) * inv_r;
    gz[i] = (zz - l * zv * u.z()) * inv_r;
  }

  /// Packed (l, m ≥ 0) index for the Q table.
  static std::size_t qidx(int l, int m) noexcept { return static_cast<std::size_t>(l * (l + 1) / 2 + m); }

  /// Q_l^m(z, ρ = 1) and (optionally) ∂Q/∂z, ∂Q/∂ρ for 0 ≤ m ≤ l ≤ l_max.
  void legendre(double z, bool grad) {
    double dfact = 1.0;  // (2m-1)!!
    for (int m = 0; m <= l_max_; ++m) {
      if (m > 0) dfact *= 2.0 * m - 1.0;
      const std::size_t k0 = qidx(m, m);
      q_[k0] = dfact;
      if (grad) qz_[k0] = qr_[k0] = 0.0;
      if (m == l_max_) continue;
      const std::size_t k1 = qidx(m + 1, m);
      q_[k1] = (2.0 * m + 1.0) * z * dfact;
      if (grad) {
        qz_[k1] = (2.0 * m + 1.0) * dfact;
        qr_[k1] = 0.0;
      }
      for (int l = m + 2; l <= l_max_; ++l) {
        const std::size_t k = qidx(l, m), a = qidx(l - 1, m), b = qidx(l - 2, m);
        const double c1 = rec_a_[k], c2 = rec_b_[k];
        q_[k] = c1 * z * q_[a] - c2 * q_[b];
        if (grad) {
          qz_[k] = c1 * (q_[a] + z * qz_[a]) - c2 * qz_[b];
          qr_[k] = c1 * z * qr_[a] - c2 * (q_[b] + qr_[b]);
        }
      }
    }
  }

  int l_max_;
  std::vector<double> norm_;
  std::vector<double> rec_a_, rec_b_;  ///< recursion coefficients, packed by qidx
  std::vector<double> q_, qz_, qr_;  ///< Q_l^m, ∂Q/∂z, ∂Q/∂ρ, packed by qidx (scratch)
};

}  // namespace pestle::math

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/math/impl/spherical_harmonics.hpp"
#endif
