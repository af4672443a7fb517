#pragma once
// The SNAP bispectrum descriptor (Thompson et al., J. Comput. Phys. 285, 316 (2015); Bartók et al.,
// PRB 81, 184107 (2010)) with exactly the conventions of LAMMPS ML-SNAP (compute sna/atom, pair snap):
// doubled angular indices, index ordering, self contribution, switching function, bzero and bnorm.
// The formulas, their references and the conventions are written out in docs/snap.md.
//
// twojmax is either a template argument (all tables built by the compiler, workspace arrays of static
// size) or chosen at run time (Bispectrum<dynamic>). Both use the same code: the table builder is one
// constexpr function, and the containers are std::array or std::vector according to the size policy.
//
// Vectorisation (xsimd, W = SIMD width in doubles): U and ∂U of W neighbours are computed together,
// one neighbour per lane; the *_atoms members couple W atoms at a time, one atom per lane, with the same
// Z kernel that the one-atom members run on plain doubles.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <tbb/enumerable_thread_specific.h>
#include <xsimd/xsimd.hpp>
#include <tbb/parallel_for.h>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/core/types.hpp"
#include "pestle/descriptors/descriptor.hpp"
#include "pestle/math/clebsch_gordan.hpp"
#include "pestle/math/cutoff.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

/// "Size chosen at run time" for template size parameters.
inline constexpr int dynamic = -1;

/// Per-species SNAP parameters: LAMMPS radelem (R_e) and neighbour weight wj.
struct SnapElement {
  int z;
  double radius;
  double weight;
};

/// Hyperparameters of the bispectrum; the defaults are those of LAMMPS compute sna/atom.
struct BispectrumParams {
  static constexpr int max_twojmax = 20;  ///< factorials stay exact enough in double up to here

  int twojmax = 6;
  double rcutfac = 4.6;
  double rfac0 = 0.99363;
  double rmin0 = 0.0;
  bool switchflag = true;
  bool bzeroflag = true;
  bool bnormflag = false;
  /// Explicit multi-element SNAP (LAMMPS chemflag; Cusentino, Wood & Thompson, JPCA 124, 5456
  /// (2020)): one density per element, and a component for every ordered element triple, so there
  /// are elements³ times as many components (see docs/snap.md).
  bool chemflag = false;
  /// With chemflag: the self term goes into the density of every element, not only the centre's
  /// (LAMMPS wselfallflag; without chemflag there is one density and it has no effect).
  bool wselfallflag = false;
  std::vector<SnapElement> elements;  ///< one entry per species

  void validate() const {
    if (twojmax < 0) throw InputError("bispectrum: twojmax must be >= 0, got " + std::to_string(twojmax));
    if (twojmax % 2 != 0) throw InputError("bispectrum: twojmax must be even, got " + std::to_string(twojmax));
    if (twojmax > max_twojmax)
      throw InputError("bispectrum: twojmax " + std::to_string(twojmax) + " exceeds the supported maximum " +
                       std::to_string(max_twojmax));
    if (!(rcutfac > 0.0) || !std::isfinite(rcutfac)) throw InputError("bispectrum: rcutfac must be positive");
    if (!(rfac0 > 0.0 && rfac0 <= 1.0)) throw InputError("bispectrum: rfac0 must lie in (0, 1]");
    if (!(rmin0 >= 0.0) || !std::isfinite(rmin0)) throw InputError("bispectrum: rmin0 must be >= 0");
    if (elements.empty()) throw InputError("bispectrum: no elements given (radius and weight per species)");
    for (std::size_t a = 0; a < elements.size(); ++a) {
      const auto& e = elements[a];
      if (!is_atomic_number(e.z)) throw InputError("bispectrum: unknown atomic number " + std::to_string(e.z));
      if (!(e.radius > 0.0) || !std::isfinite(e.radius))
        throw InputError("bispectrum: radius of element " + std::to_string(e.z) + " must be positive");
      if (!std::isfinite(e.weight))
        throw InputError("bispectrum: weight of element " + std::to_string(e.z) + " must be finite");
      for (std::size_t b = 0; b < a; ++b)
        if (elements[b].z == e.z)
          throw InputError("bispectrum: element " + std::to_string(e.z) + " is listed twice");
      for (const auto& f : elements)
        if (!(rmin0 < rcutfac * (e.radius + f.radius)))
          throw InputError("bispectrum: rmin0 must be smaller than every pair cutoff rcutfac*(R_a+R_b)");
    }
  }
};

namespace detail::snap {

// ---- sizes as functions of twojmax (J) ------------------------------------------------------------
// A "triple" is (j1, j2, j) with j2 <= j1, |j1-j2| <= j <= min(J, j1+j2), j1+j2+j even (doubled indices).
template <class F>
constexpr void for_each_triple(int J, F&& f) {
  for (int j1 = 0; j1 <= J; ++j1)
    for (int j2 = 0; j2 <= j1; ++j2)
      for (int j = j1 - j2; j <= std::min(J, j1 + j2); j += 2) f(j1, j2, j);
}
constexpr int u_size(int J) {
  int n = 0;
  for (int j = 0; j <= J; ++j) n += (j + 1) * (j + 1);
  return n;
}
constexpr int triple_count(int J) {
  int n = 0;
  for_each_triple(J, [&](int, int, int) { ++n; });
  return n;
}
constexpr int b_count(int J) {
  int n = 0;
  for_each_triple(J, [&](int j1, int, int j) { n += j >= j1; });
  return n;
}
/// Z is stored for the rows mb = 0..floor(j/2) only (the rest follows from symmetry).
constexpr int z_size(int J) {
  int n = 0;
  for_each_triple(J, [&](int, int, int j) { n += (j + 1) * (j / 2 + 1); });
  return n;
}
constexpr int cg_size(int J) {
  int n = 0;
  for_each_triple(J, [&](int j1, int j2, int) { n += (j1 + 1) * (j2 + 1); });
  return n;
}

/// Array extents: compile-time numbers for a fixed twojmax, `dynamic` otherwise.
template <int TwoJMax>
struct Sizes {
  static constexpr int blocks = TwoJMax + 1, u = u_size(TwoJMax), triples = triple_count(TwoJMax),
                       b = b_count(TwoJMax), z = z_size(TwoJMax), cg = cg_size(TwoJMax),
                       pq = (TwoJMax + 1) * (TwoJMax + 1);
};
template <>
struct Sizes<dynamic> {
  static constexpr int blocks = dynamic, u = dynamic, triples = dynamic, b = dynamic, z = dynamic, cg = dynamic,
                       pq = dynamic;
};

template <class T, int N>
struct table_type {
  using type = std::array<T, static_cast<std::size_t>(N)>;
};
template <class T>
struct table_type<T, dynamic> {
  using type = std::vector<T>;
};
/// std::array<T, N> for a compile-time extent, std::vector<T> for `dynamic`.
template <class T, int N>
using Table = typename table_type<T, N>::type;

template <class T, std::size_t N>
constexpr void size_to(std::array<T, N>&, int) noexcept {}  // the extent is already right
template <class T>
void size_to(std::vector<T>& v, int n) {
  v.assign(static_cast<std::size_t>(n), T{});
}

struct Triple {
  int j1 = 0, j2 = 0, j = 0;
  int z_offset = 0;   ///< first Z entry of this triple
  int cg_offset = 0;  ///< CG block: cg[cg_offset + m1*(j2+1) + m2]
  int b0 = -1, b1 = -1, b2 = -1;  ///< B components whose derivative uses Z of this triple (adjoint Y)
};

/// One element Z^{j}_{ma,mb}(j1,j2) = Σ_{mb1} C(mb1,mb2) Σ_{ma1} C(ma1,ma2) U_{j1}[ma1][mb1] U_{j2}[ma2][mb2].
struct ZEntry {
  int j1 = 0, j2 = 0;
  int na = 0, nb = 0;  ///< numbers of (ma1, ma2) and (mb1, mb2) pairs
  int u1 = 0, u2 = 0;  ///< U index of (ma1min, mb1min) in U_{j1} and of (ma2max, mb2max) in U_{j2}
  int cga = 0, cgb = 0;  ///< CG index of (ma1min, ma2max) and of (mb1min, mb2max)
};

/// B(j1,j2,j) and where the three terms of its derivative come from (see docs/snap.md).
struct BEntry {
  int j1 = 0, j2 = 0, j = 0;
  int t0 = 0, t1 = 0, t2 = 0;  ///< triples (j1,j2,j), (j,j2,j1), (j,j1,j2)
};

template <int TwoJMax>
struct Tables {
  using S = Sizes<TwoJMax>;
  int twojmax = 0;
  Table<int, S::blocks> u_block{};  ///< U_j starts at u_block[j]; element (ma, mb) at + mb*(j+1) + ma
  Table<Triple, S::triples> triples{};
  Table<ZEntry, S::z> z{};
  Table<BEntry, S::b> b{};
  Table<double, S::cg> cg{};
  Table<double, S::pq> rootpq{};  ///< sqrt(p/q) at p*(J+1)+q
  /// Recursion coefficients per U index (ma, mb) of block j: U_j = rec_a conj(a) U_{j-1}[ma] − rec_b conj(b)
  /// U_{j-1}[ma-1] (zero where a term is absent, so the loop needs no branches).
  Table<double, S::u> rec_a{}, rec_b{};
  /// Weight of each U index in the half sum Σ' (1, ½ at the centre of an even block, 0 outside the half).
  Table<double, S::u> half_weight{};

