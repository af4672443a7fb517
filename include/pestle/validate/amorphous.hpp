#pragma once
// Structure and dynamics of amorphous solids and liquids from snapshots, beyond g(r), coordination
// and bond angles (validate/liquid.hpp, reused here): per-atom crystallinity from the SOAP kernel
// against a crystal, shortest-path ring statistics, the static structure factor S(Q) from g(r) and
// by the direct sum over commensurate Q, the angular-limited three-body correlation (ALTBC), and the
// mean square displacement with the diffusion coefficient. Formulas and references: docs/amorphous-draft.md.
#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdint>
#include <numbers>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <Eigen/Dense>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "pestle/descriptors/soap.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
#include "pestle/validate/liquid.hpp"

namespace pestle::validate {

// ---------------------------------------------------------------------------------------------
// 1. Crystallinity from the SOAP kernel
// ---------------------------------------------------------------------------------------------

/// SOAP settings of the crystallinity analysis: cutoff 5 Å (three neighbour shells of Si), n_max = 12,
/// l_max = 8, σ = 0.3 Å, one channel for every species. With ζ = 12 and the threshold 0.57 they separate
/// diamond Si with 0.1 Å thermal noise from SW amorphous and liquid Si (docs/amorphous-draft.md has the
/// calibration); the threshold only means something for fixed settings.
inline SoapParams crystallinity_soap_params() {
  SoapParams p;
  p.cutoff = 5.0;
  p.cutoff_transition_width = 0.5;
  p.n_max = 12;
  p.l_max = 8;
  p.atom_sigma = 0.3;
  return p;
}

struct CrystallinityOptions {
  SoapParams soap = crystallinity_soap_params();
  double zeta = 12.0;       ///< kernel exponent ζ
  double threshold = 0.57;  ///< crystalline if k ≥ threshold (docs/amorphous-draft.md)
};

struct CrystallinityResult {
  std::vector<double> kernel;      ///< k(i, ref) per atom
  std::vector<char> crystalline;   ///< 1 if k(i, ref) ≥ threshold
  double fraction = 0.0;           ///< crystalline atoms / atoms
};

/// The SOAP power spectrum of every atom of s, one row per atom (QUIP convention, docs/soap.md).
inline Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> soap_power_spectra(
    const Structure& s, const SoapParams& p) {
  const Soap<> soap(p);
  const NeighbourList nl = build_neighbour_list(s, soap.neighbour_options());
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> out(Eigen::Index(s.size()),
                                                                             Eigen::Index(soap.size()));
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, s.size()), [&](const tbb::blocked_range<std::size_t>& r) {
    auto ws = soap.make_workspace();
    for (std::size_t i = r.begin(); i < r.end(); ++i)
      soap.compute(s, nl, i, ws, std::span<double>(out.row(Eigen::Index(i)).data(), soap.size()));
  });
  return out;
}

/// Reference vector of a crystal: the mean SOAP vector over its atoms (for a one-site crystal such
/// as diamond every atom has the same vector, so the mean is that vector).
inline std::vector<double> mean_soap_vector(const Structure& crystal, const SoapParams& p) {
  if (crystal.empty()) throw InputError("crystallinity: the reference crystal has no atoms");
  const auto q = soap_power_spectra(crystal, p);
  const Eigen::VectorXd mean = q.colwise().mean().transpose();
  return {mean.data(), mean.data() + mean.size()};
}

/// Normalised dot-product SOAP kernel k = (a·b / (|a||b|))^ζ (Bartók, Kondor, Csányi, PRB 87, 184115
/// (2013); De et al., PCCP 18, 13754 (2016)). A negative overlap (not met with power spectra of one
/// species) is taken as 0 so that a non-integer ζ stays real.
inline double soap_kernel(std::span<const double> a, std::span<const double> b, double zeta) {
  if (a.size() != b.size()) throw InputError("SOAP kernel: vectors of different length");
  double ab = 0.0, aa = 0.0, bb = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) ab += a[k] * b[k], aa += a[k] * a[k], bb += b[k] * b[k];
  if (aa == 0.0 || bb == 0.0) return 0.0;
  return std::pow(std::max(0.0, ab / std::sqrt(aa * bb)), zeta);
}

