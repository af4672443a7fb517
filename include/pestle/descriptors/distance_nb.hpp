#pragma once
// QUIP's low-body-order GAP descriptors: distance_2b and distance_Nb (order 2 and 3).
//
// Unlike SOAP they are not one vector per atom but one vector per *cluster* of atoms (an ordered
// pair for distance_2b, a pair or triplet for distance_Nb). GAP's local energy of a cluster is
// e(x)·f_c, where x holds the interatomic distances and f_c is the "covariance cutoff"; it is shared
// equally among the atoms of the cluster. Which clusters exist (definitions from GAP's
// descriptors.F90, commit 25e734c; docs/gap-xml.md):
//
//   distance_2b   every ordered pair (i, j-image) with r_ij < cutoff whose species match {Z1, Z2}
//                 (0 = any); x_c = r_ij^p_c (p = exponents, default 1); f_c = f(r_ij).
//   distance_Nb,  compact_clusters=T: the first atom i is the centre, the others are distinct
//                 neighbour images of i within the cutoff (each unordered set once);
//                 f_c = Π_k f(r_1k).
//   distance_Nb,  compact_clusters=F (files older than GAP 1596837814): every connected set of
//                 `order` atom images (connected = a chain of pairs within the cutoff), each set
//                 once up to a lattice translation; f_c = Σ over connected graphs G on the atoms of
//                 Π_{edges in G} f(r) Π_{edges not in G} (1 − f(r)).
//   x for distance_Nb = (r_12, r_13, r_23) for order 3 and (r_12) for order 2; atoms 2.. (compact) or
//   all atoms (not compact) are ordered by species, then index, then image, as QUIP orders them.
//   Species filter: if every entry of Z is non-zero, the cluster's species must equal the multiset Z.
//
// f(r) is QUIP's coordination function: 1 below rc − w, ½[cos(π(r − rc + w)/w) + 1] up to rc, 0 after.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numbers>
#include <tuple>
#include <vector>

#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/core/types.hpp"
#include "pestle/descriptors/gap_terms.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle {

/// QUIP's coordination (cutoff) function and its radial derivative.
struct CoordinationCutoff {
  double cutoff = 0.0;
  double width = 0.5;
  double value(double r) const noexcept {
    if (r > cutoff) return 0.0;
    if (r > cutoff - width) return 0.5 * (std::cos(std::numbers::pi * (r - cutoff + width) / width) + 1.0);
    return 1.0;
  }
  double derivative(double r) const noexcept {
    if (r > cutoff || r <= cutoff - width) return 0.0;
    return -0.5 * std::numbers::pi * std::sin(std::numbers::pi * (r - cutoff + width) / width) / width;
  }
};

/// One descriptor instance of a cluster descriptor (2 or 3 atoms), with all derivatives.
struct ClusterInstance {
  static constexpr int max_atoms = 3;
  static constexpr int max_dims = 8;
  int atoms = 0;                           ///< 2 or 3
  int dims = 0;                            ///< length of x
  std::array<int, max_atoms> atom{};       ///< atom indices
  std::array<Vec3, max_atoms> rel{};       ///< positions relative to the first atom (images included), Å
  std::array<double, max_dims> x{};        ///< descriptor values
  std::array<std::array<Vec3, max_atoms>, max_dims> dx{};  ///< dx[c][k] = ∂x_c/∂r_k
  double fc = 1.0;                         ///< covariance cutoff
  std::array<Vec3, max_atoms> dfc{};       ///< ∂f_c/∂r_k
};

namespace distance_detail {

/// A cluster member while clusters are enumerated: atom index, image relative to the first atom
/// of the enumeration, species and relative position.
struct Member {
  int atom;
  std::array<int, 3> image;
  int z;
  Vec3 rel;
};

inline bool member_before(const Member& a, const Member& b) {
  return std::tie(a.z, a.atom, a.image) < std::tie(b.z, b.atom, b.image);
}

/// Pair distances of the members in QUIP's order (1-2, 1-3, 2-3) with their gradients.
inline void fill_distances(ClusterInstance& c) {
  int p = 0;
  for (int a = 0; a < c.atoms; ++a)
    for (int b = a + 1; b < c.atoms; ++b, ++p) {
      const Vec3 d = c.rel[std::size_t(b)] - c.rel[std::size_t(a)];
      const double r = d.norm();
      const Vec3 u = d / r;
      c.x[std::size_t(p)] = r;
      for (auto& g : c.dx[std::size_t(p)]) g.setZero();
      c.dx[std::size_t(p)][std::size_t(b)] = u;
      c.dx[std::size_t(p)][std::size_t(a)] = -u;
    }
  c.dims = p;
}

/// Is the graph on n ≤ 3 nodes with the given edge mask (bits: 01, 02, 12) connected?
inline bool connected(int n, unsigned mask) {
  if (n == 2) return mask & 1u;
  const int edges = std::popcount(mask);  // on three nodes: connected iff at least two edges
  return edges >= 2;
}

}  // namespace distance_detail