  constexpr int triple_index(int j1, int j2, int j) const {
    for (int t = 0; t < static_cast<int>(triples.size()); ++t)
      if (triples[t].j1 == j1 && triples[t].j2 == j2 && triples[t].j == j) return t;
    return -1;
  }
  constexpr int b_index(int j1, int j2, int j) const {
    for (int k = 0; k < static_cast<int>(b.size()); ++k)
      if (b[k].j1 == j1 && b[k].j2 == j2 && b[k].j == j) return k;
    return -1;
  }
};

/// Builds every index and coupling table for twojmax J (at compile time for a fixed J).
template <int TwoJMax>
constexpr Tables<TwoJMax> make_tables(int J) {
  Tables<TwoJMax> t;
  t.twojmax = J;
  size_to(t.u_block, J + 1);
  size_to(t.triples, triple_count(J));
  size_to(t.z, z_size(J));
  size_to(t.b, b_count(J));
  size_to(t.cg, cg_size(J));
  size_to(t.rootpq, (J + 1) * (J + 1));
  size_to(t.rec_a, u_size(J));
  size_to(t.rec_b, u_size(J));
  size_to(t.half_weight, u_size(J));
  for (int j = 0, n = 0; j <= J; ++j) {
    t.u_block[j] = n;
    n += (j + 1) * (j + 1);
  }
  for (int p = 1; p <= J; ++p)
    for (int q = 1; q <= J; ++q) t.rootpq[p * (J + 1) + q] = math::constexpr_sqrt(static_cast<double>(p) / q);
  for (int j = 0; j <= J; ++j)
    for (int mb = 0; mb <= j; ++mb)
      for (int ma = 0; ma <= j; ++ma) {
        const int k = t.u_block[j] + mb * (j + 1) + ma;
        if (j > 0 && 2 * mb <= j) {
          t.rec_a[k] = ma < j ? t.rootpq[(j - ma) * (J + 1) + (j - mb)] : 0.0;
          t.rec_b[k] = ma > 0 ? t.rootpq[ma * (J + 1) + (j - mb)] : 0.0;
        }
        t.half_weight[k] = (2 * mb < j) ? 1.0 : (2 * mb == j ? (2 * ma < j ? 1.0 : (2 * ma == j ? 0.5 : 0.0)) : 0.0);
      }
  int nt = 0, nz = 0, ncg = 0, nb = 0;
  for_each_triple(J, [&](int j1, int j2, int j) {
    Triple& tr = t.triples[nt++];
    tr.j1 = j1, tr.j2 = j2, tr.j = j, tr.z_offset = nz, tr.cg_offset = ncg;
    for (int m1 = 0; m1 <= j1; ++m1)
      for (int m2 = 0; m2 <= j2; ++m2)
        t.cg[ncg++] = math::clebsch_gordan(j1, 2 * m1 - j1, j2, 2 * m2 - j2, j, 2 * m1 - j1 + 2 * m2 - j2);
    for (int mb = 0; 2 * mb <= j; ++mb)
      for (int ma = 0; ma <= j; ++ma) {
        // pairs (m1, m2) with (2m1 - j1) + (2m2 - j2) = 2m - j, 0 <= m1 <= j1, 0 <= m2 <= j2
        auto range = [&](int m, int& m1min, int& m2max, int& count) {
          m1min = std::max(0, (2 * m - j - j2 + j1) / 2);
          m2max = (2 * m - j - (2 * m1min - j1) + j2) / 2;
          count = std::min(j1, (2 * m - j + j2 + j1) / 2) - m1min + 1;
        };
        ZEntry& e = t.z[nz++];
        int ma1min = 0, ma2max = 0, mb1min = 0, mb2max = 0;
        range(ma, ma1min, ma2max, e.na);
        range(mb, mb1min, mb2max, e.nb);
        e.j1 = j1, e.j2 = j2;
        e.u1 = t.u_block[j1] + mb1min * (j1 + 1) + ma1min;
        e.u2 = t.u_block[j2] + mb2max * (j2 + 1) + ma2max;
        e.cga = tr.cg_offset + ma1min * (j2 + 1) + ma2max;
        e.cgb = tr.cg_offset + mb1min * (j2 + 1) + mb2max;
      }
    if (j >= j1) {
      BEntry& b = t.b[nb++];
      b.j1 = j1, b.j2 = j2, b.j = j;
    }
  });
  for (auto& b : t.b) {
    b.t0 = t.triple_index(b.j1, b.j2, b.j);
    b.t1 = t.triple_index(b.j, b.j2, b.j1);
    b.t2 = t.triple_index(b.j, b.j1, b.j2);
  }
  // Adjoint: Z of triple (j1,j2,j) is contracted with dU_j in the derivative of
  //   B(j1,j2,j) if j >= j1;  B(j,j2,j1) if j1 >= j >= j2;  B(j2,j,j1) if j2 >= j.
  for (auto& tr : t.triples) {
    if (tr.j >= tr.j1) tr.b0 = t.b_index(tr.j1, tr.j2, tr.j);
    if (tr.j1 >= tr.j && tr.j >= tr.j2) tr.b1 = t.b_index(tr.j, tr.j2, tr.j1);
    if (tr.j2 >= tr.j) tr.b2 = t.b_index(tr.j2, tr.j, tr.j1);
  }
  return t;
}

template <int TwoJMax>
inline constexpr Tables<TwoJMax> fixed_tables = make_tables<TwoJMax>(TwoJMax);

struct Empty {};

/// Σ' Re(conj(a)·z) over the independent half of a (j+1)×(j+1) block: rows mb < j/2 in full and,
/// for even j, the middle row up to its centre, the centre counted half (the other half of the
/// block contributes the same by the symmetry U[j-ma][j-mb] = (-1)^(ma-mb) conj U[ma][mb]).
inline double half_dot(int j, const double* ar, const double* ai, const double* zr, const double* zi) noexcept {
  double s = 0.0;
  const int full = ((j + 1) / 2) * (j + 1);  // rows mb < j/2
  for (int k = 0; k < full; ++k) s += ar[k] * zr[k] + ai[k] * zi[k];
  if (j % 2 == 0) {
    const int mid = j / 2;
    const int row = full;
    for (int ma = 0; ma < mid; ++ma) s += ar[row + ma] * zr[row + ma] + ai[row + ma] * zi[row + ma];
    s += 0.5 * (ar[row + mid] * zr[row + mid] + ai[row + mid] * zi[row + mid]);
  }
  return s;
}

}  // namespace detail::snap

/// SNAP bispectrum components B_{j1 j2 j} of each atom; satisfies pestle::Descriptor.
/// Arch is the xsimd instruction set of the neighbour batches. It is part of the type, so two
/// translation units compiled with different -march flags (xsimd::default_arch differs) get two
/// different Bispectrum types instead of one type with two layouts (a one-definition-rule hazard).
template <int TwoJMax = dynamic, class Arch = xsimd::default_arch>
class Bispectrum {
  static constexpr bool fixed = TwoJMax != dynamic;
  using S = detail::snap::Sizes<TwoJMax>;
  using TablesT = detail::snap::Tables<TwoJMax>;
  template <class T, int N>
  using Table = detail::snap::Table<T, N>;

 public:
  /// A neighbour inside its species-pair cutoff.
  struct Neighbour {
    std::size_t slot;  ///< position n among the neighbour-list entries of the atom
    int j;             ///< neighbour atom
    Vec3 r;            ///< r_j - r_i (image included)
    double dist, rcut, weight;
  };

  /// SIMD batch of neighbours: U and ∂U of W neighbours are computed together, one per lane
  /// (every neighbour has the same index structure, so the recursion vectorises perfectly).
  using simd = xsimd::batch<double, Arch>;
  static constexpr std::size_t W = simd::size;
  using aligned_vector = std::vector<double, xsimd::aligned_allocator<double, Arch::alignment()>>;

  /// Scratch memory for one thread; make it with make_workspace() and reuse it for every atom.
  struct Workspace {
    Table<double, S::u> utot_r{}, utot_i{};  ///< Σ_neighbours w f_c U + self term
    Table<double, S::u> y_r{}, y_i{};        ///< adjoint Y = ∂E/∂U (independent half)
    Table<double, S::z> z_r{}, z_i{};
    Table<double, S::b> b{}, de_db{};
    std::vector<Neighbour> neighbours;
    aligned_vector geometry;  ///< per batch: geometry fields × W lanes (see Field)
    aligned_vector u;         ///< per batch: [re|im][U index][lane], independent rows
    aligned_vector du;        ///< one batch: [direction][re|im][U index][lane]
    aligned_vector acc;       ///< [re|im][U index][lane] partial sums of U_tot
    aligned_vector dtriple;   ///< one batch: [direction][triple][lane] 2Σ' Re(conj ∂U_j · Z)
    aligned_vector group_u, group_z;  ///< evaluate_atoms: U_tot and Z of W atoms, [re|im][index][atom]
    std::vector<double> db;           ///< compute_with_derivatives_atoms: dB of the current atom
    /// chemflag only (explicit multi-element SNAP), sized by make_workspace():
    struct Chem {
      std::vector<double> u;        ///< U_tot per element: [element][re|im][U index]
      std::vector<double> z;        ///< Z per ordered element pair (e1, e2): [e1·nel+e2][re|im][Z index]
      std::vector<double> y;        ///< adjoint Y per element: [element][re|im][U index] (independent rows)
      std::vector<double> b, de_db;  ///< B and ∂E/∂B, size()
      aligned_vector dtriple;       ///< one batch: [element pair][direction][triple][lane]
      std::vector<int> element;     ///< element of each entry of `neighbours`
      int centre = 0;               ///< element of the centre atom
    } chem;
  };