/// Per-atom crystallinity: k(i, ref) of every atom against a reference SOAP vector (mean_soap_vector
/// of the crystal, computed with the same settings), and the fraction with k ≥ threshold.
inline CrystallinityResult soap_crystallinity(const Structure& s, std::span<const double> reference,
                                              const CrystallinityOptions& o = {}) {
  if (!(o.zeta > 0) || !std::isfinite(o.threshold)) throw InputError("crystallinity: zeta must be positive and the threshold finite");
  const auto q = soap_power_spectra(s, o.soap);
  if (std::size_t(q.cols()) != reference.size())
    throw InputError("crystallinity: reference vector has " + std::to_string(reference.size()) +
                     " elements, the SOAP settings give " + std::to_string(q.cols()));
  CrystallinityResult r;
  r.kernel.resize(s.size());
  r.crystalline.resize(s.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    r.kernel[i] = soap_kernel({q.row(Eigen::Index(i)).data(), std::size_t(q.cols())}, reference, o.zeta);
    r.crystalline[i] = r.kernel[i] >= o.threshold;
    n += std::size_t(r.crystalline[i]);
  }
  r.fraction = s.empty() ? 0.0 : double(n) / double(s.size());
  return r;
}

/// The same against a crystal structure (its mean SOAP vector is the reference).
inline CrystallinityResult soap_crystallinity(const Structure& s, const Structure& crystal,
                                              const CrystallinityOptions& o = {}) {
  const std::vector<double> ref = mean_soap_vector(crystal, o.soap);
  return soap_crystallinity(s, ref, o);
}

// ---------------------------------------------------------------------------------------------
// 2. Shortest-path rings (Franzblau)
// ---------------------------------------------------------------------------------------------

struct RingStatistics {
  int max_size = 0;
  /// count[n]: distinct rings of n atoms in the cell (rings related by a lattice translation are one
  /// ring), n = 0..max_size.
  std::vector<std::size_t> count;
  /// per_atom[i][n]: rings of n atoms that pass through atom i.
  std::vector<std::vector<std::size_t>> per_atom;
  /// Every ring as its atom indices in ring order.
  std::vector<std::vector<int>> rings;

  /// Rings of n atoms per atom of the cell, count[n]/N.
  double per_cell_atom(int n) const { return per_atom.empty() ? 0.0 : double(count.at(std::size_t(n))) / double(per_atom.size()); }
  /// Mean over atoms of per_atom[i][n] (= n · count[n] / N).
  double mean_per_atom(int n) const {
    double sum = 0.0;
    for (const auto& a : per_atom) sum += double(a.at(std::size_t(n)));
    return per_atom.empty() ? 0.0 : sum / double(per_atom.size());
  }
};

