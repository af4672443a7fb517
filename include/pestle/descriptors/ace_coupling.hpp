#pragma once
// pestle's own ACE B-basis (docs/ace.md §5): rotation-invariant products of the atomic base,
// coupled by generalised Clebsch–Gordan coefficients and reduced to linearly independent
// functions, written in the precontracted form of ace_basis.hpp (one column per B function, so
// AceDescriptor returns the B values of an atom and their derivatives: a design-matrix row).
//
// For a multiset of factors (μ_t, n_t, l_t), t = 1..ν (ν >= 2, Σ l_t even), every coupling path
// of intermediate angular momenta L_1 = l1⊗l2, L_2 = L_1⊗l3, ..., ending in L = 0 gives
//   B = Σ_{m_1..m_ν} C(l1 m1 l2 m2 | L1 M1) C(L1 M1 l3 m3 | L2 M2) ··· C(L_{ν-2} M_{ν-2} l_ν m_ν | 0 0) Π_t A_{μ_t n_t l_t m_t}.
// Because the A commute, each B is a vector over sorted monomials (μ n l m)^ν; paths of one multiset
// span the invariants of that multiset but are generally dependent, so they are orthonormalised by
// an SVD and only singular vectors with σ > 1e-10·σ_max are kept: no duplicates, no zero functions.
// Odd Σ l would give purely imaginary invariants (zero after Re) and is skipped. Rank 1 is A_{μ k}
// = Σ_j g_k(r_ij) (radial base, Y_00 = 1).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <span>
#include <vector>

#include <Eigen/Dense>
#include <string>

#include "pestle/math/dense/jacobi_svd.hpp"
#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/memory.hpp"
#include "pestle/descriptors/ace_basis.hpp"
#include "pestle/math/clebsch_gordan.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle {

/// Radial parameters of one species pair that differ from the spec's defaults (per-bond cutoffs, as
/// pacemaker's bonds): applied to both orders (z_a, z_b) and (z_b, z_a).
struct AceBondSpec {
  int z_a = 0, z_b = 0;  ///< atomic numbers
  double rcut = 5.0;     ///< Å
  double lambda = 2.0;
  double dcut = 0.01;    ///< Å (ChebExpCos)
  bool operator==(const AceBondSpec&) const = default;
};

/// Which products to include: for rank ν = 1..ranks.size(), n < nmax[ν-1] and l <= lmax[ν-1], and,
/// where max_degree[ν-1] > 0, a total degree Σ_t (n_t + 1 + l_weight·l_t) <= max_degree[ν-1]
/// (n_t 0-based here, so a factor's degree is its 1-based n plus the weighted l: docs/ace.md §5).
struct AceBasisSpec {
  std::vector<int> elements;             ///< atomic numbers
  std::vector<int> nmax = {6, 3, 2, 1};  ///< per rank (rank 1: number of g_k)
  std::vector<int> lmax = {0, 3, 2, 1};  ///< per rank (rank 1 must be 0)
  std::vector<double> max_degree;        ///< per rank, or empty; <= 0: no degree bound for that rank
  double l_weight = 1.5;                 ///< weight of l in the total degree
  AceRadialKind radial = AceRadialKind::cheb_pow;
  double lambda = 2.0;   ///< radparameter of the scaled distance
  double rcut = 5.0;     ///< Å
  double dcut = 0.01;    ///< Å (ChebExpCos)
  double spline_delta = 0.001;
  std::vector<AceBondSpec> bonds;  ///< per-pair overrides of rcut, lambda, dcut

  /// Å, the largest cutoff of any pair (the neighbour-list cutoff).
  double max_cutoff() const {
    double r = rcut;
    for (const auto& b : bonds) r = std::max(r, b.rcut);
    return r;
  }
};

/// The total degree of one factor (0-based n, l) of a product: n + 1 + l_weight·l.
inline double ace_factor_degree(const AceBasisSpec& spec, int n, int l) { return n + 1 + spec.l_weight * l; }