  explicit Bispectrum(BispectrumParams p) : p_(std::move(p)) {
    p_.validate();
    if constexpr (fixed) {
      if (p_.twojmax != TwoJMax)
        throw InputError("Bispectrum<" + std::to_string(TwoJMax) + ">: params.twojmax is " +
                         std::to_string(p_.twojmax));
    } else {
      tables_ = detail::snap::make_tables<dynamic>(p_.twojmax);
    }
    elem_of_z_.fill(-1);
    const std::size_t ne = p_.elements.size();
    for (std::size_t a = 0; a < ne; ++a) elem_of_z_[static_cast<std::size_t>(p_.elements[a].z)] = static_cast<int>(a);
    rcut_.resize(ne * ne);
    for (std::size_t a = 0; a < ne; ++a)
      for (std::size_t b = 0; b < ne; ++b)
        rcut_[a * ne + b] = p_.rcutfac * (p_.elements[a].radius + p_.elements[b].radius);
  }

  const BispectrumParams& params() const noexcept { return p_; }
  int twojmax() const noexcept { return tables().twojmax; }
  /// Number of components: nb = index_list().size()/elements³ with chemflag, where column
  /// itriple·nb + c (itriple = (e1·nel + e2)·nel + e3) is B[e1 e2 e3] of the c-th (j1, j2, j).
  std::size_t size() const noexcept { return tables().b.size() * element_triples(); }

  NeighbourOptions neighbour_options() const {
    NeighbourOptions opt;
    opt.cutoff = *std::max_element(rcut_.begin(), rcut_.end());
    const std::size_t ne = p_.elements.size();
    for (std::size_t a = 0; a < ne; ++a)
      for (std::size_t b = a; b < ne; ++b)
        opt.pair_cutoffs.emplace_back(p_.elements[a].z, p_.elements[b].z, rcut_[a * ne + b]);
    return opt;
  }

  Workspace make_workspace() const {
    Workspace ws;
    const auto& t = tables();
    const int nu = detail::snap::u_size(t.twojmax);
    for (auto* a : {&ws.utot_r, &ws.utot_i, &ws.y_r, &ws.y_i}) detail::snap::size_to(*a, nu);
    detail::snap::size_to(ws.z_r, static_cast<int>(t.z.size()));
    detail::snap::size_to(ws.z_i, static_cast<int>(t.z.size()));
    detail::snap::size_to(ws.b, static_cast<int>(t.b.size()));
    detail::snap::size_to(ws.de_db, static_cast<int>(t.b.size()));
    ws.neighbours.reserve(64);
    ws.du.assign(3 * 2 * static_cast<std::size_t>(nu) * W, 0.0);
    ws.acc.assign(2 * static_cast<std::size_t>(nu) * W, 0.0);
    ws.dtriple.assign(3 * t.triples.size() * W, 0.0);
    if (p_.chemflag) {
      const std::size_t ne = p_.elements.size();
      ws.chem.u.assign(ne * 2 * static_cast<std::size_t>(nu), 0.0);
      ws.chem.y.assign(ne * 2 * static_cast<std::size_t>(nu), 0.0);
      ws.chem.z.assign(ne * ne * 2 * t.z.size(), 0.0);
      ws.chem.b.assign(size(), 0.0);
      ws.chem.de_db.assign(size(), 0.0);
      ws.chem.dtriple.assign(ne * ne * 3 * t.triples.size() * W, 0.0);
    }
    return ws;
  }

  /// (2j1, 2j2, 2j) of each component, in LAMMPS order (with chemflag the list of one element
  /// triple, repeated for each triple in the column order of size()).
  std::vector<std::array<int, 3>> index_list() const {
    std::vector<std::array<int, 3>> out;
    for (std::size_t tri = 0; tri < element_triples(); ++tri)
      for (const auto& b : tables().b) out.push_back({b.j1, b.j2, b.j});
    return out;
  }

  /// B of atom i.
  void compute(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws,
               std::span<double> B) const {
    check_size(B.size(), size(), "B");
    if (p_.chemflag) {
      chem_prepare(s, nl, i, ws);
      chem_bispectrum(ws, B);
      return;
    }
    prepare(s, nl, i, ws);
    bispectrum(ws, B);
  }

  /// B of atom i and dB[(n*3+d)*size()+c] = ∂B_c/∂(r_ij)_d for the n-th neighbour-list entry of i.
  void compute_with_derivatives(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws,
                                std::span<double> B, std::span<double> dB) const {
    check_size(B.size(), size(), "B");
    check_size(dB.size(), nl.count(i) * 3 * size(), "dB");
    if (p_.chemflag) {
      chem_prepare(s, nl, i, ws);
      chem_bispectrum(ws, B);
      chem_derivatives(ws, dB);
      return;
    }
    prepare(s, nl, i, ws);
    bispectrum(ws, B);
    derivatives(ws, dB);
  }

  /// compute_with_derivatives() for the atoms [first, last), W atoms per SIMD group for the coupling;
  /// calls on_atom(i, B, dB) for each atom with spans valid during the call (layout as above).
  template <class OnAtom>
  void compute_with_derivatives_atoms(const Structure& s, const NeighbourList& nl, std::size_t first,
                                      std::size_t last, Workspace& ws, OnAtom&& on_atom) const {
    if (last > s.size() || first > last) throw InputError("bispectrum: atom range out of bounds");
    if (p_.chemflag) {  // one atom at a time
      for (std::size_t i = first; i < last; ++i) {
        const std::size_t n = nl.count(i) * 3 * size();
        if (ws.db.size() < n) ws.db.resize(n);
        compute_with_derivatives(s, nl, i, ws, ws.chem.b, std::span<double>(ws.db.data(), n));
        on_atom(i, std::span<const double>(ws.chem.b), std::span<const double>(ws.db.data(), n));
      }
      return;
    }
    for (std::size_t i0 = first; i0 < last; i0 += W) {
      const std::size_t count = std::min(W, last - i0);
      group_z(s, nl, i0, count, ws);
      for (std::size_t lane = 0; lane < count; ++lane) {
        const std::size_t i = i0 + lane;
        prepare_u(s, nl, i, ws);
        take_group_lane(ws, lane);
        const std::span<double> B(ws.b.data(), size());
        bispectrum(ws, B);
        const std::size_t n = nl.count(i) * 3 * size();
        if (ws.db.size() < n) ws.db.resize(n);
        const std::span<double> dB(ws.db.data(), n);
        derivatives(ws, dB);
        on_atom(i, std::span<const double>(B), std::span<const double>(dB));
      }
    }
  }

  /// Adjoint evaluation (contract in descriptor.hpp): returns E_i = energy_of(B_i), adds the forces
  /// and the virial of E_i.
  template <class EnergyOfB>
  double evaluate(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws, EnergyOfB&& energy_of,
                  std::span<Vec3> forces, Mat3& virial) const {
    if (forces.size() < s.size()) throw InputError("bispectrum: forces span is shorter than the structure");
    if (p_.chemflag) chem_prepare(s, nl, i, ws);
    else prepare(s, nl, i, ws);
    return finish_evaluate(i, ws, energy_of, forces, virial);
  }

  /// evaluate() for the atoms [first, last), returning Σ E_i. The atoms are taken W at a time
  /// (W = SIMD width) so that the coupling Z, the costliest step, runs on all of them at once.
  template <class EnergyOfB>
  double evaluate_atoms(const Structure& s, const NeighbourList& nl, std::size_t first, std::size_t last,
                        Workspace& ws, EnergyOfB&& energy_of, std::span<Vec3> forces, Mat3& virial) const {
    if (forces.size() < s.size()) throw InputError("bispectrum: forces span is shorter than the structure");
    if (last > s.size() || first > last) throw InputError("bispectrum: atom range out of bounds");
    double total = 0.0;
    if (p_.chemflag) {  // one atom at a time
      for (std::size_t i = first; i < last; ++i) {
        chem_prepare(s, nl, i, ws);
        total += finish_evaluate(i, ws, energy_of, forces, virial);
      }
      return total;
    }
    for (std::size_t i0 = first; i0 < last; i0 += W) {
      const std::size_t count = std::min(W, last - i0);
      group_z(s, nl, i0, count, ws);
      // then each atom on its own: U again (cheap), its Z lane, B, E, Y and the forces
      for (std::size_t lane = 0; lane < count; ++lane) {
        const std::size_t i = i0 + lane;
        prepare_u(s, nl, i, ws);
        take_group_lane(ws, lane);
        total += finish_evaluate(i, ws, energy_of, forces, virial);
      }
    }
    return total;
  }

  /// compute() for the atoms [first, last): B of atom i at B[(i - first) * size() + c]. Like
  /// evaluate_atoms, it couples W atoms at a time in SIMD lanes.
  void compute_atoms(const Structure& s, const NeighbourList& nl, std::size_t first, std::size_t last, Workspace& ws,
                     std::span<double> B) const {
    if (last > s.size() || first > last) throw InputError("bispectrum: atom range out of bounds");
    check_size(B.size(), (last - first) * size(), "B");
    if (p_.chemflag) {  // one atom at a time
      for (std::size_t i = first; i < last; ++i) compute(s, nl, i, ws, B.subspan((i - first) * size(), size()));
      return;
    }
    for (std::size_t i0 = first; i0 < last; i0 += W) {
      const std::size_t count = std::min(W, last - i0);
      group_z(s, nl, i0, count, ws);
      for (std::size_t lane = 0; lane < count; ++lane) {
        const std::size_t i = i0 + lane;
        const auto& t = tables();
        const std::size_t nu = static_cast<std::size_t>(detail::snap::u_size(t.twojmax));
        // B needs U_tot of the atom: it is still in its lane of group_u
        for (std::size_t k = 0; k < nu; ++k) {
          ws.utot_r[k] = ws.group_u[k * W + lane];
          ws.utot_i[k] = ws.group_u[(nu + k) * W + lane];
        }
        take_group_lane(ws, lane);
        bispectrum(ws, B.subspan((i - first) * size(), size()));
      }
    }
  }