/// QUIP's distance_2b descriptor.
class Distance2b {
 public:
  explicit Distance2b(Distance2bParams p) : p_(std::move(p)), f_{p_.cutoff, p_.cutoff_transition_width} {
    if (p_.exponents.empty() || p_.exponents.size() > std::size_t(ClusterInstance::max_dims))
      throw InputError("distance_2b: pestle supports 1 to " + std::to_string(ClusterInstance::max_dims) + " exponents");
  }
  const Distance2bParams& params() const noexcept { return p_; }
  std::size_t size() const noexcept { return p_.exponents.size(); }
  double cutoff() const noexcept { return p_.cutoff; }
  NeighbourOptions neighbour_options() const {
    NeighbourOptions o;
    o.cutoff = p_.cutoff;
    return o;
  }

  /// Calls f(const ClusterInstance&) for every instance whose first atom is i.
  template <class F>
  void for_each(const Structure& s, const NeighbourList& nl, std::size_t i, F&& f) const {
    const int zi = s.numbers[i];
    const bool i1 = p_.Z1 == 0 || zi == p_.Z1, i2 = p_.Z2 == 0 || zi == p_.Z2;
    ClusterInstance c;
    c.atoms = 2;
    c.dims = int(size());
    c.atom[0] = int(i);
    c.rel[0].setZero();
    for (std::size_t e = nl.begin(i); e < nl.end(i); ++e) {
      const double r = nl.distance[e];
      if (r >= p_.cutoff) continue;
      const int j = nl.index[e];
      const int zj = s.numbers[std::size_t(j)];
      const bool j1 = p_.Z1 == 0 || zj == p_.Z1, j2 = p_.Z2 == 0 || zj == p_.Z2;
      if (!((i1 && j2) || (i2 && j1))) continue;
      const Vec3 u = nl.displacement[e] / r;
      c.atom[1] = j;
      c.rel[1] = nl.displacement[e];
      for (std::size_t k = 0; k < size(); ++k) {
        const double pk = p_.exponents[k];
        c.x[k] = std::pow(r, pk);
        const double dr = pk * std::pow(r, pk - 1.0);
        c.dx[k][1] = dr * u;
        c.dx[k][0] = -dr * u;
      }
      c.fc = f_.value(r);
      const double dfc = f_.derivative(r);
      c.dfc[1] = dfc * u;
      c.dfc[0] = -dfc * u;
      f(static_cast<const ClusterInstance&>(c));
    }
  }

 private:
  Distance2bParams p_;
  CoordinationCutoff f_;
};

/// QUIP's distance_Nb descriptor for order 2 and 3.
class DistanceNb {
 public:
  explicit DistanceNb(DistanceNbParams p) : p_(std::move(p)), f_{p_.cutoff, p_.cutoff_transition_width} {
    if (p_.order != 2 && p_.order != 3) throw InputError("distance_Nb: pestle supports order 2 and 3 only");
    any_species_ = std::any_of(p_.Z.begin(), p_.Z.end(), [](int z) { return z == 0; });
  }
  const DistanceNbParams& params() const noexcept { return p_; }
  std::size_t size() const noexcept { return p_.dimensions(); }
  double cutoff() const noexcept { return p_.cutoff; }
  NeighbourOptions neighbour_options() const {
    NeighbourOptions o;
    o.cutoff = p_.cutoff;
    return o;
  }

  /// Calls f(const ClusterInstance&) for every cluster that "belongs" to atom i: its centre for
  /// compact clusters, its canonical first member otherwise (so each cluster is visited once).
  template <class F>
  void for_each(const Structure& s, const NeighbourList& nl, std::size_t i, F&& f) const {
    using distance_detail::Member;
    const Member centre{int(i), {0, 0, 0}, s.numbers[i], Vec3::Zero()};
    std::vector<std::array<Member, 3>> clusters;
    if (p_.compact_clusters)
      compact(s, nl, centre, clusters);
    else
      connected(s, nl, centre, clusters);
    ClusterInstance c;
    for (auto& m : clusters) {
      c.atoms = p_.order;
      for (int k = 0; k < p_.order; ++k) {
        c.atom[std::size_t(k)] = m[std::size_t(k)].atom;
        c.rel[std::size_t(k)] = m[std::size_t(k)].rel - m[0].rel;
      }
      distance_detail::fill_distances(c);
      covariance_cutoff(c);
      f(static_cast<const ClusterInstance&>(c));
    }
  }

