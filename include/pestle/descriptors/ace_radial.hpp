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
// Inner cutoffs (pacemaker's inner_cutoff_type): "density" (the default) switches the embedding off by the
// core density ρ_core (models/ace.hpp); "distance" multiplies every g_k by 1 - f_in(r) and the core repulsion
// by f_in(r), f_in the quintic switch of ML-PACE's cutoff_func_poly: 1 for r <= r_in - Δ_in, 0 for r >= r_in,
// between f_in = ½ + 15/4 (x/4 - x³/6 + x⁵/20) with x = 1 - 2(1 + (r - r_in)/Δ_in) (ace_inner_switch).
// In both, g_k vanishes for r <= r_in - Δ_in when r_in > 0 (r_in = Δ_in = 0 unless a .yace file sets rcut_in, dcut_in).
//
// AceRadialTable tabulates all of them (g, R, c) as cubic Hermite splines on knots r_n = n·h,
// h = rc_max/⌊rc_max/Δ⌋, matching values and first derivatives at the knots; this is how
// ML-PACE evaluates them (deltaSplineBins Δ in the .ace file), so reproducing its numbers to
// round-off needs the same table. One lookup gives every function of a species pair at once.
// ML-PACE v.2021.4.9 (.ace) spans every pair's table and the core envelope over the largest cutoff;
// v.2021.10.25 and later (.yace) span each pair's own rcut (AceRadialBasis::pair_ranges).
#include <cmath>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include "pestle/core/error.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle {

enum class AceRadialKind { cheb_exp_cos, cheb_pow, cheb_linear, sbessel };

/// pacemaker's inner_cutoff_type (header comment).
enum class AceInnerCutoff { density, distance };

