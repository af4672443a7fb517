#pragma once
// Radial functions of the ACE A-basis (docs/ace.md §1), in the conventions of pacemaker/ML-PACE:
//   g_k(r), k = 0..nradbase-1     radial base (Chebyshev polynomials of a scaled distance)
//   R_nl(r) = Σ_k crad[n][l][k] g_k(r)   the radial functions of the A-basis, n = 0..nradmax-1
//   c(r) = |pre| exp(-|λ| r²)/r · ½(1 + cos(π r/r_c))   optional short-range core repulsion
// Radial bases (x is the scaled distance, T_n Chebyshev polynomials of the first kind):
//   ChebPow:    x = 1 - 2(1 - r/rc)^λ,  g_k = ½(1 - T_{k+1}(x))   (no extra cutoff function needed)
//   ChebLinear: x = 1 - r/rc,           g_k = ½(1 - T_{k+1}(x))
//   ChebExpCos: x = 1 - 2(e^{-λ r/rc} - e^{-λ})/(1 - e^{-λ}),  g_0 = 1, g_k = ½(1 - T_k(x)),
//               all times ½(1 + cos(π r/rc)) and, for r > rc - dcut, times ½(1 + cos(π (r-rc+dcut)/dcut))
//   SBessel:    simplified spherical Bessel functions (Kocer, Mason & Erturk 2019), orthonormal on
//               [0, rc] with weight r²; value and slope vanish at rc, so no cutoff function (λ, dcut unused):
//               f_k = (-1)^k √2 π/rc^{3/2} (k+1)(k+2)/√((k+1)²+(k+2)²) [sinc((k+1)πr/rc) + sinc((k+2)πr/rc)],
//               g_0 = f_0, d_0 = 1;  e_k = k²(k+2)²/(4(k+1)⁴+1), d_k = 1 - e_k/d_{k-1},
//               g_k = (f_k + √(e_k/d_{k-1}) g_{k-1})/√d_k     (docs/ace.md §1)
// Every function vanishes for r >= rc.
//
// AceRadialTable tabulates all of them (g, R, c) as cubic Hermite splines on knots r_n = n·h,
// h = rc_max/⌊rc_max/Δ⌋, matching values and first derivatives at the knots; this is how
// ML-PACE evaluates them (deltaSplineBins Δ in the .ace file), so reproducing its numbers to
// round-off needs the same table. One lookup gives every function of a species pair at once.
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "pestle/core/error.hpp"

namespace pestle {

enum class AceRadialKind { cheb_exp_cos, cheb_pow, cheb_linear, sbessel };

inline std::string to_string(AceRadialKind k) {
  switch (k) {
    case AceRadialKind::cheb_exp_cos: return "ChebExpCos";
    case AceRadialKind::cheb_pow: return "ChebPow";
    case AceRadialKind::cheb_linear: return "ChebLinear";
    case AceRadialKind::sbessel: return "SBessel";
  }
  return "?";
}

/// Radial parameters of one (central species, neighbour species) pair.
struct AceRadialPair {
  double lambda = 1.0;         ///< radparameter λ of the scaled distance
  double rcut = 5.0;           ///< Å, the pair's cutoff
  double dcut = 0.01;          ///< Å, width of the extra cosine cutoff (ChebExpCos only)
  double core_prefactor = 0.0; ///< eV·Å, core repulsion prefactor (0: none)
  double core_lambda = 1.0;    ///< Å⁻², core repulsion exponent
  std::vector<double> crad;    ///< [n][l][k], nradmax × (lmax+1) × nradbase
};

/// The radial basis of an ACE model: kind, sizes, per species-pair parameters.
struct AceRadialBasis {
  AceRadialKind kind = AceRadialKind::cheb_pow;
  int nradbase = 1;  ///< number of g_k
  int nradmax = 1;   ///< number of R_nl per l
  int lmax = 0;
  int nelements = 1;
  double cutoff = 5.0;  ///< Å, largest cutoff (the tables span [0, cutoff])
  std::vector<AceRadialPair> pairs;  ///< [mu_i * nelements + mu_j]