namespace detail::rings {

/// A vertex of the periodic network unrolled into space: atom j at r_j + image·cell.
struct Vertex {
  int atom;
  std::array<int, 3> image;
  auto operator<=>(const Vertex&) const = default;
};

inline std::uint64_t key(int atom, const std::array<int, 3>& g) {
  constexpr int half = 1 << 9;
  for (int c : g)
    if (c <= -half || c >= half) throw InputError("rings: a ring search reached a periodic image beyond ±511 cells");
  return (std::uint64_t(atom) << 30) | (std::uint64_t(g[0] + half) << 20) | (std::uint64_t(g[1] + half) << 10) |
         std::uint64_t(g[2] + half);
}

inline std::array<int, 3> add(const std::array<int, 3>& a, const std::array<int, 3>& b) {
  return {a[0] + b[0], a[1] + b[1], a[2] + b[2]};
}
inline std::array<int, 3> sub(const std::array<int, 3>& a, const std::array<int, 3>& b) {
  return {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
}

/// Breadth-first search from (root, image 0) to `depth` bonds: every vertex reached, its distance and
/// its predecessors on shortest paths.
struct Tree {
  std::vector<Vertex> vertex;
  std::vector<int> dist;
  std::vector<std::vector<int>> pred;
  std::unordered_map<std::uint64_t, int> index;

  int find(int atom, const std::array<int, 3>& g) const {
    const auto it = index.find(key(atom, g));
    return it == index.end() ? -1 : it->second;
  }
};

inline Tree bfs(const NeighbourList& nl, int root, int depth) {
  Tree t;
  t.vertex.push_back({root, {0, 0, 0}});
  t.dist.push_back(0);
  t.pred.emplace_back();
  t.index[key(root, {0, 0, 0})] = 0;
  for (std::size_t head = 0; head < t.vertex.size(); ++head) {
    if (t.dist[head] == depth) break;  // vertices are appended in order of distance
    const Vertex v = t.vertex[head];
    for (std::size_t e = nl.begin(std::size_t(v.atom)); e < nl.end(std::size_t(v.atom)); ++e) {
      const std::array<int, 3> g = add(v.image, nl.image[e]);
      const std::uint64_t k = key(nl.index[e], g);
      const auto it = t.index.find(k);
      if (it == t.index.end()) {
        const int id = int(t.vertex.size());
        t.index.emplace(k, id);
        t.vertex.push_back({nl.index[e], g});
        t.dist.push_back(t.dist[head] + 1);
        t.pred.push_back({int(head)});
      } else if (t.dist[std::size_t(it->second)] == t.dist[head] + 1) {
        t.pred[std::size_t(it->second)].push_back(int(head));
      }
    }
  }
  return t;
}

/// Every shortest path root → v as the vertex ids after the root, ending with v.
inline void shortest_paths(const Tree& t, int v, std::vector<int>& tail, std::vector<std::vector<int>>& out) {
  if (v == 0) {
    out.emplace_back(tail.rbegin(), tail.rend());
    return;
  }
  tail.push_back(v);
  for (int p : t.pred[std::size_t(v)]) shortest_paths(t, p, tail, out);
  tail.pop_back();
}

inline std::vector<std::vector<int>> shortest_paths(const Tree& t, int v) {
  std::vector<std::vector<int>> out;
  std::vector<int> tail;
  shortest_paths(t, v, tail, out);
  return out;
}

/// A ring translated so that an occurrence of its smallest atom index sits at image 0 and read from
/// there in the direction giving the smallest sequence: one representative per lattice translation,
/// rotation and reflection of the same ring.
inline std::vector<Vertex> canonical(const std::vector<Vertex>& ring) {
  int low = ring[0].atom;
  for (const Vertex& v : ring) low = std::min(low, v.atom);
  std::vector<Vertex> best;
  const std::size_t n = ring.size();
  for (std::size_t s = 0; s < n; ++s) {
    if (ring[s].atom != low) continue;
    for (int dir : {1, -1}) {
      std::vector<Vertex> c(n);
      for (std::size_t k = 0; k < n; ++k) {
        const Vertex& v = ring[dir > 0 ? (s + k) % n : (s + n - k) % n];
        c[k] = {v.atom, sub(v.image, ring[s].image)};
      }
      if (best.empty() || c < best) best = std::move(c);
    }
  }
  return best;
}

/// Graph distances from one atom (at image 0) to every vertex within the search depth, sorted by key:
/// 16 bytes per vertex, kept for every atom while the rings are checked.
struct Reach {
  std::vector<std::pair<std::uint64_t, int>> dist;

  Reach() = default;
  explicit Reach(const Tree& t) {
    dist.reserve(t.vertex.size());
    for (std::size_t v = 0; v < t.vertex.size(); ++v) dist.emplace_back(key(t.vertex[v].atom, t.vertex[v].image), t.dist[v]);
    std::sort(dist.begin(), dist.end());
  }
  /// Distance to (atom, image), or -1 beyond the search depth.
  int operator()(int atom, const std::array<int, 3>& g) const {
    const std::uint64_t k = key(atom, g);
    const auto it = std::lower_bound(dist.begin(), dist.end(), std::pair<std::uint64_t, int>(k, -1));
    return it != dist.end() && it->first == k ? it->second : -1;
  }
};

/// True if no two vertices of the ring are joined by a path shorter than their distance along the
/// ring. It is enough to test every vertex against its antipode(s): a shortcut between two ring
/// vertices a, b shortens the path between some vertex x and its antipode whose half-ring holds a, b.
inline bool shortest_path_ring(const std::vector<Vertex>& ring, const std::vector<Reach>& reach) {
  const std::size_t n = ring.size(), m = n / 2;
  const std::size_t starts = n % 2 == 0 ? m : n;
  for (std::size_t x = 0; x < starts; ++x) {
    const Vertex &a = ring[x], &b = ring[(x + m) % n];
    const int d = reach[std::size_t(a.atom)](b.atom, sub(b.image, a.image));
    if (d >= 0 && d < int(m)) return false;
  }
  return true;
}

}  // namespace detail::rings

/// Shortest-path rings (Franzblau, Phys. Rev. B 44, 4925 (1991)): closed paths of bonds, at most
/// max_size atoms, none of whose vertex pairs is joined through the network by a path shorter than
/// along the ring. Bonds are the pairs of `bonds` (a full neighbour list is built; pair cutoffs
/// allowed); periodic and triclinic cells are searched in the network unrolled into space, so a path
/// that closes only through a lattice translation is not a ring. Candidates per root atom: two
/// disjoint shortest paths to a vertex at distance n/2 (even n) or to the two ends of a bond at
/// distance (n−1)/2 (odd n); every shortest-path ring is such a candidate from each of its vertices,
/// and it is kept from its lowest atom index.
inline RingStatistics shortest_path_rings(const Structure& s, NeighbourOptions bonds, int max_size = 12) {
  using namespace detail::rings;
  if (max_size < 3) throw InputError("rings: max_size must be at least 3");
  bonds.half = false;
  const NeighbourList nl = build_neighbour_list(s, bonds);
  const int n_atoms = int(s.size()), depth = max_size / 2;
  std::vector<Reach> reach(s.size());
  tbb::parallel_for(0, n_atoms, [&](int i) { reach[std::size_t(i)] = Reach(bfs(nl, i, depth)); });

  std::vector<std::vector<std::vector<Vertex>>> found(s.size());
  tbb::parallel_for(0, n_atoms, [&](int root) {
    const Tree t = bfs(nl, root, depth);
    std::set<std::vector<Vertex>> mine;
    std::unordered_map<int, std::vector<std::vector<int>>> paths;
    const auto paths_to = [&](int v) -> const std::vector<std::vector<int>>& {
      auto it = paths.find(v);
      if (it == paths.end()) it = paths.emplace(v, shortest_paths(t, v)).first;
      return it->second;
    };
    const auto disjoint = [](const std::vector<int>& p, const std::vector<int>& q, std::size_t skip_last) {
      for (std::size_t a = 0; a + skip_last < p.size(); ++a)
        for (std::size_t b = 0; b + skip_last < q.size(); ++b)
          if (p[a] == q[b]) return false;
      return true;
    };
    const auto consider = [&](const std::vector<int>& p, const std::vector<int>& q, bool shared_end) {
      // ring: root, p..., then q reversed (without its last vertex when p and q share it)
      std::vector<Vertex> ring{t.vertex[0]};
      for (int v : p) ring.push_back(t.vertex[std::size_t(v)]);
      for (std::size_t k = q.size() - (shared_end ? 1 : 0); k-- > 0;) ring.push_back(t.vertex[std::size_t(q[k])]);
      for (const Vertex& v : ring)
        if (v.atom < root) return;  // found from its lowest atom
      if (ring.size() > std::size_t(max_size) || !shortest_path_ring(ring, reach)) return;
      mine.insert(canonical(ring));
    };
    for (std::size_t v = 1; v < t.vertex.size(); ++v) {
      const int d = t.dist[v];
      if (d >= 2 && 2 * d <= max_size) {  // even ring, antipode v
        const auto& pv = paths_to(int(v));
        for (std::size_t a = 0; a < pv.size(); ++a)
          for (std::size_t b = a + 1; b < pv.size(); ++b)
            if (disjoint(pv[a], pv[b], 1)) consider(pv[a], pv[b], true);
      }
      if (2 * d + 1 <= max_size) {  // odd ring, antipodal bond v–w
        const Vertex& x = t.vertex[v];
        for (std::size_t e = nl.begin(std::size_t(x.atom)); e < nl.end(std::size_t(x.atom)); ++e) {
          const int w = t.find(nl.index[e], add(x.image, nl.image[e]));
          if (w <= int(v) || t.dist[std::size_t(w)] != d) continue;
          const auto &pv = paths_to(int(v)), &pw = paths_to(w);
          for (const auto& p : pv)
            for (const auto& q : pw)
              if (disjoint(p, q, 0)) consider(p, q, false);
        }
      }
    }
    found[std::size_t(root)].assign(mine.begin(), mine.end());
  });

  std::set<std::vector<Vertex>> all;
  for (auto& f : found) all.insert(f.begin(), f.end());
  RingStatistics r;
  r.max_size = max_size;
  r.count.assign(std::size_t(max_size) + 1, 0);
  r.per_atom.assign(s.size(), std::vector<std::size_t>(std::size_t(max_size) + 1, 0));
  for (const auto& ring : all) {
    ++r.count[ring.size()];
    std::vector<int> atoms;
    for (const Vertex& v : ring) {
      ++r.per_atom[std::size_t(v.atom)][ring.size()];
      atoms.push_back(v.atom);
    }
    r.rings.push_back(std::move(atoms));
  }
  return r;
}

/// Shortest-path rings with one bond cutoff (Å) for every species pair.
inline RingStatistics shortest_path_rings(const Structure& s, double bond_cutoff, int max_size = 12) {
  NeighbourOptions o;
  o.cutoff = bond_cutoff;
  return shortest_path_rings(s, o, max_size);
}

// ---------------------------------------------------------------------------------------------
// 3. Static structure factor
// ---------------------------------------------------------------------------------------------

struct StructureFactor {
  std::vector<double> q;           ///< Å⁻¹ (bin centres for the direct sum)
  std::vector<double> s;           ///< S(Q)
  std::vector<std::size_t> count;  ///< Q vectors averaged per bin (direct sum; empty for the g(r) route)
};

/// S(Q) = 1 + 4πρ ∫₀^R r² (g(r) − 1) sin(Qr)/(Qr) M(r) dr from a histogram g(r) (uniform bins from 0,
/// as radial_distribution gives), by the midpoint rule over its bins; R is the histogram's end and
/// M(r) = sin(πr/R)/(πr/R) the Lorch window when `lorch` is set, else 1. ρ = N/V (Å⁻³).
/// (Faber–Ziman; Lorch, J. Phys. C 2, 229 (1969).)
inline StructureFactor structure_factor_from_rdf(const Histogram& g, double density, const std::vector<double>& q,
                                                 bool lorch = false) {
  if (g.x.size() < 2 || g.x.size() != g.y.size()) throw InputError("S(Q): g(r) needs at least two bins");
  if (!(density > 0)) throw InputError("S(Q): density must be positive");
  const double dr = g.x[1] - g.x[0], r_end = g.x.back() + 0.5 * dr;
  StructureFactor out;
  for (double Q : q) {
    if (!(Q > 0)) throw InputError("S(Q): Q must be positive");
    double sum = 0.0;
    for (std::size_t b = 0; b < g.x.size(); ++b) {
      const double r = g.x[b], x = std::numbers::pi * r / r_end;
      const double window = lorch ? std::sin(x) / x : 1.0;
      sum += r * r * (g.y[b] - 1.0) * std::sin(Q * r) / (Q * r) * window * dr;
    }
    out.q.push_back(Q);
    out.s.push_back(1.0 + 4.0 * std::numbers::pi * density * sum);
  }
  return out;
}

/// S(Q) = |Σ_j exp(iQ·r_j)|² / N for one wave vector Q (Å⁻¹). In a periodic cell only Q commensurate
/// with the cell (Q·a_k ∈ 2πℤ) are meaningful.
inline double structure_factor_at(const Structure& s, const Vec3& q) {
  if (s.empty()) throw InputError("S(Q): no atoms");
  std::complex<double> sum = 0.0;
  for (const Vec3& r : s.positions) sum += std::polar(1.0, q.dot(r));
  return std::norm(sum) / double(s.size());
}

/// Direct S(Q): the average of |Σ_j exp(iQ·r_j)|²/N over all wave vectors Q = h b₁ + k b₂ + l b₃
/// (b the reciprocal vectors, a_i·b_j = 2πδ_ij, (h,k,l) ≠ 0 integer) with |Q| < q_max, in `bins` bins
/// of |Q| over (0, q_max), averaged over frames (each fully periodic). Q and −Q give the same value,
/// so only one of each pair is summed. Cost: (number of Q) × atoms per frame.
inline StructureFactor structure_factor_direct(const std::vector<Structure>& frames, double q_max, int bins = 100) {
  if (frames.empty()) throw InputError("S(Q): no frames");
  if (!(q_max > 0) || bins < 1) throw InputError("S(Q): q_max must be positive and bins >= 1");
  const double dq = q_max / bins;
  std::vector<double> sum(std::size_t(bins), 0.0);
  std::vector<std::size_t> count(std::size_t(bins), 0);
  for (const Structure& s : frames) {
    if (!(s.pbc[0] && s.pbc[1] && s.pbc[2])) throw InputError("S(Q): frames must be periodic along all three axes");
    if (s.empty()) throw InputError("S(Q): a frame has no atoms");
    const Mat3 B = 2.0 * std::numbers::pi * Mat3(s.cell.inverse().transpose());  // rows b_j
    std::array<int, 3> hmax;
    for (int a = 0; a < 3; ++a) hmax[std::size_t(a)] = int(std::floor(q_max * s.cell.row(a).norm() / (2 * std::numbers::pi)));
    const std::size_t n = s.size();
    // phase tables e^{i h b_a·r_j}, h = −hmax..hmax, per axis: [a][(h + hmax)·n + j]
    std::array<std::vector<std::complex<double>>, 3> e;
    for (std::size_t a = 0; a < 3; ++a) {
      const int H = hmax[a];
      e[a].resize(std::size_t(2 * H + 1) * n);
      for (std::size_t j = 0; j < n; ++j) {
        const std::complex<double> step = std::polar(1.0, Vec3(B.row(Eigen::Index(a))).dot(s.positions[j]));
        std::complex<double> p = 1.0;
        e[a][std::size_t(H) * n + j] = 1.0;
        for (int h = 1; h <= H; ++h) {
          p *= step;
          e[a][std::size_t(H + h) * n + j] = p;
          e[a][std::size_t(H - h) * n + j] = std::conj(p);
        }
      }
    }
    // one slice per h ≥ 0 (half space: h > 0, or h = 0 and k > 0, or h = k = 0 and l > 0)
    const auto slices = static_cast<std::size_t>(hmax[0]) + 1;
    std::vector<std::vector<double>> slice_sum(slices, std::vector<double>(std::size_t(bins), 0.0));
    std::vector<std::vector<std::size_t>> slice_count(slices, std::vector<std::size_t>(std::size_t(bins), 0));
    tbb::parallel_for(0, hmax[0] + 1, [&](int h) {
      std::vector<std::complex<double>> hk(n);
      for (int k = (h == 0 ? 0 : -hmax[1]); k <= hmax[1]; ++k) {
        bool row_used = false;
        for (int l = (h == 0 && k == 0 ? 1 : -hmax[2]); l <= hmax[2]; ++l) {
          const Vec3 Q = h * Vec3(B.row(0)) + k * Vec3(B.row(1)) + l * Vec3(B.row(2));
          const double qn = Q.norm();
          if (!(qn < q_max)) continue;
          const auto bin = std::min(std::size_t(qn / dq), std::size_t(bins) - 1);
          if (!row_used) {
            for (std::size_t j = 0; j < n; ++j)
              hk[j] = e[0][std::size_t(hmax[0] + h) * n + j] * e[1][std::size_t(hmax[1] + k) * n + j];
            row_used = true;
          }
          const std::complex<double>* el = e[2].data() + std::size_t(hmax[2] + l) * n;
          double re = 0.0, im = 0.0;
          for (std::size_t j = 0; j < n; ++j) {
            const std::complex<double> z = hk[j] * el[j];
            re += z.real(), im += z.imag();
          }
          slice_sum[std::size_t(h)][bin] += (re * re + im * im) / double(n);
          ++slice_count[std::size_t(h)][bin];
        }
      }
    });
    for (std::size_t h = 0; h < slice_sum.size(); ++h)
      for (std::size_t b = 0; b < sum.size(); ++b) sum[b] += slice_sum[h][b], count[b] += slice_count[h][b];
  }
  StructureFactor out;
  for (std::size_t b = 0; b < sum.size(); ++b) {
    out.q.push_back((double(b) + 0.5) * dq);
    out.s.push_back(count[b] ? sum[b] / double(count[b]) : 0.0);
    out.count.push_back(count[b]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 4. Angular-limited three-body correlation (ALTBC)
// ---------------------------------------------------------------------------------------------

struct Histogram2D {
  std::vector<double> x;       ///< bin centres, the same along both axes
  std::vector<double> values;  ///< row-major, values[b1 · bins + b2]
  std::size_t bins() const noexcept { return x.size(); }
  double at(std::size_t b1, std::size_t b2) const { return values.at(b1 * x.size() + b2); }
};

/// ALTBC (the angular-limited three-body correlation of Bichara, Gaspard and co-workers, used for the
/// Peierls-like bond alternation of liquid GeTe by Raty et al., PRL 85, 1950 (2000)): for every atom i and every pair of its neighbours j ≠ k within r_cut whose angle j–i–k is
/// within `angle_tolerance` degrees of 180°, one count at (r_ij, r_ik) and one at (r_ik, r_ij), in
/// bins × bins bins over [r_min, r_cut)². Normalised per atom and per Å² (value = counts /
/// (atoms · frames · Δr²)), so Σ value · Δr² is the number of ordered collinear pairs per atom.
inline Histogram2D altbc(const std::vector<Structure>& frames, double r_cut, double angle_tolerance = 25.0,
                         int bins = 100, double r_min = 0.0) {
  if (frames.empty()) throw InputError("ALTBC: no frames");
  if (!(r_cut > r_min) || r_min < 0 || bins < 1 || !(angle_tolerance >= 0 && angle_tolerance <= 180))
    throw InputError("ALTBC: needs 0 <= r_min < r_cut, bins >= 1 and a tolerance in [0, 180] degrees");
  const double dr = (r_cut - r_min) / bins, cos_limit = -std::cos(angle_tolerance * std::numbers::pi / 180.0);
  const auto B = std::size_t(bins);
  std::vector<double> acc(B * B, 0.0);
  double atoms = 0.0;
  for (const Structure& s : frames) {
    NeighbourOptions opt;
    opt.cutoff = r_cut;
    const NeighbourList nl = build_neighbour_list(s, opt);
    atoms += double(s.size());
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t a = nl.begin(i); a < nl.end(i); ++a)
        for (std::size_t b = a + 1; b < nl.end(i); ++b) {
          const double r1 = nl.distance[a], r2 = nl.distance[b];
          if (r1 < r_min || r2 < r_min) continue;
          if (nl.displacement[a].dot(nl.displacement[b]) / (r1 * r2) > cos_limit) continue;  // angle < 180° − tol
          const auto b1 = std::min(std::size_t((r1 - r_min) / dr), B - 1), b2 = std::min(std::size_t((r2 - r_min) / dr), B - 1);
          acc[b1 * B + b2] += 1.0;
          acc[b2 * B + b1] += 1.0;
        }
  }
  Histogram2D h;
  for (std::size_t b = 0; b < B; ++b) h.x.push_back(r_min + (double(b) + 0.5) * dr);
  h.values.resize(B * B);
  for (std::size_t k = 0; k < acc.size(); ++k) h.values[k] = atoms > 0 ? acc[k] / (atoms * dr * dr) : 0.0;
  return h;
}

// ---------------------------------------------------------------------------------------------
// 5. Mean square displacement and diffusion
// ---------------------------------------------------------------------------------------------

/// Positions of every frame made continuous in time: frame k = frame k−1 + the minimum-image
/// displacement between them (fractional difference rounded to the nearest lattice vector on the
/// periodic axes). Valid while no atom moves by half a lattice-plane spacing between two frames.
/// The cell must be the same in every frame (constant-volume runs).
inline std::vector<std::vector<Vec3>> unwrapped_positions(const std::vector<Structure>& frames) {
  if (frames.empty()) throw InputError("MSD: no frames");
  const Structure& first = frames.front();
  if (first.any_periodic() && !(first.volume() > 0))
    throw InputError("MSD: a periodic frame needs a non-singular cell (give open axes a non-zero vector)");
  const Mat3 to_frac = first.any_periodic() ? Mat3(Mat3(first.cell.transpose()).inverse()) : Mat3::Identity();
  const double scale = 1.0 + first.cell.cwiseAbs().maxCoeff();
  std::vector<std::vector<Vec3>> out{first.positions};
  for (std::size_t f = 1; f < frames.size(); ++f) {
    const Structure& s = frames[f];
    if (s.size() != first.size()) throw InputError("MSD: frame " + std::to_string(f) + " has a different number of atoms");
    if (s.pbc != first.pbc || (s.cell - first.cell).cwiseAbs().maxCoeff() > 1e-8 * scale)
      throw InputError("MSD: frame " + std::to_string(f) + " has a different cell or periodicity");
    std::vector<Vec3> next(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      Vec3 d = s.positions[i] - frames[f - 1].positions[i];
      if (s.any_periodic()) {
        const Vec3 u = to_frac * d;
        for (int a = 0; a < 3; ++a)
          if (s.pbc[std::size_t(a)]) d -= std::round(u[a]) * Vec3(s.cell.row(a));
      }
      next[i] = out.back()[i] + d;
    }
    out.push_back(std::move(next));
  }
  return out;
}

struct MsdOptions {
  double timestep = 1.0;         ///< time between frames (fs)
  std::size_t origin_stride = 0; ///< 0: the first frame is the only time origin (as LAMMPS compute msd); k: every k-th frame
  bool remove_drift = false;     ///< subtract the mean displacement of all atoms (the centre of mass for one species)
};

struct MeanSquareDisplacement {
  std::vector<double> time;  ///< fs, lag τ = k · timestep, k = 0..frames−1
  std::vector<double> msd;   ///< Å², ⟨|r_i(t₀+τ) − r_i(t₀)|²⟩ over atoms and origins
};

/// MSD(τ) from a trajectory (wrapped or not: unwrapped_positions makes it continuous).
inline MeanSquareDisplacement mean_square_displacement(const std::vector<Structure>& frames, const MsdOptions& o = {}) {
  if (!(o.timestep > 0)) throw InputError("MSD: timestep must be positive");
  const auto r = unwrapped_positions(frames);
  const std::size_t nf = r.size(), n = frames.front().size();
  if (n == 0) throw InputError("MSD: no atoms");
  std::vector<double> sum(nf, 0.0), count(nf, 0.0);
  const std::size_t stride = o.origin_stride == 0 ? nf : o.origin_stride;
  for (std::size_t t0 = 0; t0 < nf; t0 += stride)
    for (std::size_t k = 0; t0 + k < nf; ++k) {
      Vec3 drift = Vec3::Zero();
      if (o.remove_drift) {
        for (std::size_t i = 0; i < n; ++i) drift += r[t0 + k][i] - r[t0][i];
        drift /= double(n);
      }
      double s = 0.0;
      for (std::size_t i = 0; i < n; ++i) s += (r[t0 + k][i] - r[t0][i] - drift).squaredNorm();
      sum[k] += s / double(n);
      count[k] += 1.0;
    }
  MeanSquareDisplacement m;
  for (std::size_t k = 0; k < nf; ++k) {
    m.time.push_back(double(k) * o.timestep);
    m.msd.push_back(sum[k] / count[k]);
  }
  return m;
}

struct DiffusionFit {
  double D = 0.0;          ///< Å²/fs (× 1000 for Å²/ps, × 0.1 for cm²/s)
  double slope = 0.0;      ///< Å²/fs
  double intercept = 0.0;  ///< Å²
  double r_squared = 1.0;  ///< of the linear fit (1 when the MSD is constant)
  std::size_t points = 0;
};

/// Einstein relation in 3-D: D = slope / 6 of the least-squares line MSD = slope·τ + intercept over
/// the points with t_from ≤ τ ≤ t_to (fs); choose the window past the ballistic regime.
inline DiffusionFit diffusion_coefficient(const MeanSquareDisplacement& m, double t_from, double t_to) {
  double st = 0, sm = 0, stt = 0, stm = 0, n = 0;
  for (std::size_t k = 0; k < m.time.size(); ++k)
    if (m.time[k] >= t_from && m.time[k] <= t_to) st += m.time[k], sm += m.msd[k], n += 1.0;
  if (n < 2) throw InputError("diffusion: fewer than two MSD points in the fit window");
  const double tm = st / n, mm = sm / n;
  double smm = 0.0;
  for (std::size_t k = 0; k < m.time.size(); ++k)
    if (m.time[k] >= t_from && m.time[k] <= t_to) {
      const double dt = m.time[k] - tm, dm = m.msd[k] - mm;
      stt += dt * dt, stm += dt * dm, smm += dm * dm;
    }
  if (!(stt > 0)) throw InputError("diffusion: the fit window holds a single time");
  DiffusionFit f;
  f.slope = stm / stt;
  f.intercept = mm - f.slope * tm;
  f.D = f.slope / 6.0;
  f.r_squared = smm > 0 ? stm * stm / (stt * smm) : 1.0;
  f.points = std::size_t(n);
  return f;
}

}  // namespace pestle::validate