 private:
  /// U_tot of atoms i0..i0+count-1 into the lanes of ws.group_u (unused lanes: a copy of the first
  /// atom), then Z of all of them at once into ws.group_z.
  void group_z(const Structure& s, const NeighbourList& nl, std::size_t i0, std::size_t count, Workspace& ws) const {
    const auto& t = tables();
    const std::size_t nu = static_cast<std::size_t>(detail::snap::u_size(t.twojmax)), nz = t.z.size();
    if (ws.group_u.size() != 2 * nu * W) ws.group_u.assign(2 * nu * W, 0.0);
    if (ws.group_z.size() != 2 * nz * W) ws.group_z.assign(2 * nz * W, 0.0);
    for (std::size_t lane = 0; lane < W; ++lane) {
      if (lane < count) prepare_u(s, nl, i0 + lane, ws);
      for (std::size_t k = 0; k < nu; ++k) {
        ws.group_u[k * W + lane] = lane < count ? ws.utot_r[k] : ws.group_u[k * W];
        ws.group_u[(nu + k) * W + lane] = lane < count ? ws.utot_i[k] : ws.group_u[(nu + k) * W];
      }
    }
    z_kernel<simd>(ws.group_u.data(), ws.group_u.data() + nu * W, ws.group_z.data(), ws.group_z.data() + nz * W);
  }

  /// Z of one lane of ws.group_z into ws.z.
  void take_group_lane(Workspace& ws, std::size_t lane) const noexcept {
    const std::size_t nz = tables().z.size();
    for (std::size_t k = 0; k < nz; ++k) {
      ws.z_r[k] = ws.group_z[k * W + lane];
      ws.z_i[k] = ws.group_z[(nz + k) * W + lane];
    }
  }

  /// dB of the prepared atom (ws holds its neighbours, U and Z) into dB (layout of compute_with_derivatives).
  void derivatives(Workspace& ws, std::span<double> dB) const {
    std::fill(dB.begin(), dB.end(), 0.0);
    const auto& t = tables();
    const std::size_t nbf = size(), nt = t.triples.size();
    const double fnorm = p_.bnormflag ? 0.0 : 1.0;
    for (std::size_t batch = 0; batch * W < ws.neighbours.size(); ++batch) {
      batch_dutot(ws, batch);
      batch_triple_contractions(ws);
      for (std::size_t lane = 0; lane < W && batch * W + lane < ws.neighbours.size(); ++lane) {
        double* out = dB.data() + ws.neighbours[batch * W + lane].slot * 3 * nbf;
        for (std::size_t c = 0; c < nbf; ++c) {
          const auto& b = t.b[c];
          // ∂B(j1,j2,j) = ∂U_j·Z(j1,j2,j) + (j+1)/(j1+1) ∂U_j1·Z(j,j2,j1) + (j+1)/(j2+1) ∂U_j2·Z(j,j1,j2)
          const double f1 = fnorm * (b.j + 1.0) / (b.j1 + 1.0) + (1.0 - fnorm);
          const double f2 = fnorm * (b.j + 1.0) / (b.j2 + 1.0) + (1.0 - fnorm);
          for (std::size_t d = 0; d < 3; ++d) {
            const double* D = ws.dtriple.data() + d * nt * W + lane;
            out[d * nbf + c] = D[static_cast<std::size_t>(b.t0) * W] + f1 * D[static_cast<std::size_t>(b.t1) * W] +
                               f2 * D[static_cast<std::size_t>(b.t2) * W];
          }
        }
      }
    }
  }

  /// The part of evaluate() after Z: B, E_i = energy_of(B), Y, forces and virial. With chemflag the
  /// same steps run on the element-resolved arrays (the chem_* kernels below).
  template <class EnergyOfB>
  double finish_evaluate(std::size_t i, Workspace& ws, EnergyOfB&& energy_of, std::span<Vec3> forces,
                         Mat3& virial) const {
    const bool chem = p_.chemflag;
    const std::span<double> B = chem ? std::span<double>(ws.chem.b) : std::span<double>(ws.b.data(), size());
    const std::span<double> dE = chem ? std::span<double>(ws.chem.de_db) : std::span<double>(ws.de_db.data(), size());
    if (chem) chem_bispectrum(ws, B);
    else bispectrum(ws, B);
    std::fill(dE.begin(), dE.end(), 0.0);
    double e = 0.0;
    if constexpr (std::is_invocable_v<EnergyOfB&, std::size_t, std::span<const double>, std::span<double>>)
      e = energy_of(i, std::span<const double>(B), dE);  // callers that need the atom (its species, E_i)
    else
      e = energy_of(std::span<const double>(B), dE);
    if (chem) chem_adjoint_y(ws);
    else adjoint_y(ws);
    for (std::size_t batch = 0; batch * W < ws.neighbours.size(); ++batch) {
      std::array<Vec3, W> g;
      if (chem) chem_batch_gradients(ws, batch, g);
      else batch_gradients(ws, batch, g);
      for (std::size_t lane = 0; lane < W && batch * W + lane < ws.neighbours.size(); ++lane) {
        const auto& nb = ws.neighbours[batch * W + lane];
        forces[i] += g[lane];
        forces[static_cast<std::size_t>(nb.j)] -= g[lane];
        virial -= nb.r * g[lane].transpose();
      }
    }
    return e;
  }

  const TablesT& tables() const noexcept {
    if constexpr (fixed)
      return detail::snap::fixed_tables<TwoJMax>;
    else
      return tables_;
  }

  static void check_size(std::size_t got, std::size_t want, const char* what) {
    if (got != want)
      throw InputError(std::string("bispectrum: span ") + what + " has size " + std::to_string(got) + ", expected " +
                       std::to_string(want));
  }

  int element_of(int z) const {
    const int e = (z >= 0 && z < static_cast<int>(elem_of_z_.size())) ? elem_of_z_[static_cast<std::size_t>(z)] : -1;
    if (e < 0) throw InputError("bispectrum: no SNAP parameters for atomic number " + std::to_string(z));
    return e;
  }

  /// Neighbours inside their pair cutoff, U of each of them, and U_tot.
  void prepare(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws) const {
    prepare_u(s, nl, i, ws);
    compute_z(ws);
  }

  /// Neighbours inside their pair cutoff, U of each of them, and U_tot (no Z).
  void prepare_u(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws) const {
    if (i >= s.size() || i >= nl.atoms()) throw InputError("bispectrum: atom index out of range");
    const std::size_t ne = p_.elements.size();
    const auto ei = static_cast<std::size_t>(element_of(s.numbers[i]));
    ws.neighbours.clear();
    for (std::size_t e = nl.begin(i); e < nl.end(i); ++e) {
      const int j = nl.index[e];
      const auto ej = static_cast<std::size_t>(element_of(s.numbers[static_cast<std::size_t>(j)]));
      const double rc = rcut_[ei * ne + ej];
      const double r = nl.distance[e];
      if (r < rc && r > 1e-10)
        ws.neighbours.push_back({e - nl.begin(i), j, nl.displacement[e], r, rc, p_.elements[ej].weight});
    }
    const auto& t = tables();
    const std::size_t nu = static_cast<std::size_t>(detail::snap::u_size(t.twojmax));
    const std::size_t nbatch = (ws.neighbours.size() + W - 1) / W;
    if (ws.u.size() < nbatch * 2 * nu * W) ws.u.resize(nbatch * 2 * nu * W);
    if (ws.geometry.size() < nbatch * fields * W) ws.geometry.resize(nbatch * fields * W);
    std::fill(ws.acc.begin(), ws.acc.end(), 0.0);
    for (std::size_t batch = 0; batch < nbatch; ++batch) {
      batch_geometry(ws, batch);
      batch_u(ws, batch);
    }
    // self term: wself = 1 on the diagonal of every U_j
    const double* accr = ws.acc.data();
    const double* acci = accr + nu * W;
    for (std::size_t k = 0; k < nu; ++k) {
      // lane sums written out (xsimd::hadd trips a GCC 12 -Wmaybe-uninitialized in the AVX-512 headers)
      double sr = 0.0, si = 0.0;
      for (std::size_t lane = 0; lane < W; ++lane) sr += accr[k * W + lane], si += acci[k * W + lane];
      ws.utot_r[k] = sr;
      ws.utot_i[k] = si;
    }
    for (int j = 0; j <= t.twojmax; ++j)
      for (int m = 0; m <= j; ++m) ws.utot_r[static_cast<std::size_t>(t.u_block[j] + m * (j + 1) + m)] += 1.0;
    mirror_rows(ws.utot_r.data(), ws.utot_i.data());
  }

  math::CutoffValue switching(double r, double rc) const noexcept {
    if (!p_.switchflag) return {1.0, 0.0};
    return math::cosine_cutoff(r, p_.rmin0, rc);
  }

  /// Fill rows mb > j/2 of every block from U[j-ma][j-mb] = (-1)^(ma-mb) conj U[ma][mb].
  void mirror_rows(double* ur, double* ui) const noexcept {
    const auto& t = tables();
    for (int j = 0; j <= t.twojmax; ++j) {
      double* br = ur + t.u_block[j];
      double* bi = ui + t.u_block[j];
      for (int mb = 0; 2 * mb < j; ++mb)
        for (int ma = 0; ma <= j; ++ma) {
          const int src = mb * (j + 1) + ma, dst = (j - mb) * (j + 1) + (j - ma);
          const double sign = ((ma + mb) % 2 == 0) ? 1.0 : -1.0;
          br[dst] = sign * br[src];
          bi[dst] = -sign * bi[src];
        }
    }
  }