  const AceRadialPair& pair(int mu_i, int mu_j) const { return pairs[std::size_t(mu_i * nelements + mu_j)]; }
  std::size_t radial_count() const noexcept { return std::size_t(nradmax) * std::size_t(lmax + 1); }
  /// Number of tabulated functions per pair: g_k, R_nl, core.
  std::size_t function_count() const noexcept { return std::size_t(nradbase) + radial_count() + 1; }

  void validate() const {
    if (nradbase < 1 || nradmax < 0 || lmax < 0 || nelements < 1)
      throw InputError("ACE radial basis: nradbase >= 1, nradmax >= 0, lmax >= 0 and nelements >= 1 required");
    if (!(cutoff > 0.0) || !std::isfinite(cutoff)) throw InputError("ACE radial basis: cutoff must be positive");
    if (pairs.size() != std::size_t(nelements * nelements))
      throw InputError("ACE radial basis: need nelements² species pairs");
    for (const auto& p : pairs) {
      if (!(p.rcut > 0.0) || p.rcut > cutoff * (1 + 1e-12))
        throw InputError("ACE radial basis: pair cutoff must lie in (0, cutoffmax]");
      if (p.crad.size() != radial_count() * std::size_t(nradbase))
        throw InputError("ACE radial basis: crad must hold nradmax*(lmax+1)*nradbase numbers");
      if (kind == AceRadialKind::cheb_exp_cos && !(p.dcut > 0.0))
        throw InputError("ACE radial basis: ChebExpCos needs dcut > 0");
    }
  }

  /// g_k(r) and dg_k/dr of the pair (exact, no table); arrays of nradbase entries.
  void base(const AceRadialPair& p, double r, double* g, double* dg) const {
    if (!(r < p.rcut)) {
      for (int k = 0; k < nradbase; ++k) g[k] = dg[k] = 0.0;
      return;
    }
    if (kind == AceRadialKind::sbessel) return simplified_bessel(p.rcut, r, g, dg);
    double x = 0.0, dx = 0.0;
    switch (kind) {
      case AceRadialKind::cheb_pow: {
        const double y1 = std::pow(1.0 - r / p.rcut, p.lambda - 1.0);
        x = 1.0 - 2.0 * y1 * (1.0 - r / p.rcut);
        dx = 2.0 * p.lambda / p.rcut * y1;
        break;
      }
      case AceRadialKind::cheb_linear:
        x = 1.0 - r / p.rcut;
        dx = -1.0 / p.rcut;
        break;
      case AceRadialKind::cheb_exp_cos: {
        const double y1 = std::exp(-p.lambda * r / p.rcut), y2 = std::exp(-p.lambda);
        x = 1.0 - 2.0 * (y1 - y2) / (1.0 - y2);
        dx = 2.0 * (p.lambda / p.rcut) * y1 / (1.0 - y2);
        break;
      }
      case AceRadialKind::sbessel: break;  // returned above
    }
    // Chebyshev T_n(x) and T_n'(x) = n U_{n-1}(x)
    const int nmax = nradbase + 1;
    double t_prev = 1.0, t = x, u_prev = 1.0, u = 2.0 * x;  // T0, T1, U0, U1
    std::vector<double> T(std::size_t(nmax) + 1), dT(std::size_t(nmax) + 1);
    T[0] = 1.0, dT[0] = 0.0, T[1] = x, dT[1] = 1.0;
    for (int n = 2; n <= nmax; ++n) {
      const double tn = 2.0 * x * t - t_prev, un = 2.0 * x * u - u_prev;
      T[std::size_t(n)] = tn;
      dT[std::size_t(n)] = n * u;  // n U_{n-1}
      t_prev = t, t = tn, u_prev = u, u = un;
    }
    if (kind == AceRadialKind::cheb_exp_cos) {
      g[0] = 1.0, dg[0] = 0.0;
      for (int k = 1; k < nradbase; ++k) {
        g[k] = 0.5 - 0.5 * T[std::size_t(k)];
        dg[k] = -0.5 * dT[std::size_t(k)] * dx;
      }
      const double pi = std::numbers::pi;
      const double env = 0.5 * (1.0 + std::cos(pi * r / p.rcut));
      const double denv = -0.5 * std::sin(pi * r / p.rcut) * pi / p.rcut;
      for (int k = 0; k < nradbase; ++k) dg[k] = g[k] * denv + dg[k] * env, g[k] *= env;
      const double r0 = p.rcut - p.dcut;
      if (r > r0) {
        const double fc = 0.5 * (1.0 + std::cos(pi * (r - r0) / p.dcut));
        const double dfc = -0.5 * std::sin(pi * (r - r0) / p.dcut) * pi / p.dcut;
        for (int k = 0; k < nradbase; ++k) dg[k] = g[k] * dfc + dg[k] * fc, g[k] *= fc;
      }
    } else {
      for (int k = 0; k < nradbase; ++k) {
        g[k] = 0.5 - 0.5 * T[std::size_t(k) + 1];
        dg[k] = -0.5 * dT[std::size_t(k) + 1] * dx;
      }
    }
  }

