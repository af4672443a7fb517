#pragma once
// Complex spherical harmonics for ACE, in the normalisation pacemaker/ML-PACE use:
//   Y_lm(r̂) = √(4π) · Y^orthonormal_lm(r̂)   (so Y_00 = 1), Condon–Shortley phase,
//   Y_l,-m = (-1)^m conj(Y_lm).
// Only m >= 0 is computed; index lm = l(l+1)/2 + m (0 <= m <= l), count (lmax+1)(lmax+2)/2.
//
// Written as Y_lm = P̄_lm(z) · (x + i y)^m with P̄_lm(z) = P_l^m(z)/(1-z²)^{m/2} times the
// normalisation, a polynomial in (x, y, z). The gradient returned is the formal gradient
// of that polynomial with respect to (x, y, z) at the unit vector; callers project out the
// radial part (see ace.hpp: ∇_r Y(r/|r|) = (∇_u Y - r̂ (r̂·∇_u Y)) / |r|).
// Recurrences (normalised associated Legendre functions), docs/ace.md §2:
//   P̄_00 = 1, P̄_mm = -√(1 + 1/(2m)) P̄_{m-1,m-1}, P̄_{m+1,m} = √(2m+3) z P̄_mm,
//   P̄_lm = a_lm (z P̄_{l-1,m} + b_lm P̄_{l-2,m}),
//   a_lm = √((4l²-1)/(l²-m²)),  b_lm = -√(((l-1)²-m²)/(4(l-1)²-1)).
#include <cmath>
#include <complex>
#include <vector>

#include "pestle/core/error.hpp"

namespace pestle {

class AceHarmonics {
 public:
  explicit AceHarmonics(int lmax = 0) : lmax_(lmax) {
    if (lmax < 0 || lmax > 40) throw InputError("ACE spherical harmonics: lmax must be in [0, 40]");
    a_.assign(count(), 0.0);
    b_.assign(count(), 0.0);
    for (int l = 2; l <= lmax; ++l)
      for (int m = 0; m <= l - 2; ++m) {
        const double l2 = double(l) * l, m2 = double(m) * m, lm1 = double(l - 1) * (l - 1);
        a_[index(l, m)] = std::sqrt((4.0 * l2 - 1.0) / (l2 - m2));
        b_[index(l, m)] = -std::sqrt((lm1 - m2) / (4.0 * lm1 - 1.0));
      }
  }

  int lmax() const noexcept { return lmax_; }
  std::size_t count() const noexcept { return std::size_t(lmax_ + 1) * std::size_t(lmax_ + 2) / 2; }
  static constexpr std::size_t index(int l, int m) noexcept { return std::size_t(l * (l + 1) / 2 + m); }

  /// Y_lm (m >= 0) at the unit vector u and, if dy is given, its gradient components
  /// dY[3*lm + d] = ∂Y_lm/∂u_d (formal gradient of the polynomial form). Arrays hold count()
  /// and 3*count() entries; p and dp are scratch of count() entries.
  void compute(double x, double y, double z, std::complex<double>* Y, std::complex<double>* dY, double* p,
               double* dp) const {
    legendre(z, p, dp);
    // (x + i y)^m and its m-th power's derivative factor m (x+iy)^{m-1}
    std::complex<double> phase(1.0, 0.0), phase_prev(0.0, 0.0);
    const std::complex<double> w(x, y);
    for (int m = 0; m <= lmax_; ++m) {
      if (m > 0) {
        phase_prev = phase;
        phase *= w;
      }
      const std::complex<double> dphase = double(m) * phase_prev;  // d/dx of w^m; d/dy is i times it
      for (int l = m; l <= lmax_; ++l) {
        const std::size_t k = index(l, m);
        Y[k] = p[k] * phase;
        if (dY) {
          dY[3 * k + 0] = p[k] * dphase;
          dY[3 * k + 1] = p[k] * std::complex<double>(-dphase.imag(), dphase.real());
          dY[3 * k + 2] = dp[k] * phase;
        }
      }
    }
  }