 private:
  using Member = distance_detail::Member;

  bool species_match(const std::array<Member, 3>& m) const {
    if (any_species_) return true;
    std::vector<int> z;  // (a std::array here trips GCC 12's -Warray-bounds in std::sort)
    for (int k = 0; k < p_.order; ++k) z.push_back(m[std::size_t(k)].z);
    std::sort(z.begin(), z.end());
    return z == p_.Z;
  }

  Member neighbour(const Structure& s, const NeighbourList& nl, std::size_t e, const Member& from) const {
    Member m;
    m.atom = nl.index[e];
    for (int a = 0; a < 3; ++a) m.image[std::size_t(a)] = from.image[std::size_t(a)] + nl.image[e][std::size_t(a)];
    m.z = s.numbers[std::size_t(m.atom)];
    m.rel = from.rel + nl.displacement[e];
    return m;
  }

  static bool same(const Member& a, const Member& b) { return a.atom == b.atom && a.image == b.image; }

  // Compact clusters: the centre plus order-1 distinct neighbour images of it within the cutoff.
  PESTLE_RUNTIME_INLINE void compact(const Structure& s, const NeighbourList& nl, const Member& centre,
                                     std::vector<std::array<Member, 3>>& out) const;

  // Accept a set only in the translation where no other image of the smallest atom index has a
  // negative image, and only from that smallest index: every set is then produced exactly once.
  static bool canonical(const std::array<Member, 3>& c, int n, int first) {
    for (int k = 0; k < n; ++k) {
      const Member& m = c[std::size_t(k)];
      if (m.atom < first) return false;
      if (m.atom == first && detail::positive_image(m.image) == false && m.image != std::array<int, 3>{0, 0, 0})
        return false;
    }
    return true;
  }

  // Non-compact clusters: connected sets containing atom i at image 0.
  PESTLE_RUNTIME_INLINE void connected(const Structure& s, const NeighbourList& nl, const Member& centre,
                                       std::vector<std::array<Member, 3>>& out) const;

  void covariance_cutoff(ClusterInstance& c) const {
    const int n = c.atoms;
    // pair cutoffs in the order of fill_distances: (0,1), (0,2), (1,2)
    std::array<double, 3> f{}, df{};
    for (int p = 0; p < c.dims; ++p) {
      f[std::size_t(p)] = f_.value(c.x[std::size_t(p)]);
      df[std::size_t(p)] = f_.derivative(c.x[std::size_t(p)]);
    }
    for (auto& g : c.dfc) g.setZero();
    if (p_.compact_clusters) {
      // Π over the pairs with the centre: pairs 0 (and 1 for order 3)
      const int centre_pairs = n - 1;
      c.fc = 1.0;
      for (int p = 0; p < centre_pairs; ++p) c.fc *= f[std::size_t(p)];
      for (int p = 0; p < centre_pairs; ++p) {
        double others = 1.0;
        for (int q = 0; q < centre_pairs; ++q)
          if (q != p) others *= f[std::size_t(q)];
        add_pair_gradient(c, p, others * df[std::size_t(p)]);
      }
      return;
    }
    // Σ over connected graphs of Π f (edge present) or (1 − f) (edge absent).
    const int edges = c.dims;
    c.fc = 0.0;
    std::array<double, 3> dfc_dpair{};
    for (unsigned mask = 0; mask < (1u << edges); ++mask) {
      if (!distance_detail::connected(n, mask)) continue;
      double term = 1.0;
      for (int p = 0; p < edges; ++p) term *= (mask >> p & 1u) ? f[std::size_t(p)] : 1.0 - f[std::size_t(p)];
      c.fc += term;
      for (int p = 0; p < edges; ++p) {
        double rest = 1.0;
        for (int q = 0; q < edges; ++q)
          if (q != p) rest *= (mask >> q & 1u) ? f[std::size_t(q)] : 1.0 - f[std::size_t(q)];
        dfc_dpair[std::size_t(p)] += ((mask >> p & 1u) ? 1.0 : -1.0) * df[std::size_t(p)] * rest;
      }
    }
    for (int p = 0; p < edges; ++p) add_pair_gradient(c, p, dfc_dpair[std::size_t(p)]);
  }

  // dfc += coefficient · ∂r_p/∂r_k for the pair p.
  static void add_pair_gradient(ClusterInstance& c, int p, double coefficient) {
    for (int k = 0; k < c.atoms; ++k) c.dfc[std::size_t(k)] += coefficient * c.dx[std::size_t(p)][std::size_t(k)];
  }

  DistanceNbParams p_;
  CoordinationCutoff f_;
  bool any_species_ = false;
};

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/descriptors/impl/distance_nb.hpp"
#endif