  /// The simplified spherical Bessel base (header comment) and its derivative, r < rc.
  void simplified_bessel(double rc, double r, double* g, double* dg) const {
    const double pi = std::numbers::pi;
    // sinc(a r) and its r-derivative; the series near 0 avoids 0/0 at r = 0
    const auto sinc = [](double a, double r, double& v, double& dv) {
      const double x = a * r;
      if (std::abs(x) < 1e-4) {
        v = 1.0 - x * x / 6.0, dv = -a * x / 3.0;
        return;
      }
      v = std::sin(x) / x, dv = a * (std::cos(x) * x - std::sin(x)) / (x * x);
    };
    const auto f = [&](int k, double& v, double& dv) {
      const double kp1 = k + 1.0, kp2 = k + 2.0;
      const double norm = (k % 2 ? -1.0 : 1.0) * std::sqrt(2.0) * pi / std::pow(rc, 1.5) * kp1 * kp2 /
                          std::sqrt(kp1 * kp1 + kp2 * kp2);
      double s1, ds1, s2, ds2;
      sinc(kp1 * pi / rc, r, s1, ds1);
      sinc(kp2 * pi / rc, r, s2, ds2);
      v = norm * (s1 + s2), dv = norm * (ds1 + ds2);
    };
    f(0, g[0], dg[0]);
    double d_prev = 1.0;
    for (int k = 1; k < nradbase; ++k) {
      const double e = double(k) * k * (k + 2.0) * (k + 2.0) / (4.0 * std::pow(k + 1.0, 4) + 1.0);
      const double d = 1.0 - e / d_prev, mix = std::sqrt(e / d_prev), scale = 1.0 / std::sqrt(d);
      double v, dv;
      f(k, v, dv);
      g[k] = scale * (v + mix * g[k - 1]);
      dg[k] = scale * (dv + mix * dg[k - 1]);
      d_prev = d;
    }
  }

  /// Core repulsion c(r) and dc/dr (its cosine envelope spans [0, cutoff]).
  void core(const AceRadialPair& p, double r, double& c, double& dc) const {
    const double pre = std::abs(p.core_prefactor), lam = std::abs(p.core_lambda);
    const double lr2 = lam * r * r;
    if (!(lr2 < 50.0) || pre == 0.0) {
      c = dc = 0.0;
      return;
    }
    const double pi = std::numbers::pi;
    const double y = std::exp(-lr2);
    const double v = pre * y / r, dv = -pre * y * (2.0 * lr2 + 1.0) / (r * r);
    const double env = 0.5 * (1.0 + std::cos(pi * r / cutoff));
    const double denv = -0.5 * std::sin(pi * r / cutoff) * pi / cutoff;
    c = v * env;
    dc = v * denv + dv * env;
  }