/// The total-degree bound of a rank (1-based), +∞ where the spec sets none.
inline double ace_degree_bound(const AceBasisSpec& spec, int rank) {
  const std::size_t r = std::size_t(rank - 1);
  return r < spec.max_degree.size() && spec.max_degree[r] > 0.0 ? spec.max_degree[r] : std::numeric_limits<double>::infinity();
}

/// The largest n_max and l_max a total-degree bound D allows at a rank (docs/ace.md §5): one factor may
/// reach n + 1 = D − (rank − 1) and l_weight·l = D − rank while the other rank − 1 factors stay at degree 1.
struct AceDegreeBox {
  int nmax = 0, lmax = 0;
};
inline AceDegreeBox ace_degree_box(int rank, double degree, double l_weight) {
  const int nmax = int(std::floor(degree - (rank - 1) + 1e-9));
  const int lmax = rank == 1 ? 0 : std::min(10, int(std::floor((degree - rank) / l_weight + 1e-9)));
  return {nmax, lmax};
}

/// The radial sizes of ace_b_radial for n_max per rank (rank 1 first): R_nl = g_n needs as many g_k as the
/// largest n_max of the ranks >= 2 (nradmax), and rank 1 uses g_0 .. g_{n_max[0]-1} itself (nradbase).
struct AceRadialSizes {
  int nradmax = 0, nradbase = 1;
};
constexpr AceRadialSizes ace_radial_sizes(std::span<const int> nmax) {
  int nrad = 0;
  for (std::size_t r = 1; r < nmax.size(); ++r) nrad = std::max(nrad, nmax[r]);
  return {nrad, std::max(nmax[0], std::max(nrad, 1))};
}

namespace detail {

using AceFactor = std::array<int, 3>;          // (μ, n, l)
using AceMonomial = std::vector<std::array<int, 4>>;  // sorted (μ, n, l, m)

/// Non-decreasing tuples of factors of length `rank` (multisets) with Σ l even and total degree at most
/// `budget` (degree[k] is the degree of factors[k]; every degree is >= 1, which prunes the recursion).
inline void ace_multisets(const std::vector<AceFactor>& factors, const std::vector<double>& degree, int rank, std::size_t from,
                          double budget, std::vector<AceFactor>& cur, std::vector<std::vector<AceFactor>>& out) {
  if (int(cur.size()) == rank) {
    int lsum = 0;
    for (const auto& f : cur) lsum += f[2];
    if (lsum % 2 == 0) out.push_back(cur);
    return;
  }
  const double still_needed = double(rank - int(cur.size()) - 1);  // the later factors add at least 1 each
  for (std::size_t k = from; k < factors.size(); ++k) {
    if (degree[k] + still_needed > budget + 1e-9) continue;
    cur.push_back(factors[k]);
    ace_multisets(factors, degree, rank, k, budget - degree[k], cur, out);
    cur.pop_back();
  }
}

/// Coefficient of the m-tuple along the coupling path L (intermediate momenta), generalised CG.
inline double ace_path_coefficient(const std::vector<AceFactor>& f, const std::vector<int>& m, const std::vector<int>& L) {
  const std::size_t r = f.size();
  int J = f[0][2], M = m[0];
  double c = 1.0;
  for (std::size_t t = 1; t < r; ++t) {
    const int Jn = (t + 1 == r) ? 0 : L[t - 1];
    const int Mn = M + m[t];
    c *= math::clebsch_gordan(2 * J, 2 * M, 2 * f[t][2], 2 * m[t], 2 * Jn, 2 * Mn);
    if (c == 0.0) return 0.0;
    J = Jn, M = Mn;
  }
  return c;
}

inline void ace_paths(const std::vector<AceFactor>& f, std::size_t t, int J, std::vector<int>& cur, std::vector<std::vector<int>>& out) {
  // cur holds L_1..L_{t-1}; the last intermediate must equal l_ν so that it couples to 0
  const std::size_t r = f.size();
  if (t + 1 == r) {
    if (J == f[r - 1][2]) out.push_back(cur);
    return;
  }
  for (int Jn = std::abs(J - f[t][2]); Jn <= J + f[t][2]; ++Jn) {
    cur.push_back(Jn);
    ace_paths(f, t + 1, Jn, cur, out);
    cur.pop_back();
  }
}

inline void ace_mtuples(const std::vector<AceFactor>& f, std::vector<int>& cur, std::vector<std::vector<int>>& out) {
  if (cur.size() == f.size()) {
    int s = 0;
    for (int m : cur) s += m;
    if (s == 0) out.push_back(cur);
    return;
  }
  const int l = f[cur.size()][2];
  for (int m = -l; m <= l; ++m) {
    cur.push_back(m);
    ace_mtuples(f, cur, out);
    cur.pop_back();
  }
}

}  // namespace detail