  /// Per-lane geometry of a neighbour batch: Cayley–Klein parameters a = ar + i ai, b = br + i bi of the
  /// neighbour's point on the 3-sphere, their gradients, and the weight·switching factors.
  enum Field : std::size_t {
    AR, AI, BR, BI,
    DAR, DAI = DAR + 3, DBR = DAI + 3, DBI = DBR + 3,  // three directions each
    WF = DBI + 3,      ///< w f_c(r)
    WDF,               ///< w f_c'(r) û (three directions)
    fields = WDF + 3
  };

  /// Fills the geometry fields of batch `batch`; lanes past the last neighbour repeat it with weight 0.
  void batch_geometry(Workspace& ws, std::size_t batch) const noexcept {
    double* g = ws.geometry.data() + batch * fields * W;
    for (std::size_t lane = 0; lane < W; ++lane) {
      const std::size_t n = std::min(batch * W + lane, ws.neighbours.size() - 1);
      const bool real = batch * W + lane < ws.neighbours.size();
      const auto& nb = ws.neighbours[n];
      const double x = nb.r[0], y = nb.r[1], z = nb.r[2], r = nb.dist;
      // θ0 = rfac0 π (r − rmin0)/(rc − rmin0), z0 = r cot θ0; (x, y, z, z0) lies on a 3-sphere of radius r0
      const double rscale0 = p_.rfac0 * std::numbers::pi / (nb.rcut - p_.rmin0);
      const double theta0 = (r - p_.rmin0) * rscale0;
      const double z0 = r / std::tan(theta0);
      const double r0inv = 1.0 / std::sqrt(r * r + z0 * z0);
      const Vec3 u = nb.r / r;
      const double dz0dr = z0 / r - (r * rscale0) * (r * r + z0 * z0) / (r * r);
      const double dr0invdr = -r0inv * r0inv * r0inv * (r + z0 * dz0dr);
      auto set = [&](std::size_t f, double v) { g[f * W + lane] = v; };
      set(AR, z0 * r0inv), set(AI, -z * r0inv), set(BR, y * r0inv), set(BI, -x * r0inv);
      for (std::size_t d = 0; d < 3; ++d) {
        const double dr0inv = dr0invdr * u[static_cast<Eigen::Index>(d)];
        const double dz0 = dz0dr * u[static_cast<Eigen::Index>(d)];
        set(DAR + d, dz0 * r0inv + z0 * dr0inv);
        set(DAI + d, -z * dr0inv - (d == 2 ? r0inv : 0.0));
        set(DBR + d, y * dr0inv + (d == 1 ? r0inv : 0.0));
        set(DBI + d, -x * dr0inv - (d == 0 ? r0inv : 0.0));
      }
      const auto sw = switching(r, nb.rcut);
      const double w = real ? nb.weight : 0.0;
      set(WF, w * sw.f);
      for (std::size_t d = 0; d < 3; ++d) set(WDF + d, w * sw.df * u[static_cast<Eigen::Index>(d)]);
    }
  }

  simd field(const Workspace& ws, std::size_t batch, std::size_t f) const noexcept {
    return simd::load_aligned(ws.geometry.data() + (batch * fields + f) * W);
  }

  /// Wigner U_j of a neighbour batch for rows mb <= j/2 (and, for odd j, row (j+1)/2 needed by U_{j+1}):
  ///   U_j[ma][mb] = √((j-ma)/(j-mb)) conj(a) U_{j-1}[ma][mb] − √(ma/(j-mb)) conj(b) U_{j-1}[ma-1][mb];
  /// also adds w f_c U to the U_tot accumulator.
  void batch_u(Workspace& ws, std::size_t batch) const noexcept {
    const auto& t = tables();
    const int J = t.twojmax;
    const std::size_t nu = static_cast<std::size_t>(detail::snap::u_size(J));
    double* ur = ws.u.data() + batch * 2 * nu * W;
    double* ui = ur + nu * W;
    const simd ar = field(ws, batch, AR), ai = field(ws, batch, AI), br = field(ws, batch, BR),
               bi = field(ws, batch, BI), wf = field(ws, batch, WF);
    const double* ra = t.rec_a.data();
    const double* rb = t.rec_b.data();
    simd(1.0).store_aligned(ur);
    simd(0.0).store_aligned(ui);
    for (int j = 1; j <= J; ++j) {
      const int cb = t.u_block[j], pb = t.u_block[j - 1];
      for (int mb = 0; 2 * mb <= j; ++mb) {
        const int prow = pb + mb * j, crow = cb + mb * (j + 1);
        for (int ma = 0; ma <= j; ++ma) {
          // absent terms have a zero coefficient; their clamped index keeps the load in range
          const std::size_t ka = static_cast<std::size_t>(prow + std::min(ma, j - 1)) * W;
          const std::size_t kb = static_cast<std::size_t>(prow + std::max(ma - 1, 0)) * W;
          const std::size_t k = static_cast<std::size_t>(crow + ma);
          const simd uar = simd::load_aligned(ur + ka), uai = simd::load_aligned(ui + ka);
          const simd ubr = simd::load_aligned(ur + kb), ubi = simd::load_aligned(ui + kb);
          const simd cA(ra[k]), cB(rb[k]);
          (cA * (ar * uar + ai * uai) - cB * (br * ubr + bi * ubi)).store_aligned(ur + k * W);
          (cA * (ar * uai - ai * uar) - cB * (br * ubi - bi * ubr)).store_aligned(ui + k * W);
        }
      }
      if (j % 2 == 1) mirror_row(j, ur + static_cast<std::size_t>(cb) * W, ui + static_cast<std::size_t>(cb) * W);
    }
    double* accr = ws.acc.data();
    double* acci = accr + nu * W;
    for (int j = 0; j <= J; ++j) {
      const std::size_t begin = static_cast<std::size_t>(t.u_block[j]);
      const std::size_t end = begin + static_cast<std::size_t>((j / 2 + 1) * (j + 1));
      for (std::size_t k = begin; k < end; ++k) {
        xsimd::fma(wf, simd::load_aligned(ur + k * W), simd::load_aligned(accr + k * W)).store_aligned(accr + k * W);
        xsimd::fma(wf, simd::load_aligned(ui + k * W), simd::load_aligned(acci + k * W)).store_aligned(acci + k * W);
      }
    }
  }

  /// Row (j+1)/2 of an odd-j block (lanes of W) from row (j-1)/2 by the inversion symmetry.
  static void mirror_row(int j, double* cr, double* ci) noexcept {
    const int mb = (j - 1) / 2;
    for (int ma = 0; ma <= j; ++ma) {
      const simd sign((ma + mb) % 2 == 0 ? 1.0 : -1.0);
      const std::size_t src = static_cast<std::size_t>(mb * (j + 1) + ma) * W;
      const std::size_t dst = static_cast<std::size_t>((j - mb) * (j + 1) + (j - ma)) * W;
      (sign * simd::load_aligned(cr + src)).store_aligned(cr + dst);
      (-sign * simd::load_aligned(ci + src)).store_aligned(ci + dst);
    }
  }

  /// ∂U/∂r of the bare U of a neighbour batch (independent rows) into ws.du, all three directions in one
  /// pass (product rule on the recursion of batch_u).
  void batch_du(Workspace& ws, std::size_t batch) const noexcept {
    const auto& t = tables();
    const int J = t.twojmax;
    const std::size_t nu = static_cast<std::size_t>(detail::snap::u_size(J));
    const double* ur = ws.u.data() + batch * 2 * nu * W;
    const double* ui = ur + nu * W;
    const simd ar = field(ws, batch, AR), ai = field(ws, batch, AI), br = field(ws, batch, BR),
               bi = field(ws, batch, BI);
    std::array<simd, 3> dar, dai, dbr, dbi;
    std::array<double*, 3> dr, di;
    for (std::size_t d = 0; d < 3; ++d) {
      dar[d] = field(ws, batch, DAR + d), dai[d] = field(ws, batch, DAI + d);
      dbr[d] = field(ws, batch, DBR + d), dbi[d] = field(ws, batch, DBI + d);
      dr[d] = ws.du.data() + d * 2 * nu * W;
      di[d] = dr[d] + nu * W;
      simd(0.0).store_aligned(dr[d]);
      simd(0.0).store_aligned(di[d]);
    }
    const double* ra = t.rec_a.data();
    const double* rb = t.rec_b.data();
    for (int j = 1; j <= J; ++j) {
      const int cb = t.u_block[j], pb = t.u_block[j - 1];
      for (int mb = 0; 2 * mb <= j; ++mb) {
        const int prow = pb + mb * j, crow = cb + mb * (j + 1);
        for (int ma = 0; ma <= j; ++ma) {
          const std::size_t ka = static_cast<std::size_t>(prow + std::min(ma, j - 1)) * W;
          const std::size_t kb = static_cast<std::size_t>(prow + std::max(ma - 1, 0)) * W;
          const std::size_t k = static_cast<std::size_t>(crow + ma);
          const simd uar = simd::load_aligned(ur + ka), uai = simd::load_aligned(ui + ka);
          const simd ubr = simd::load_aligned(ur + kb), ubi = simd::load_aligned(ui + kb);
          const simd cA(ra[k]), cB(rb[k]);
          for (std::size_t d = 0; d < 3; ++d) {
            // d(conj(a) u) = conj(da) u + conj(a) du, likewise for b
            const simd dua_r = simd::load_aligned(dr[d] + ka), dua_i = simd::load_aligned(di[d] + ka);
            const simd dub_r = simd::load_aligned(dr[d] + kb), dub_i = simd::load_aligned(di[d] + kb);
            (cA * (dar[d] * uar + dai[d] * uai + ar * dua_r + ai * dua_i) -
             cB * (dbr[d] * ubr + dbi[d] * ubi + br * dub_r + bi * dub_i))
                .store_aligned(dr[d] + k * W);
            (cA * (dar[d] * uai - dai[d] * uar + ar * dua_i - ai * dua_r) -
             cB * (dbr[d] * ubi - dbi[d] * ubr + br * dub_i - bi * dub_r))
                .store_aligned(di[d] + k * W);
          }
        }
      }
      if (j % 2 == 1)
        for (std::size_t d = 0; d < 3; ++d)
          mirror_row(j, dr[d] + static_cast<std::size_t>(cb) * W, di[d] + static_cast<std::size_t>(cb) * W);
    }
  }