  /// The same for the unit vectors (x[k], y[k], z[k]), k in [b, e), as rows of stride st:
  /// Y_lm at re[lm*st + k], im[lm*st + k]; ∂Y_lm/∂u_d at dre/dim[(3 lm + d)*st + k]. Vectorises over k.
  /// scratch holds (2 count() + 2 (lmax+1)) * st doubles.
  void compute_rows(const double* x, const double* y, const double* z, std::size_t b, std::size_t e, std::size_t st,
                    double* re, double* im, double* dre, double* dim, double* scratch) const {
    double* P = scratch;
    double* dP = P + count() * st;
    double* phr = dP + count() * st;
    double* phi = phr + std::size_t(lmax_ + 1) * st;
    for (std::size_t k = b; k < e; ++k) P[k] = 1.0, dP[k] = 0.0, phr[k] = 1.0, phi[k] = 0.0;
    for (int m = 1; m <= lmax_; ++m) {
      const double c = -std::sqrt(1.0 + 0.5 / m);
      double* __restrict pm = P + index(m, m) * st;
      const double* __restrict pp = P + index(m - 1, m - 1) * st;
      double* __restrict dpm = dP + index(m, m) * st;
      double* __restrict hr = phr + std::size_t(m) * st;
      double* __restrict hi = phi + std::size_t(m) * st;
      const double* __restrict gr = phr + std::size_t(m - 1) * st;
      const double* __restrict gi = phi + std::size_t(m - 1) * st;
      for (std::size_t k = b; k < e; ++k) {
        pm[k] = c * pp[k], dpm[k] = 0.0;
        hr[k] = gr[k] * x[k] - gi[k] * y[k], hi[k] = gr[k] * y[k] + gi[k] * x[k];
      }
    }
    for (int m = 0; m < lmax_; ++m) {
      const double d = std::sqrt(2.0 * m + 3.0);
      double* __restrict p1 = P + index(m + 1, m) * st;
      double* __restrict dp1 = dP + index(m + 1, m) * st;
      const double* __restrict p0 = P + index(m, m) * st;
      for (std::size_t k = b; k < e; ++k) p1[k] = d * z[k] * p0[k], dp1[k] = d * p0[k];
    }
    for (int l = 2; l <= lmax_; ++l)
      for (int m = 0; m <= l - 2; ++m) {
        const std::size_t i0 = index(l, m);
        const double a = a_[i0], bb = b_[i0];
        double* __restrict p = P + i0 * st;
        double* __restrict dp = dP + i0 * st;
        const double* __restrict p1 = P + index(l - 1, m) * st;
        const double* __restrict p2 = P + index(l - 2, m) * st;
        const double* __restrict dp1 = dP + index(l - 1, m) * st;
        const double* __restrict dp2 = dP + index(l - 2, m) * st;
        for (std::size_t k = b; k < e; ++k) {
          p[k] = a * (z[k] * p1[k] + bb * p2[k]);
          dp[k] = a * (p1[k] + z[k] * dp1[k] + bb * dp2[k]);
        }
      }
    for (int m = 0; m <= lmax_; ++m) {
      const double* __restrict hr = phr + std::size_t(m) * st;
      const double* __restrict hi = phi + std::size_t(m) * st;
      const double* __restrict gr = phr + std::size_t(m > 0 ? m - 1 : 0) * st;
      const double* __restrict gi = phi + std::size_t(m > 0 ? m - 1 : 0) * st;
      const double fm = double(m);
      for (int l = m; l <= lmax_; ++l) {
        const std::size_t lm = index(l, m);
        const double* __restrict p = P + lm * st;
        const double* __restrict dp = dP + lm * st;
        double* __restrict yr = re + lm * st;
        double* __restrict yi = im + lm * st;
        double* __restrict xr = dre + 3 * lm * st;
        double* __restrict xi = dim + 3 * lm * st;
        for (std::size_t k = b; k < e; ++k) {
          yr[k] = p[k] * hr[k], yi[k] = p[k] * hi[k];
          const double ar = fm * p[k] * gr[k], ai = fm * p[k] * gi[k];  // ∂/∂x: m P w^{m-1}
          xr[k] = ar, xi[k] = ai;
          xr[st + k] = -ai, xi[st + k] = ar;                           // ∂/∂y: i m P w^{m-1}
          xr[2 * st + k] = dp[k] * hr[k], xi[2 * st + k] = dp[k] * hi[k];  // ∂/∂z
        }
      }
    }
  }

 private:
  void legendre(double z, double* p, double* dp) const {
    p[0] = 1.0;
    dp[0] = 0.0;
    for (int m = 1; m <= lmax_; ++m) {  // diagonal
      const double c = -std::sqrt(1.0 + 0.5 / m);
      p[index(m, m)] = c * p[index(m - 1, m - 1)];
      dp[index(m, m)] = 0.0;
    }
    for (int m = 0; m < lmax_; ++m) {  // first off-diagonal
      const double d = std::sqrt(2.0 * m + 3.0);
      p[index(m + 1, m)] = d * z * p[index(m, m)];
      dp[index(m + 1, m)] = d * p[index(m, m)];
    }
    for (int l = 2; l <= lmax_; ++l)
      for (int m = 0; m <= l - 2; ++m) {
        const std::size_t k = index(l, m), k1 = index(l - 1, m), k2 = index(l - 2, m);
        p[k] = a_[k] * (z * p[k1] + b_[k] * p[k2]);
        dp[k] = a_[k] * (p[k1] + z * dp[k1] + b_[k] * dp[k2]);
      }
  }

  int lmax_;
  std::vector<double> a_, b_;
};

}  // namespace pestle