/// The radial basis of ace_b_basis(spec): R_nl = g_n for every species pair.
inline AceRadialBasis ace_b_radial(const AceBasisSpec& spec) {
  if (spec.nmax.empty() || spec.lmax.size() != spec.nmax.size()) throw InputError("ACE basis spec: nmax and lmax need one entry per rank");
  const int nel = int(spec.elements.size());
  const int lmax = *std::max_element(spec.lmax.begin(), spec.lmax.end());
  const AceRadialSizes sizes = ace_radial_sizes(spec.nmax);
  const int nrad = sizes.nradmax;
  AceRadialBasis rb;
  rb.kind = spec.radial, rb.lmax = lmax, rb.nelements = nel, rb.cutoff = spec.max_cutoff();
  rb.pair_ranges = true;  // each pair's table spans its own cutoff, as the .yace export is read back
  rb.nradbase = sizes.nradbase;
  rb.nradmax = nrad;
  rb.pairs.resize(std::size_t(nel * nel));
  for (auto& p : rb.pairs) {
    p.lambda = spec.lambda, p.rcut = spec.rcut, p.dcut = spec.dcut;
    // R_nl = g_n: the simplest radial functions that keep the n independent
    p.crad.assign(rb.radial_count() * std::size_t(rb.nradbase), 0.0);
    for (int n = 0; n < nrad; ++n)
      for (int l = 0; l <= lmax; ++l) p.crad[(std::size_t(n) * std::size_t(lmax + 1) + std::size_t(l)) * std::size_t(rb.nradbase) + std::size_t(n)] = 1.0;
  }
  const auto index_of = [&](int z) {
    const auto it = std::find(spec.elements.begin(), spec.elements.end(), z);
    if (it == spec.elements.end()) throw InputError("ACE basis spec: a bond names " + std::string(element_symbol(z)) + ", which is not among the elements");
    return int(it - spec.elements.begin());
  };
  for (const auto& b : spec.bonds) {
    const int a = index_of(b.z_a), c = index_of(b.z_b);
    for (auto* p : {&rb.pairs[std::size_t(a * nel + c)], &rb.pairs[std::size_t(c * nel + a)]})
      p->lambda = b.lambda, p->rcut = b.rcut, p->dcut = b.dcut;
  }
  return rb;
}

/// Half of this machine's physical memory: the default ceiling on the coefficients of ace_b_basis.
inline double ace_basis_memory_ceiling() { return 0.5 * physical_memory_bytes(); }

/// The independent coupled B functions of the spec, one coefficient column per function.
/// Each function stores only its own column (AceBasisFunction::column), so the coefficients grow
/// as the m-combinations; a basis whose coefficients would exceed max_bytes is refused with an
/// InputError before they are allocated, rather than the process being killed for memory.
PESTLE_RUNTIME_INLINE AceBasisSet ace_b_basis(const AceBasisSpec& spec, double max_bytes = ace_basis_memory_ceiling());

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/descriptors/impl/ace_coupling.hpp"
#endif