  /// ∂(w f_c(r) U)/∂r of a neighbour batch into ws.du (independent rows).
  void batch_dutot(Workspace& ws, std::size_t batch) const noexcept {
    const auto& t = tables();
    const std::size_t nu = static_cast<std::size_t>(detail::snap::u_size(t.twojmax));
    batch_du(ws, batch);
    const double* ur = ws.u.data() + batch * 2 * nu * W;
    const simd wf = field(ws, batch, WF);
    for (std::size_t d = 0; d < 3; ++d) {
      const simd wdf = field(ws, batch, WDF + d);
      double* du = ws.du.data() + d * 2 * nu * W;
      for (std::size_t k = 0; k < 2 * nu; ++k)  // real and imaginary parts alike
        xsimd::fma(wdf, simd::load_aligned(ur + k * W), wf * simd::load_aligned(du + k * W)).store_aligned(du + k * W);
    }
  }

  /// For the batch in ws.du: ws.dtriple[d][t] = 2 Σ' Re(conj(∂U_j)·Z_t) for every triple t.
  void batch_triple_contractions(Workspace& ws) const noexcept {
    const auto& t = tables();
    const std::size_t nu = static_cast<std::size_t>(detail::snap::u_size(t.twojmax)), nt = t.triples.size();
    const double* hw = t.half_weight.data();
    std::array<const double*, 3> dr, di;
    for (std::size_t d = 0; d < 3; ++d) {
      dr[d] = ws.du.data() + d * 2 * nu * W;
      di[d] = dr[d] + nu * W;
    }
    for (std::size_t q = 0; q < nt; ++q) {
      const auto& tr = t.triples[q];
      const std::size_t ju = static_cast<std::size_t>(t.u_block[tr.j]);
      const std::size_t n = static_cast<std::size_t>((tr.j + 1) * (tr.j / 2 + 1));
      const double* zr = ws.z_r.data() + tr.z_offset;
      const double* zi = ws.z_i.data() + tr.z_offset;
      // six independent accumulators (3 directions × re/im) keep the FMA pipeline full
      std::array<simd, 3> sr{simd(0.0), simd(0.0), simd(0.0)}, si{simd(0.0), simd(0.0), simd(0.0)};
      for (std::size_t k = 0; k < n; ++k) {
        const double h = hw[ju + k];
        const simd hzr(h * zr[k]), hzi(h * zi[k]);
        const std::size_t o = (ju + k) * W;
        for (std::size_t d = 0; d < 3; ++d) {
          sr[d] = xsimd::fma(simd::load_aligned(dr[d] + o), hzr, sr[d]);
          si[d] = xsimd::fma(simd::load_aligned(di[d] + o), hzi, si[d]);
        }
      }
      for (std::size_t d = 0; d < 3; ++d) (2.0 * (sr[d] + si[d])).store_aligned(ws.dtriple.data() + (d * nt + q) * W);
    }
  }

  /// g = ∂E_i/∂r_ij for the neighbours of a batch: 2 Σ_j Σ' Re(conj(∂(w f_c U_j)/∂r)·Y_j), with the
  /// product rule applied after the contraction (∂(w f_c U) = w f_c' û U + w f_c ∂U).
  void batch_gradients(Workspace& ws, std::size_t batch, std::array<Vec3, W>& g) const noexcept {
    const auto& t = tables();
    const int J = t.twojmax;
    const std::size_t nu = static_cast<std::size_t>(detail::snap::u_size(J));
    batch_du(ws, batch);
    const double* ur = ws.u.data() + batch * 2 * nu * W;
    const double* ui = ur + nu * W;
    const double* hw = t.half_weight.data();
    // separate accumulators for re/im and each direction: independent FMA chains
    simd sur(0.0), sui(0.0);
    std::array<simd, 3> sdr{simd(0.0), simd(0.0), simd(0.0)}, sdi{simd(0.0), simd(0.0), simd(0.0)};
    for (int j = 0; j <= J; ++j) {
      const std::size_t begin = static_cast<std::size_t>(t.u_block[j]);
      const std::size_t end = begin + static_cast<std::size_t>((j / 2 + 1) * (j + 1));
      for (std::size_t k = begin; k < end; ++k) {
        const simd yr(hw[k] * ws.y_r[k]), yi(hw[k] * ws.y_i[k]);
        sur = xsimd::fma(simd::load_aligned(ur + k * W), yr, sur);
        sui = xsimd::fma(simd::load_aligned(ui + k * W), yi, sui);
        for (std::size_t d = 0; d < 3; ++d) {
          const double* dr = ws.du.data() + d * 2 * nu * W;
          const double* di = dr + nu * W;
          sdr[d] = xsimd::fma(simd::load_aligned(dr + k * W), yr, sdr[d]);
          sdi[d] = xsimd::fma(simd::load_aligned(di + k * W), yi, sdi[d]);
        }
      }
    }
    const simd su = sur + sui;
    const std::array<simd, 3> sd{sdr[0] + sdi[0], sdr[1] + sdi[1], sdr[2] + sdi[2]};
    const simd wf = field(ws, batch, WF);
    alignas(64) std::array<std::array<double, W>, 3> out;
    for (std::size_t d = 0; d < 3; ++d)
      (2.0 * xsimd::fma(field(ws, batch, WDF + d), su, wf * sd[d])).store_unaligned(out[d].data());
    for (std::size_t lane = 0; lane < W; ++lane) g[lane] = Vec3(out[0][lane], out[1][lane], out[2][lane]);
  }

  /// Z^{j}_{ma,mb}(j1,j2) = Σ_{mb1,mb2} C(mb1,mb2) Σ_{ma1,ma2} C(ma1,ma2) U_{j1}[ma1][mb1] U_{j2}[ma2][mb2]
  /// for every triple, rows mb <= j/2; divided by (j+1) with bnormflag. V is double (one atom, arrays
  /// of stride 1) or simd (W atoms side by side, arrays of stride W: every atom has the same index
  /// structure, so this is the same loop with wider numbers).
  template <class V>
  void z_kernel(const double* ur, const double* ui, double* zr_out, double* zi_out) const noexcept {
    constexpr std::size_t L = std::is_same_v<V, double> ? 1 : W;
    auto ld = [](const double* p, int k) -> V {
      if constexpr (L == 1) return p[k];
      else return simd::load_aligned(p + static_cast<std::size_t>(k) * L);
    };
    auto st = [](double* p, std::size_t k, V v) {
      if constexpr (L == 1) p[k] = v;
      else v.store_aligned(p + k * L);
    };
    const auto& t = tables();
    const double* cg = t.cg.data();
    for (std::size_t k = 0; k < t.z.size(); ++k) {
      const auto& e = t.z[k];
      V zr(0.0), zi(0.0);
      int u1 = e.u1, u2 = e.u2, cgb = e.cgb;
      for (int ib = 0; ib < e.nb; ++ib) {
        // two accumulator pairs (even/odd ia): the sums are latency-bound chains otherwise
        V sr0(0.0), si0(0.0), sr1(0.0), si1(0.0);
        int cga = e.cga, ia = 0;
        auto term = [&](int a, V& sr, V& si) {
          const V c(cg[cga + a * e.j2]);
          const V ar = ld(ur, u1 + a), ai = ld(ui, u1 + a), br = ld(ur, u2 - a), bi = ld(ui, u2 - a);
          sr += c * (ar * br - ai * bi);
          si += c * (ar * bi + ai * br);
        };
        for (; ia + 1 < e.na; ia += 2) {
          term(ia, sr0, si0);
          term(ia + 1, sr1, si1);
        }
        if (ia < e.na) term(ia, sr0, si0);
        zr += V(cg[cgb]) * (sr0 + sr1);
        zi += V(cg[cgb]) * (si0 + si1);
        u1 += e.j1 + 1;
        u2 -= e.j2 + 1;
        cgb += e.j2;
      }
      st(zr_out, k, zr);
      st(zi_out, k, zi);
    }
    if (p_.bnormflag)
      for (const auto& tr : t.triples) {
        const int n = (tr.j + 1) * (tr.j / 2 + 1);
        const V f(1.0 / (tr.j + 1));
        for (int k = tr.z_offset; k < tr.z_offset + n; ++k) {
          st(zr_out, static_cast<std::size_t>(k), ld(zr_out, k) * f);
          st(zi_out, static_cast<std::size_t>(k), ld(zi_out, k) * f);
        }
      }
  }

  void compute_z(Workspace& ws) const noexcept { z_kernel<double>(ws.utot_r.data(), ws.utot_i.data(), ws.z_r.data(), ws.z_i.data()); }

  /// B(j1,j2,j) = 2 Σ' Re(conj(U_j)·Z(j1,j2,j)) − bzero.
  void bispectrum(const Workspace& ws, std::span<double> B) const noexcept {
    const auto& t = tables();
    for (std::size_t c = 0; c < t.b.size(); ++c) {
      const auto& b = t.b[c];
      const auto& tr = t.triples[static_cast<std::size_t>(b.t0)];
      const int ju = t.u_block[b.j];
      double v = 2.0 * detail::snap::half_dot(b.j, &ws.utot_r[ju], &ws.utot_i[ju], &ws.z_r[tr.z_offset],
                                              &ws.z_i[tr.z_offset]);
      if (p_.bzeroflag) v -= p_.bnormflag ? 1.0 : (b.j + 1.0);  // wself³ (j+1) or wself³
      B[c] = v;
    }
  }