  /// Every function of the pair at r: out[f] and dout[f], f over g_k, then R_nl at
  /// nradbase + l*nradmax + n (l-major, so the n of one l are contiguous), then the core.
  void all(const AceRadialPair& p, double r, double* out, double* dout) const {
    const std::size_t nb = std::size_t(nradbase), nr = std::size_t(nradmax), l1 = std::size_t(lmax + 1);
    base(p, r, out, dout);
    for (std::size_t n = 0; n < nr; ++n)
      for (std::size_t l = 0; l < l1; ++l) {
        double v = 0.0, dv = 0.0;
        const double* c = p.crad.data() + (n * l1 + l) * nb;
        for (std::size_t k = 0; k < nb; ++k) v += c[k] * out[k], dv += c[k] * dout[k];
        out[nb + l * nr + n] = v, dout[nb + l * nr + n] = dv;
      }
    core(p, r, out[nb + radial_count()], dout[nb + radial_count()]);
  }
};

/// Cubic Hermite lookup table of every radial function of every species pair.
class AceRadialTable {
 public:
  AceRadialTable() = default;
  AceRadialTable(const AceRadialBasis& basis, double delta) : nfun_(basis.function_count()) {
    basis.validate();
    if (!(delta > 0.0) || !(delta < basis.cutoff)) throw InputError("ACE radial table: spacing must lie in (0, cutoff)");
    nlut_ = static_cast<int>(basis.cutoff / delta);
    scale_ = double(nlut_) / basis.cutoff;
    const double h = 1.0 / scale_;
    npairs_ = basis.pairs.size();
    table_.assign(npairs_ * std::size_t(nlut_ + 1) * 4 * nfun_, 0.0);
    std::vector<double> f0(nfun_), d0(nfun_), f1(nfun_, 0.0), d1(nfun_, 0.0);
    for (std::size_t pi = 0; pi < npairs_; ++pi) {
      std::fill(f1.begin(), f1.end(), 0.0), std::fill(d1.begin(), d1.end(), 0.0);
      for (int n = nlut_; n >= 1; --n) {  // interval n spans [r_n, r_{n+1}], nothing beyond r_nlut
        basis.all(basis.pairs[pi], h * double(n), f0.data(), d0.data());
        double* c = coefficients(pi, n);
        for (std::size_t f = 0; f < nfun_; ++f) {
          const double a = f0[f], da = d0[f] * h, b = f1[f], db = d1[f];
          c[f] = a;
          c[nfun_ + f] = da;
          c[2 * nfun_ + f] = 3.0 * (b - a) - db - 2.0 * da;
          c[3 * nfun_ + f] = -2.0 * (b - a) + db + da;
          f1[f] = a, d1[f] = da;
        }
      }
    }
  }

  std::size_t function_count() const noexcept { return nfun_; }
  double spacing() const noexcept { return 1.0 / scale_; }

  /// Values and r-derivatives of every function of pair `pair` at r (arrays of function_count()).
  void evaluate(std::size_t pair, double r, double* __restrict out, double* __restrict dout) const {
    const double x = r * scale_;
    const int n = static_cast<int>(std::floor(x));
    if (n <= 0) throw NumericalError("ACE: neighbour distance " + std::to_string(r) + " Å is inside the first table bin");
    if (n >= nlut_) {
      for (std::size_t f = 0; f < nfun_; ++f) out[f] = dout[f] = 0.0;
      return;
    }
    const double w = x - double(n);
    const double* __restrict c = coefficients(pair, n);
    const double* __restrict c1 = c + nfun_;
    const double* __restrict c2 = c + 2 * nfun_;
    const double* __restrict c3 = c + 3 * nfun_;
    for (std::size_t f = 0; f < nfun_; ++f) {
      out[f] = c[f] + w * (c1[f] + w * (c2[f] + w * c3[f]));
      dout[f] = (c1[f] + w * (2.0 * c2[f] + 3.0 * w * c3[f])) * scale_;
    }
  }

 private:
  double* coefficients(std::size_t pair, int n) { return table_.data() + (pair * std::size_t(nlut_ + 1) + std::size_t(n)) * 4 * nfun_; }
  const double* coefficients(std::size_t pair, int n) const {
    return table_.data() + (pair * std::size_t(nlut_ + 1) + std::size_t(n)) * 4 * nfun_;
  }

  std::size_t nfun_ = 0, npairs_ = 0;
  int nlut_ = 0;
  double scale_ = 1.0;
  std::vector<double> table_;
};

}  // namespace pestle