/// ML-PACE's quintic switch f(r) (cutoff_func_poly): 1 for r <= r_in - Δ, 0 for r >= r_in, C² between.
inline void ace_inner_switch(double r, double r_in, double delta, double& f, double& df) {
  if (r <= r_in - delta) {
    f = 1.0, df = 0.0;
  } else if (r >= r_in) {
    f = 0.0, df = 0.0;
  } else {
    const double x = 1.0 - 2.0 * (1.0 + (r - r_in) / delta), x2 = x * x;
    f = 0.5 + 7.5 / 2.0 * (x / 4.0 - x2 * x / 6.0 + x2 * x2 * x / 20.0);
    df = -7.5 / delta * (0.25 - x2 / 2.0 + x2 * x2 / 4.0);
  }
}

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
  double rcut_in = 0.0;        ///< Å, inner cutoff r_in (header comment)
  double dcut_in = 0.0;        ///< Å, its width Δ_in
  std::optional<AceRadialKind> kind;  ///< this pair's radial base when it differs from the basis's (.yace bonds)
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
  AceInnerCutoff inner = AceInnerCutoff::density;
  /// Tables and the core-repulsion envelope span each pair's own rcut (ML-PACE >= v.2021.10.25) instead of `cutoff`.
  bool pair_ranges = false;
  std::vector<AceRadialPair> pairs;  ///< [mu_i * nelements + mu_j]

  const AceRadialPair& pair(int mu_i, int mu_j) const { return pairs[std::size_t(mu_i * nelements + mu_j)]; }
  AceRadialKind kind_of(const AceRadialPair& p) const noexcept { return p.kind.value_or(kind); }
  /// Å, the range of the pair's table and core-repulsion envelope.
  double range_of(const AceRadialPair& p) const noexcept { return pair_ranges ? p.rcut : cutoff; }
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
      if (kind_of(p) == AceRadialKind::cheb_exp_cos && !(p.dcut > 0.0))
        throw InputError("ACE radial basis: ChebExpCos needs dcut > 0");
      if (!(p.rcut_in >= 0.0) || !(p.dcut_in >= 0.0) || (inner == AceInnerCutoff::distance && !(p.dcut_in > 0.0)))
        throw InputError("ACE radial basis: rcut_in, dcut_in must not be negative (dcut_in > 0 for a distance inner cutoff)");
    }
  }

  /// g_k(r) and dg_k/dr of the pair (exact, no table); arrays of nradbase entries.
  void base(const AceRadialPair& p, double r, double* g, double* dg) const {
    if (!(r < p.rcut) || (p.rcut_in > 0.0 && r <= p.rcut_in - p.dcut_in)) {
      for (int k = 0; k < nradbase; ++k) g[k] = dg[k] = 0.0;
      return;
    }
    outer_base(p, r, g, dg);
    if (inner != AceInnerCutoff::distance) return;
    double f, df;
    ace_inner_switch(r, p.rcut_in, p.dcut_in, f, df);
    for (int k = 0; k < nradbase; ++k) dg[k] = dg[k] * (1.0 - f) - g[k] * df, g[k] *= 1.0 - f;
  }

  /// g_k(r) of the pair's radial base with its outer cutoff only, r < rcut.
  void outer_base(const AceRadialPair& p, double r, double* g, double* dg) const {
    const AceRadialKind kind = kind_of(p);
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

  /// Core repulsion c(r) and dc/dr (its cosine envelope spans [0, range_of(p)]).
  void core(const AceRadialPair& p, double r, double& c, double& dc) const {
    const double pre = std::abs(p.core_prefactor), lam = std::abs(p.core_lambda);
    const double lr2 = lam * r * r;
    if (!(lr2 < 50.0) || pre == 0.0) {
      c = dc = 0.0;
      return;
    }
    const double pi = std::numbers::pi, rc = range_of(p);
    const double y = std::exp(-lr2);
    const double v = pre * y / r, dv = -pre * y * (2.0 * lr2 + 1.0) / (r * r);
    const double env = 0.5 * (1.0 + std::cos(pi * r / rc));
    const double denv = -0.5 * std::sin(pi * r / rc) * pi / rc;
    c = v * env;
    dc = v * denv + dv * env;
    if (inner != AceInnerCutoff::distance) return;
    double f, df;  // the core repulsion acts only inside the inner cutoff
    ace_inner_switch(r, p.rcut_in, p.dcut_in, f, df);
    dc = dc * f + c * df, c *= f;
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

/// Cubic Hermite lookup table of every radial function of every species pair. Each pair's table
/// has knots r_n = n h, h = range/⌊range/Δ⌋ over its range (AceRadialBasis::range_of).
class AceRadialTable {
 public:
  AceRadialTable() = default;
  AceRadialTable(const AceRadialBasis& basis, double delta) : nfun_(basis.function_count()) {
    basis.validate();
    if (!(delta > 0.0) || !(delta < basis.cutoff)) throw InputError("ACE radial table: spacing must lie in (0, cutoff)");
    std::size_t size = 0;
    for (const AceRadialPair& p : basis.pairs) {
      const double range = basis.range_of(p);
      if (!(delta < range)) throw InputError("ACE radial table: spacing must lie below every pair cutoff");
      Range g;
      g.nlut = static_cast<int>(range / delta);
      g.scale = double(g.nlut) / range;
      g.offset = size;
      size += std::size_t(g.nlut + 1) * 4 * nfun_;
      ranges_.push_back(g);
    }
    table_.assign(size, 0.0);
    for (std::size_t pi = 0; pi < ranges_.size(); ++pi) fill(basis, pi);
  }

  std::size_t function_count() const noexcept { return nfun_; }
  /// Knot spacing of pair 0 (of every pair when all share one range).
  double spacing() const noexcept { return 1.0 / ranges_.front().scale; }

  /// Values and r-derivatives of every function of pair `pair` at r (arrays of function_count()).
  void evaluate(std::size_t pair, double r, double* __restrict out, double* __restrict dout) const {
    const Range& g = ranges_[pair];
    const double x = r * g.scale;
    const int n = static_cast<int>(std::floor(x));
    if (n <= 0) throw NumericalError("ACE: neighbour distance " + std::to_string(r) + " Å is inside the first table bin");
    if (n >= g.nlut) {
      for (std::size_t f = 0; f < nfun_; ++f) out[f] = dout[f] = 0.0;
      return;
    }
    const double w = x - double(n);
    const double* __restrict c = coefficients(g, n);
    const double* __restrict c1 = c + nfun_;
    const double* __restrict c2 = c + 2 * nfun_;
    const double* __restrict c3 = c + 3 * nfun_;
    for (std::size_t f = 0; f < nfun_; ++f) {
      out[f] = c[f] + w * (c1[f] + w * (c2[f] + w * c3[f]));
      dout[f] = (c1[f] + w * (2.0 * c2[f] + 3.0 * w * c3[f])) * g.scale;
    }
  }

 private:
  struct Range {
    int nlut = 0;            ///< knots 1..nlut, nothing beyond r_nlut
    double scale = 1.0;      ///< 1/h
    std::size_t offset = 0;  ///< of the pair's coefficients in table_
  };

  /// Hermite coefficients of pair `pi` from exact values and slopes at its knots, outermost first.
  PESTLE_RUNTIME_INLINE void fill(const AceRadialBasis& basis, std::size_t pi);
  const double* coefficients(const Range& g, int n) const { return table_.data() + g.offset + std::size_t(n) * 4 * nfun_; }

  std::size_t nfun_ = 0;
  std::vector<Range> ranges_;
  std::vector<double> table_;
};

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/descriptors/impl/ace_radial.hpp"
#endif