  /// Y_j = Σ_triples β'·Z so that dE = Σ_j 2 Σ' Re(conj(dU_j)·Y_j) (independent rows only).
  void adjoint_y(Workspace& ws) const noexcept {
    const auto& t = tables();
    std::fill(ws.y_r.begin(), ws.y_r.end(), 0.0);
    std::fill(ws.y_i.begin(), ws.y_i.end(), 0.0);
    for (const auto& tr : t.triples) {
      const double f = p_.bnormflag ? 1.0 : (tr.j1 + 1.0) / (tr.j + 1.0);
      double beta = 0.0;
      if (tr.b0 >= 0) beta += ws.de_db[static_cast<std::size_t>(tr.b0)];
      if (tr.b1 >= 0) beta += f * ws.de_db[static_cast<std::size_t>(tr.b1)];
      if (tr.b2 >= 0) beta += f * ws.de_db[static_cast<std::size_t>(tr.b2)];
      if (beta == 0.0) continue;
      const int n = (tr.j + 1) * (tr.j / 2 + 1), ju = t.u_block[tr.j];
      for (int k = 0; k < n; ++k) {
        ws.y_r[static_cast<std::size_t>(ju + k)] += beta * ws.z_r[static_cast<std::size_t>(tr.z_offset + k)];
        ws.y_i[static_cast<std::size_t>(ju + k)] += beta * ws.z_i[static_cast<std::size_t>(tr.z_offset + k)];
      }
    }
  }

  // ---- explicit multi-element SNAP (chemflag) -------------------------------------------------------
  // A separate, plain path: one density U_tot^e per element e, Z^{e1e2} of every ordered element pair,
  // B[e1 e2 e3](j1,j2,j) = 2 Σ' Re(conj(U_tot^{e3}_j) · Z^{e1e2}(j1,j2,j)) (docs/snap.md). It reuses the
  // neighbour batches (geometry, U, ∂U) of the one-density path and nothing else of it, so that path
  // stays as it is. Atoms are taken one at a time.

  /// Number of element triples: elements³ with chemflag, 1 without.
  std::size_t element_triples() const noexcept {
    const std::size_t ne = p_.chemflag ? p_.elements.size() : 1;
    return ne * ne * ne;
  }

  /// Neighbours, their U, the density of each element and Z of each element pair of atom i.
  void chem_prepare(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws) const {
    prepare_u(s, nl, i, ws);  // neighbours, geometry and bare U per batch (its one-density U_tot is not used)
    const auto& t = tables();
    const std::size_t ne = p_.elements.size(), nu = static_cast<std::size_t>(detail::snap::u_size(t.twojmax));
    const std::size_t nz = t.z.size();
    auto& c = ws.chem;
    c.centre = element_of(s.numbers[i]);
    c.element.clear();
    for (const auto& nb : ws.neighbours) c.element.push_back(element_of(s.numbers[static_cast<std::size_t>(nb.j)]));
    std::fill(c.u.begin(), c.u.end(), 0.0);
    // Σ_neighbours w f_c U into the density of the neighbour's own element (independent rows)
    for (std::size_t n = 0; n < ws.neighbours.size(); ++n) {
      const std::size_t batch = n / W, lane = n % W;
      const double wf = ws.geometry[(batch * fields + WF) * W + lane];
      const double* ur = ws.u.data() + batch * 2 * nu * W;
      const double* ui = ur + nu * W;
      double* dr = c.u.data() + static_cast<std::size_t>(c.element[n]) * 2 * nu;
      double* di = dr + nu;
      for (int j = 0; j <= t.twojmax; ++j) {
        const std::size_t begin = static_cast<std::size_t>(t.u_block[j]);
        const std::size_t end = begin + static_cast<std::size_t>((j / 2 + 1) * (j + 1));
        for (std::size_t k = begin; k < end; ++k) {
          dr[k] += wf * ur[k * W + lane];
          di[k] += wf * ui[k * W + lane];
        }
      }
    }
    // self term wself = 1: only in the centre's own density, or in every density with wselfallflag
    for (std::size_t e = 0; e < ne; ++e) {
      double* dr = c.u.data() + e * 2 * nu;
      if (static_cast<int>(e) == c.centre || p_.wselfallflag)
        for (int j = 0; j <= t.twojmax; ++j)
          for (int m = 0; m <= j; ++m) dr[static_cast<std::size_t>(t.u_block[j] + m * (j + 1) + m)] += 1.0;
      mirror_rows(dr, dr + nu);
    }
    for (std::size_t e1 = 0; e1 < ne; ++e1)
      for (std::size_t e2 = 0; e2 < ne; ++e2) {
        const double* u1 = c.u.data() + e1 * 2 * nu;
        const double* u2 = c.u.data() + e2 * 2 * nu;
        double* z = c.z.data() + (e1 * ne + e2) * 2 * nz;
        chem_z_kernel(u1, u1 + nu, u2, u2 + nu, z, z + nz);
      }
  }

  /// Z^{e1e2}: z_kernel<double> with U_j1 taken from the density of e1 and U_j2 from that of e2.
  void chem_z_kernel(const double* u1r, const double* u1i, const double* u2r, const double* u2i, double* zr_out,
                     double* zi_out) const noexcept {
    const auto& t = tables();
    const double* cg = t.cg.data();
    for (std::size_t k = 0; k < t.z.size(); ++k) {
      const auto& e = t.z[k];
      double zr = 0.0, zi = 0.0;
      int u1 = e.u1, u2 = e.u2, cgb = e.cgb;
      for (int ib = 0; ib < e.nb; ++ib) {
        double sr = 0.0, si = 0.0;
        for (int ia = 0; ia < e.na; ++ia) {
          const double cga = cg[e.cga + ia * e.j2];
          const double ar = u1r[u1 + ia], ai = u1i[u1 + ia], br = u2r[u2 - ia], bi = u2i[u2 - ia];
          sr += cga * (ar * br - ai * bi);
          si += cga * (ar * bi + ai * br);
        }
        zr += cg[cgb] * sr;
        zi += cg[cgb] * si;
        u1 += e.j1 + 1;
        u2 -= e.j2 + 1;
        cgb += e.j2;
      }
      zr_out[k] = zr;
      zi_out[k] = zi;
    }
    if (p_.bnormflag)
      for (const auto& tr : t.triples)
        for (int k = tr.z_offset; k < tr.z_offset + (tr.j + 1) * (tr.j / 2 + 1); ++k) {
          zr_out[k] /= tr.j + 1;
          zi_out[k] /= tr.j + 1;
        }
  }

  const double* chem_z(const Workspace& ws, std::size_t e1, std::size_t e2) const noexcept {
    return ws.chem.z.data() + (e1 * p_.elements.size() + e2) * 2 * tables().z.size();
  }

  /// B[e1e2e3](j1,j2,j) − bzero, column (e1·nel + e2)·nel + e3)·nb + c. bzero goes to the triple of the
  /// centre's element only, or to every triple with wselfallflag (every density then has the self term).
  void chem_bispectrum(const Workspace& ws, std::span<double> B) const noexcept {
    const auto& t = tables();
    const std::size_t ne = p_.elements.size(), nb = t.b.size(), nz = t.z.size();
    const std::size_t nu = static_cast<std::size_t>(detail::snap::u_size(t.twojmax));
    const auto ei = static_cast<std::size_t>(ws.chem.centre);
    for (std::size_t e1 = 0; e1 < ne; ++e1)
      for (std::size_t e2 = 0; e2 < ne; ++e2)
        for (std::size_t e3 = 0; e3 < ne; ++e3) {
          const double* z = chem_z(ws, e1, e2);
          const double* u = ws.chem.u.data() + e3 * 2 * nu;
          const std::size_t tri = (e1 * ne + e2) * ne + e3;
          const bool shifted = p_.bzeroflag && (p_.wselfallflag || (e1 == ei && e2 == ei && e3 == ei));
          for (std::size_t c = 0; c < nb; ++c) {
            const auto& b = t.b[c];
            const int zo = t.triples[static_cast<std::size_t>(b.t0)].z_offset, ju = t.u_block[b.j];
            double v = 2.0 * detail::snap::half_dot(b.j, u + ju, u + nu + ju, z + zo, z + nz + zo);
            if (shifted) v -= p_.bnormflag ? 1.0 : (b.j + 1.0);
            B[tri * nb + c] = v;
          }
        }
  }

  /// For the batch in ws.du: ws.chem.dtriple[pair][d][t] = 2 Σ' Re(conj(∂U_j)·Z^{pair}_t), every triple t.
  void chem_triple_contractions(Workspace& ws) const noexcept {
    const auto& t = tables();
    const std::size_t nu = static_cast<std::size_t>(detail::snap::u_size(t.twojmax)), nt = t.triples.size();
    const std::size_t ne = p_.elements.size(), nz = t.z.size();
    const double* hw = t.half_weight.data();
    for (std::size_t pair = 0; pair < ne * ne; ++pair) {
      const double* zr = ws.chem.z.data() + pair * 2 * nz;
      const double* zi = zr + nz;
      double* out = ws.chem.dtriple.data() + pair * 3 * nt * W;
      for (std::size_t q = 0; q < nt; ++q) {
        const auto& tr = t.triples[q];
        const std::size_t ju = static_cast<std::size_t>(t.u_block[tr.j]);
        const std::size_t n = static_cast<std::size_t>((tr.j + 1) * (tr.j / 2 + 1));
        for (std::size_t d = 0; d < 3; ++d) {
          const double* dr = ws.du.data() + d * 2 * nu * W;
          const double* di = dr + nu * W;
          simd acc(0.0);
          for (std::size_t k = 0; k < n; ++k) {
            const std::size_t o = (ju + k) * W;
            const double h = hw[ju + k];
            acc = xsimd::fma(simd::load_aligned(dr + o), simd(h * zr[tr.z_offset + static_cast<int>(k)]), acc);
            acc = xsimd::fma(simd::load_aligned(di + o), simd(h * zi[tr.z_offset + static_cast<int>(k)]), acc);
          }
          (2.0 * acc).store_aligned(out + (d * nt + q) * W);
        }
      }
    }
  }

  /// ∂B/∂r_ij of the prepared atom (layout of compute_with_derivatives). A neighbour of element e moves
  /// only U^e, so B[e1e2e3] gets a term from each slot whose element is e (the three terms of
  /// derivatives(), with the element pairs of the Z's permuted alike).
  void chem_derivatives(Workspace& ws, std::span<double> dB) const {
    std::fill(dB.begin(), dB.end(), 0.0);
    const auto& t = tables();
    const std::size_t ne = p_.elements.size(), nb = t.b.size(), nt = t.triples.size(), ncol = size();
    const double fnorm = p_.bnormflag ? 0.0 : 1.0;
    for (std::size_t batch = 0; batch * W < ws.neighbours.size(); ++batch) {
      batch_dutot(ws, batch);
      chem_triple_contractions(ws);
      for (std::size_t lane = 0; lane < W && batch * W + lane < ws.neighbours.size(); ++lane) {
        const std::size_t n = batch * W + lane;
        const auto e = static_cast<std::size_t>(ws.chem.element[n]);
        double* out = dB.data() + ws.neighbours[n].slot * 3 * ncol;
        // D(p, q, triple, d): the contraction with Z^{pq}
        auto D = [&](std::size_t p, std::size_t q, int triple, std::size_t d) {
          return ws.chem.dtriple[(((p * ne + q) * 3 + d) * nt + static_cast<std::size_t>(triple)) * W + lane];
        };
        for (std::size_t e1 = 0; e1 < ne; ++e1)
          for (std::size_t e2 = 0; e2 < ne; ++e2)
            for (std::size_t e3 = 0; e3 < ne; ++e3) {
              if (e1 != e && e2 != e && e3 != e) continue;
              const std::size_t tri = (e1 * ne + e2) * ne + e3;
              for (std::size_t c = 0; c < nb; ++c) {
                const auto& b = t.b[c];
                const double f1 = fnorm * (b.j + 1.0) / (b.j1 + 1.0) + (1.0 - fnorm);
                const double f2 = fnorm * (b.j + 1.0) / (b.j2 + 1.0) + (1.0 - fnorm);
                for (std::size_t d = 0; d < 3; ++d) {
                  double v = 0.0;
                  if (e3 == e) v += D(e1, e2, b.t0, d);       // ∂U^{e3}_j  · Z^{e1e2}(j1,j2,j)
                  if (e1 == e) v += f1 * D(e3, e2, b.t1, d);  // ∂U^{e1}_j1 · Z^{e3e2}(j,j2,j1)
                  if (e2 == e) v += f2 * D(e3, e1, b.t2, d);  // ∂U^{e2}_j2 · Z^{e3e1}(j,j1,j2)
                  out[d * ncol + tri * nb + c] = v;
                }
              }
            }
      }
    }
  }

  /// Y^e_j = ∂E/∂U^e_j (independent rows) from β = ws.chem.de_db: each B[e1e2e3] passes β to the
  /// density of each of its three slots, with the Z of the other two (as in chem_derivatives).
  void chem_adjoint_y(Workspace& ws) const noexcept {
    const auto& t = tables();
    const std::size_t ne = p_.elements.size(), nb = t.b.size(), nz = t.z.size();
    const std::size_t nu = static_cast<std::size_t>(detail::snap::u_size(t.twojmax));
    std::fill(ws.chem.y.begin(), ws.chem.y.end(), 0.0);
    auto add = [&](std::size_t e, int triple, const double* z, double beta) {
      const auto& tr = t.triples[static_cast<std::size_t>(triple)];
      double* yr = ws.chem.y.data() + e * 2 * nu + t.u_block[tr.j];
      double* yi = yr + nu;
      for (int k = 0; k < (tr.j + 1) * (tr.j / 2 + 1); ++k) {
        yr[k] += beta * z[tr.z_offset + k];
        yi[k] += beta * z[nz + tr.z_offset + k];
      }
    };
    for (std::size_t e1 = 0; e1 < ne; ++e1)
      for (std::size_t e2 = 0; e2 < ne; ++e2)
        for (std::size_t e3 = 0; e3 < ne; ++e3) {
          const std::size_t tri = (e1 * ne + e2) * ne + e3;
          for (std::size_t c = 0; c < nb; ++c) {
            const double beta = ws.chem.de_db[tri * nb + c];
            if (beta == 0.0) continue;
            const auto& b = t.b[c];
            const double f1 = p_.bnormflag ? 1.0 : (b.j + 1.0) / (b.j1 + 1.0);
            const double f2 = p_.bnormflag ? 1.0 : (b.j + 1.0) / (b.j2 + 1.0);
            add(e3, b.t0, chem_z(ws, e1, e2), beta);
            add(e1, b.t1, chem_z(ws, e3, e2), f1 * beta);
            add(e2, b.t2, chem_z(ws, e3, e1), f2 * beta);
          }
        }
  }

  /// g = ∂E_i/∂r_ij for the neighbours of a batch, each contracted with Y of its own element.
  void chem_batch_gradients(Workspace& ws, std::size_t batch, std::array<Vec3, W>& g) const noexcept {
    const auto& t = tables();
    const std::size_t nu = static_cast<std::size_t>(detail::snap::u_size(t.twojmax));
    batch_du(ws, batch);
    const double* ur = ws.u.data() + batch * 2 * nu * W;
    const double* ui = ur + nu * W;
    const double* hw = t.half_weight.data();
    for (std::size_t lane = 0; lane < W && batch * W + lane < ws.neighbours.size(); ++lane) {
      const auto e = static_cast<std::size_t>(ws.chem.element[batch * W + lane]);
      const double* yr = ws.chem.y.data() + e * 2 * nu;
      const double* yi = yr + nu;
      double su = 0.0;
      std::array<double, 3> sd{0.0, 0.0, 0.0};
      for (int j = 0; j <= t.twojmax; ++j) {
        const std::size_t begin = static_cast<std::size_t>(t.u_block[j]);
        const std::size_t end = begin + static_cast<std::size_t>((j / 2 + 1) * (j + 1));
        for (std::size_t k = begin; k < end; ++k) {
          const double hyr = hw[k] * yr[k], hyi = hw[k] * yi[k];
          su += ur[k * W + lane] * hyr + ui[k * W + lane] * hyi;
          for (std::size_t d = 0; d < 3; ++d) {
            const double* dr = ws.du.data() + d * 2 * nu * W;
            const double* di = dr + nu * W;
            sd[d] += dr[k * W + lane] * hyr + di[k * W + lane] * hyi;
          }
        }
      }
      const double wf = ws.geometry[(batch * fields + WF) * W + lane];
      for (std::size_t d = 0; d < 3; ++d)
        g[lane][static_cast<Eigen::Index>(d)] = 2.0 * (ws.geometry[(batch * fields + WDF + d) * W + lane] * su + wf * sd[d]);
    }
  }



  BispectrumParams p_;
  [[no_unique_address]] std::conditional_t<fixed, detail::snap::Empty, TablesT> tables_{};
  std::array<int, max_atomic_number + 1> elem_of_z_{};
  std::vector<double> rcut_;  ///< rcutfac (R_a + R_b), element-pair matrix
};

/// Energy, forces and virial of a whole structure for a per-atom energy of B, in parallel over atoms
/// (oneTBB; one Workspace and one force array per thread, summed afterwards, so the result depends
/// on the thread count only through round-off). Forces and virial are overwritten. energy_of is
/// called from several threads at once.
template <int TwoJMax, class EnergyOfB>
double evaluate_structure(const Bispectrum<TwoJMax>& desc, const Structure& s, const NeighbourList& nl,
                          const EnergyOfB& energy_of, std::span<Vec3> forces, Mat3& virial) {
  if (forces.size() != s.size()) throw InputError("evaluate_structure: forces must have one entry per atom");
  struct Local {
    typename Bispectrum<TwoJMax>::Workspace ws;
    std::vector<Vec3> forces;
    Mat3 virial = Mat3::Zero();
    double energy = 0.0;
  };
  tbb::enumerable_thread_specific<Local> locals(
      [&] { return Local{desc.make_workspace(), std::vector<Vec3>(s.size(), Vec3::Zero()), Mat3::Zero(), 0.0}; });
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, s.size(), 16), [&](const tbb::blocked_range<std::size_t>& r) {
    Local& l = locals.local();
    l.energy += desc.evaluate_atoms(s, nl, r.begin(), r.end(), l.ws, energy_of, l.forces, l.virial);
  });
  std::fill(forces.begin(), forces.end(), Vec3::Zero());
  virial.setZero();
  double e = 0.0;
  for (const Local& l : locals) {
    e += l.energy;
    virial += l.virial;
    for (std::size_t i = 0; i < s.size(); ++i) forces[i] += l.forces[i];
  }
  return e;
}

static_assert(Descriptor<Bispectrum<>>);
static_assert(Descriptor<Bispectrum<6>>);

}  // namespace pestle
