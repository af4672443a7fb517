#pragma once
// AceDescriptor: the ACE evaluator (docs/ace.md §3–4). Features of atom i are the coefficient
// columns of its basis set, q_p = Σ_ν B_ν,p (densities ρ_p of a nonlinear model, or one B
// function per column for a linear model / design matrix), plus optionally the core density
// ρ_core = Σ_j c(r_ij) as the last feature.
//
// Evaluation never forms B_ν: all m-combinations Π_t A_t of an element are merged into one
// prefix tree (the factors of a product are sorted, so products sharing their first factors
// share tree nodes); a node's value is its parent's value times one A. Energies walk the tree
// forward; forces walk it backward (reverse-mode, one complex multiply-add per node and
// output) to get W = ∂E/∂A, fold W onto m >= 0 with A_l,-m = (-1)^m conj(A_lm), and contract
// W with ∂(R_nl Y_lm)/∂r_ij per neighbour ("adjoint of A"). Radial functions come from a
// cubic Hermite table (ace_radial.hpp), spherical harmonics from ace_harmonics.hpp; per-neighbour
// data are stored feature-major (one row per function, one column per neighbour), so the sums
// over neighbours (A) and the force contraction vectorise over neighbours.
// Satisfies AdjointDescriptor (descriptor.hpp), so Potential<AceDescriptor, Model> works.
#include <algorithm>
#include <array>
#include <complex>
#include <map>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/core/types.hpp"
#include "pestle/descriptors/ace_basis.hpp"
#include "pestle/descriptors/ace_harmonics.hpp"
#include "pestle/descriptors/ace_radial.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

struct AceDescriptorOptions {
  bool core_density = true;  ///< append ρ_core as the last feature
};

/// The sizes of a basis as run-time values: the evaluator of every basis read at run time.
struct AceDynamicShape {
  static constexpr int elements = -1, lmax = -1, nradmax = -1, nradbase = -1;
};

/// The sizes of one basis fixed at compile time (a generated potential, docs/ace.md §12): the loops
/// over species, l, m and n then have constant bounds and the A-basis layout constant strides.
template <int Elements, int Lmax, int NRadMax, int NRadBase>
struct AceFixedShape {
  static_assert(Elements >= 1 && Lmax >= 0 && NRadMax >= 0 && NRadBase >= 1, "ACE shape: sizes out of range");
  static constexpr int elements = Elements, lmax = Lmax, nradmax = NRadMax, nradbase = NRadBase;
};

template <class Shape = AceDynamicShape>
class BasicAceDescriptor {
  using cplx = std::complex<double>;

 public:
  using Options = AceDescriptorOptions;

  /// Scratch memory of one thread.
  struct Workspace {
    // Per kept neighbour k (sorted by species), stored feature-major with row stride `stride`
    // ("structure of arrays"), so the A-basis sums and the force contraction run over k in SIMD.
    std::size_t stride = 0;
    std::vector<double> rhat, inv_r;             // 3 × stride, stride
    std::vector<double> rad, drad;               // function f of neighbour k at [f * stride + k]
    std::vector<double> Yre, Yim, dYre, dYim;    // Y_lm at [lm * stride + k]; ∂Y at [(3 lm + d) * stride + k]
    std::vector<double> grad;                    // ∂E/∂r_ij at [d * stride + k] after gradients()
    std::vector<double> S, T, radial;            // scratch rows of the force contraction
    std::vector<int> mu;
    std::vector<std::size_t> entry;              // neighbour-list entry of each kept neighbour
    std::vector<std::size_t> species_begin;      // kept neighbours of species μ: [species_begin[μ], species_begin[μ+1])
    std::vector<double> one_rad, one_drad;       // radial functions of a block of 8 neighbours
    std::vector<double> hscratch;                // scratch of the harmonics rows
    std::vector<std::pair<int, std::size_t>> found;  // (species, entry) before sorting
    std::vector<cplx> A, W, value, adjoint;
    std::vector<double> A1, W1, q, dEdq;
    std::size_t kept = 0;
    // compute_with_derivatives: per column, ∂q/∂A folded onto m >= 0 (J), ∂A/∂r_ij (D), their product
    Eigen::MatrixXd Wre, Wim, J, D, G;
  };

  BasicAceDescriptor() = default;
  explicit BasicAceDescriptor(AceBasisSet basis) : BasicAceDescriptor(std::move(basis), Options()) {}
  BasicAceDescriptor(AceBasisSet basis, Options opt) : basis_(std::move(basis)), opt_(opt) {
    basis_.validate();
    check_shape();
    harmonics_ = AceHarmonics(basis_.lmax);
    table_ = AceRadialTable(basis_.radial, basis_.spline_delta);
    nlm_ = harmonics_.count();
    na_ = std::size_t(basis_.nelements()) * std::size_t(basis_.radial.nradmax) * l1sq();
    na1_ = std::size_t(basis_.nelements()) * std::size_t(basis_.radial.nradbase);
    for (std::size_t mu = 0; mu < basis_.elements.size(); ++mu) {
      const int z = basis_.elements[mu];
      if (z < 1 || z > 118) throw InputError("ACE basis: element with atomic number " + std::to_string(z));
      if (species_of_z_[std::size_t(z)] >= 0) throw InputError("ACE basis: element " + std::to_string(z) + " listed twice");
      species_of_z_[std::size_t(z)] = int(mu);
    }
    for (std::size_t mu0 = 0; mu0 < basis_.functions.size(); ++mu0) {
      trees_.push_back(build_tree(basis_.functions[mu0]));
      combos_.push_back(build_combinations(basis_.functions[mu0]));
    }
  }

  const AceBasisSet& basis() const noexcept { return basis_; }
  std::size_t size() const noexcept { return std::size_t(basis_.columns) + (opt_.core_density ? 1 : 0); }
  std::size_t columns() const noexcept { return std::size_t(basis_.columns); }
  bool has_core_density() const noexcept { return opt_.core_density; }
  /// Product-tree nodes of an element (a measure of evaluation cost).
  std::size_t tree_nodes(int mu0) const { return trees_.at(std::size_t(mu0)).parent.size() - 1; }

  NeighbourOptions neighbour_options() const {
    NeighbourOptions o;
    o.cutoff = basis_.radial.cutoff;
    return o;
  }

  /// Species index of an atomic number, -1 if the basis does not cover it.
  int species_index(int z) const noexcept { return z >= 0 && z < 119 ? species_of_z_[std::size_t(z)] : -1; }

  Workspace make_workspace() const {
    Workspace ws;
    ws.A.resize(na_), ws.W.resize(na_);
    ws.A1.resize(na1_), ws.W1.resize(na1_);
    ws.q.resize(size()), ws.dEdq.resize(size());
    std::size_t nodes = 0;
    for (const auto& t : trees_) nodes = std::max(nodes, t.parent.size());
    ws.value.resize(nodes), ws.adjoint.resize(nodes);
    return ws;
  }

  void compute(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws, std::span<double> q) const {
    densities(s, nl, i, ws);
    std::copy(ws.q.begin(), ws.q.end(), q.begin());
  }

  /// q and dq[(n*3+d)*size()+c] = ∂q_c/∂(r_ij)_d for the n-th neighbour entry (descriptor.hpp).
  /// All columns at once (what a design matrix needs): J_c,a = ∂q_c/∂A_a from the m-combinations
  /// (product rule: the product of the other factors), folded onto m >= 0 like the adjoint W, then
  /// ∂q/∂r_ij = Re(J · ∂A/∂r_ij) for every neighbour as one real matrix product.
  void compute_with_derivatives(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws,
                                std::span<double> q, std::span<double> dq) const {
    densities(s, nl, i, ws);
    std::copy(ws.q.begin(), ws.q.end(), q.begin());
    const std::size_t nf = size(), first = nl.begin(i), kept = ws.kept, st = ws.stride;
    std::fill(dq.begin(), dq.begin() + std::ptrdiff_t(nl.count(i) * 3 * nf), 0.0);
    if (kept == 0) return;
    const std::size_t cols = columns(), nel = std::size_t(n_elements());
    const std::size_t nrad = std::size_t(n_rad()), nb = std::size_t(n_base());
    const int lmax = l_max();
    const std::size_t half = std::size_t(lmax + 1) * std::size_t(lmax + 2) / 2;  // (l, m >= 0) pairs
    const std::size_t nh = nel * half * nrad, rows = 2 * nh + nel * nb;
    const auto h_index = [&](std::size_t mu, std::size_t n, int l, int m) {
      return (mu * half + std::size_t(l * (l + 1) / 2 + m)) * nrad + n;
    };
    // 1. W_c,a = ∂q_c/∂A_a for every column (all m), then J (m >= 0: Re part, -Im part, rank 1)
    const Combinations& cb = combos_[std::size_t(species_of_atom(s, i))];
    ws.Wre.setZero(Eigen::Index(cols), Eigen::Index(na_));
    ws.Wim.setZero(Eigen::Index(cols), Eigen::Index(na_));
    ws.J.setZero(Eigen::Index(cols), Eigen::Index(rows));
    for (std::size_t k = 0; k + 1 < cb.factor_begin.size(); ++k) {
      const std::size_t b = cb.factor_begin[k], r = cb.factor_begin[k + 1] - b;
      cplx prefix[8], suffix[8];
      prefix[0] = 1.0, suffix[r - 1] = 1.0;
      for (std::size_t t = 1; t < r; ++t) prefix[t] = mul(prefix[t - 1], ws.A[std::size_t(cb.factor[b + t - 1])]);
      for (std::size_t t = r - 1; t-- > 0;) suffix[t] = mul(suffix[t + 1], ws.A[std::size_t(cb.factor[b + t + 1])]);
      for (std::size_t t = 0; t < r; ++t) {
        const cplx d = mul(prefix[t], suffix[t]);
        const auto a = Eigen::Index(cb.factor[b + t]);
        for (std::size_t e = cb.coeff_begin[k]; e != cb.coeff_begin[k + 1]; ++e) {
          ws.Wre(cb.column[e], a) += cb.coeff[e] * d.real();
          ws.Wim(cb.column[e], a) += cb.coeff[e] * d.imag();
        }
      }
    }
    // δq = Re Σ_a W_a δA_a with δA_l,-m = (-1)^m conj(δA_lm): fold onto m >= 0
    for (std::size_t mu = 0; mu < nel; ++mu)
      for (std::size_t n = 0; n < nrad; ++n)
        for (int l = 0; l <= lmax; ++l)
          for (int m = 0; m <= l; ++m) {
            const auto a = Eigen::Index(a_index(int(mu), int(n), l, m)), h = Eigen::Index(h_index(mu, n, l, m));
            Eigen::VectorXd wr = ws.Wre.col(a), wi = ws.Wim.col(a);
            if (m > 0) {
              const auto am = Eigen::Index(a_index(int(mu), int(n), l, -m));
              const double sign = (m % 2 == 0) ? 1.0 : -1.0;
              wr += sign * ws.Wre.col(am);
              wi -= sign * ws.Wim.col(am);
            }
            ws.J.col(h) = wr;
            ws.J.col(Eigen::Index(nh) + h) = -wi;
          }
    const Tree& t = trees_[std::size_t(species_of_atom(s, i))];
    for (std::size_t k = 0; k < t.index1.size(); ++k)
      ws.J(t.column1[k], Eigen::Index(2 * nh) + t.index1[k]) += t.coeff1[k];
    // 2. D = ∂A/∂r_ij, one column per (kept neighbour, direction)
    ws.D.setZero(Eigen::Index(rows), Eigen::Index(3 * kept));
    for (std::size_t k = 0; k < kept; ++k) {
      const std::size_t mu = std::size_t(ws.mu[k]);
      const double u[3] = {ws.rhat[k], ws.rhat[st + k], ws.rhat[2 * st + k]}, ir = ws.inv_r[k];
      for (std::size_t g = 0; g < nb; ++g)
        for (int d = 0; d < 3; ++d) ws.D(Eigen::Index(2 * nh + mu * nb + g), Eigen::Index(3 * k) + d) = ws.drad[g * st + k] * u[d];
      for (int l = 0; l <= lmax; ++l)
        for (int m = 0; m <= l; ++m) {
          const std::size_t lm = AceHarmonics::index(l, m);
          const double yr = ws.Yre[lm * st + k], yi = ws.Yim[lm * st + k];
          double gr[3], gi[3];  // ∂Y/∂r_ij = (∇_u Y - r̂ (r̂·∇_u Y)) / r
          for (int d = 0; d < 3; ++d) gr[d] = ws.dYre[(3 * lm + std::size_t(d)) * st + k], gi[d] = ws.dYim[(3 * lm + std::size_t(d)) * st + k];
          const double ur = u[0] * gr[0] + u[1] * gr[1] + u[2] * gr[2], ui = u[0] * gi[0] + u[1] * gi[1] + u[2] * gi[2];
          for (int d = 0; d < 3; ++d) gr[d] = (gr[d] - u[d] * ur) * ir, gi[d] = (gi[d] - u[d] * ui) * ir;
          for (std::size_t n = 0; n < nrad; ++n) {
            const std::size_t f = nb + std::size_t(l) * nrad + n;
            const double R = ws.rad[f * st + k], dR = ws.drad[f * st + k];
            const auto h = Eigen::Index(h_index(mu, n, l, m));
            for (int d = 0; d < 3; ++d) {
              ws.D(h, Eigen::Index(3 * k) + d) = dR * u[d] * yr + R * gr[d];
              ws.D(Eigen::Index(nh) + h, Eigen::Index(3 * k) + d) = dR * u[d] * yi + R * gi[d];
            }
          }
        }
    }
    // 3. ∂q/∂r_ij = J D
    ws.G.noalias() = ws.J * ws.D;
    const std::size_t core_row = table_.function_count() - 1;
    for (std::size_t k = 0; k < kept; ++k) {
      const std::size_t n = ws.entry[k] - first;
      for (int d = 0; d < 3; ++d) {
        double* out = dq.data() + (n * 3 + std::size_t(d)) * nf;
        for (std::size_t c = 0; c < cols; ++c) out[c] = ws.G(Eigen::Index(c), Eigen::Index(3 * k) + d);
        if (opt_.core_density) out[cols] = ws.drad[core_row * st + k] * ws.rhat[std::size_t(d) * st + k];
      }
    }
  }

  /// Adjoint evaluation (descriptor.hpp): E_i = energy_of(q, dE/dq); adds forces and virial.
  template <class EnergyOf>
  double evaluate(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws, EnergyOf&& energy_of,
                  std::span<Vec3> forces, Mat3& virial) const {
    densities(s, nl, i, ws);
    double e = 0.0;
    if constexpr (std::is_invocable_v<EnergyOf, std::size_t, std::span<const double>, std::span<double>>)
      e = energy_of(i, std::span<const double>(ws.q), std::span<double>(ws.dEdq));
    else
      e = energy_of(std::span<const double>(ws.q), std::span<double>(ws.dEdq));
    backward(s, i, ws);
    gradients(ws);
    for (std::size_t k = 0; k < ws.kept; ++k) {
      const Vec3 g = pair_gradient(ws, k);
      const std::size_t entry = ws.entry[k];
      forces[i] += g;
      forces[std::size_t(nl.index[entry])] -= g;
      virial -= nl.displacement[entry] * g.transpose();
    }
    return e;
  }

 private:
  // The sizes the loops run over: compile-time constants for a fixed Shape, else the basis's.
  int n_elements() const noexcept {
    if constexpr (Shape::elements >= 0) return Shape::elements;
    else return basis_.nelements();
  }
  int l_max() const noexcept {
    if constexpr (Shape::lmax >= 0) return Shape::lmax;
    else return basis_.lmax;
  }
  int n_rad() const noexcept {
    if constexpr (Shape::nradmax >= 0) return Shape::nradmax;
    else return basis_.radial.nradmax;
  }
  int n_base() const noexcept {
    if constexpr (Shape::nradbase >= 0) return Shape::nradbase;
    else return basis_.radial.nradbase;
  }
  std::size_t l1sq() const noexcept { return std::size_t(l_max() + 1) * std::size_t(l_max() + 1); }

  /// InputError unless a fixed Shape has exactly the sizes of the basis.
  void check_shape() const {
    const auto differs = [](int fixed, int actual) { return fixed >= 0 && fixed != actual; };
    const AceRadialBasis& r = basis_.radial;
    if (differs(Shape::elements, basis_.nelements()) || differs(Shape::lmax, basis_.lmax) ||
        differs(Shape::nradmax, r.nradmax) || differs(Shape::nradbase, r.nradbase))
      throw InputError("ACE: the basis (" + std::to_string(basis_.nelements()) + " elements, lmax " + std::to_string(basis_.lmax) +
                       ", nradmax " + std::to_string(r.nradmax) + ", nradbase " + std::to_string(r.nradbase) +
                       ") does not have the sizes the evaluator was compiled for");
  }

  /// Prefix tree of the products of one element's basis (node 0 is the empty product, 1).
  struct Tree {
    // Nodes in breadth-first order; the children of one parent are contiguous ("groups"), so a
    // parent's value is loaded once per group and its adjoint is summed in registers.
    std::vector<int> parent{-1}, factor{-1};   // per node: parent node, A index multiplied in
    std::vector<int> group_parent;               // per group: the parent node
    std::vector<std::size_t> group_begin{1};     // group g's children: [group_begin[g], group_begin[g+1])
    std::vector<std::size_t> coeff_begin{0, 0};  // node k's coefficients: [coeff_begin[k], coeff_begin[k+1])
    std::vector<int> column;
    std::vector<double> coeff;
    // the same coefficients by column (for the forward sum q_c = Σ coeff Re v[node])
    std::vector<std::size_t> by_column_begin;
    std::vector<int> by_column_node;
    std::vector<double> by_column_coeff;
    // nodes by the A they multiply in (for W_a = Σ_{k: factor a} adj[k] v[parent k])
    std::vector<int> factor_value;
    std::vector<std::size_t> factor_begin{0};
    std::vector<int> factor_node, factor_parent;
    // rank 1: q[column1] += coeff1 * A1[index1]
    std::vector<int> index1, column1;
    std::vector<double> coeff1;
  };

  /// The m-combinations of rank >= 2 of one element as flat lists: A factors and the non-zero
  /// (column, coefficient) pairs of each (for J in compute_with_derivatives).
  struct Combinations {
    std::vector<std::size_t> factor_begin{0}, coeff_begin{0};
    std::vector<int> factor, column;
    std::vector<double> coeff;
  };

  Combinations build_combinations(const std::vector<AceBasisFunction>& fns) const {
    Combinations c;
    const std::size_t cols = std::size_t(basis_.columns);
    for (const auto& fn : fns) {
      if (fn.rank == 1) continue;
      if (fn.rank > 8) throw InputError("ACE basis: rank above 8 is not supported");
      for (std::size_t k = 0; k < fn.num_ms(); ++k) {
        for (std::size_t r = 0; r < std::size_t(fn.rank); ++r)
          c.factor.push_back(int(a_index(fn.mus[r], fn.ns[r], fn.ls[r], fn.ms[k * std::size_t(fn.rank) + r])));
        c.factor_begin.push_back(c.factor.size());
        fn.visit_coeffs(k, cols, [&](std::size_t col, double v) { c.column.push_back(int(col)), c.coeff.push_back(v); });
        c.coeff_begin.push_back(c.column.size());
      }
    }
    return c;
  }

  /// A-basis layout: [μ][l² + l + m][n], n innermost (contiguous for the radial contractions).
  std::size_t a_index(int mu, int n, int l, int m) const {
    return (std::size_t(mu) * l1sq() + std::size_t(l * l + l + m)) * std::size_t(n_rad()) + std::size_t(n);
  }
  /// Complex product without the NaN/Inf recovery of operator* (which calls __muldc3).
  static cplx mul(cplx a, cplx b) noexcept {
    return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
  }

  Tree build_tree(const std::vector<AceBasisFunction>& fns) const {
    Tree t;
    const std::size_t cols = std::size_t(basis_.columns);
    // 1. the trie in insertion order: children per node, coefficients per node
    std::vector<std::map<int, int>> children(1);
    std::vector<std::map<int, double>> coeffs(1);  // column -> coefficient (repeats merged)
    for (const auto& fn : fns) {
      if (fn.rank == 1) {
        for (std::size_t k = 0; k < fn.num_ms(); ++k)
          fn.visit_coeffs(k, cols, [&](std::size_t c, double v) {
            t.index1.push_back(fn.mus[0] * basis_.radial.nradbase + fn.ns[0]);
            t.column1.push_back(int(c));
            t.coeff1.push_back(v);
          });
        continue;
      }
      for (std::size_t k = 0; k < fn.num_ms(); ++k) {
        std::vector<int> factors(std::size_t(fn.rank));
        for (std::size_t r = 0; r < factors.size(); ++r)
          factors[r] = int(a_index(fn.mus[r], fn.ns[r], fn.ls[r], fn.ms[k * factors.size() + r]));
        std::sort(factors.begin(), factors.end());
        int node = 0;
        for (int a : factors) {
          auto [it, inserted] = children[std::size_t(node)].try_emplace(a, int(children.size()));
          if (inserted) children.emplace_back(), coeffs.emplace_back();
          node = it->second;
        }
        // only non-zero coefficients enter the map: a B basis has one column per function,
        // and a map entry for every column of every leaf would take tens of GB
        fn.visit_coeffs(k, cols, [&](std::size_t c, double v) { coeffs[std::size_t(node)][int(c)] += v; });
      }
    }
    // 2. breadth-first renumbering, one group per parent with children
    std::vector<int> order{0};  // new -> old
    std::vector<int> renamed(children.size(), -1);
    renamed[0] = 0;
    for (std::size_t q = 0; q < order.size(); ++q) {
      const int old = order[q];
      if (children[std::size_t(old)].empty()) continue;
      t.group_parent.push_back(renamed[std::size_t(old)]);
      for (auto [a, child] : children[std::size_t(old)]) {
        renamed[std::size_t(child)] = int(order.size());
        order.push_back(child);
        t.parent.push_back(renamed[std::size_t(old)]);
        t.factor.push_back(a);
      }
      t.group_begin.push_back(order.size());
    }
    // 3. coefficients per node and per column
    t.coeff_begin.assign(order.size() + 1, 0);
    std::vector<std::vector<std::pair<int, double>>> per_column(cols);
    for (std::size_t n = 0; n < order.size(); ++n) {
      for (auto [c, v] : coeffs[std::size_t(order[n])])
        if (v != 0.0) {
          t.column.push_back(c), t.coeff.push_back(v);
          per_column[std::size_t(c)].emplace_back(int(n), v);
        }
      t.coeff_begin[n + 1] = t.column.size();
    }
    std::map<int, std::vector<int>> nodes_of_factor;
    for (std::size_t n = 1; n < order.size(); ++n) nodes_of_factor[t.factor[n]].push_back(int(n));
    for (const auto& [a, nodes] : nodes_of_factor) {
      t.factor_value.push_back(a);
      for (int n : nodes) t.factor_node.push_back(n), t.factor_parent.push_back(t.parent[std::size_t(n)]);
      t.factor_begin.push_back(t.factor_node.size());
    }
    t.by_column_begin.push_back(0);
    for (const auto& pc : per_column) {
      for (auto [n, v] : pc) t.by_column_node.push_back(n), t.by_column_coeff.push_back(v);
      t.by_column_begin.push_back(t.by_column_node.size());
    }
    return t;
  }

  void ensure_capacity(Workspace& ws, std::size_t n) const {
    if (ws.stride >= n && ws.stride > 0) return;
    const std::size_t st = (n + 7) / 8 * 8 + 8;
    const std::size_t nf = table_.function_count();
    ws.stride = st;
    ws.rhat.assign(3 * st, 0.0), ws.inv_r.assign(st, 0.0), ws.mu.assign(st, 0), ws.entry.assign(st, 0);
    ws.rad.assign(nf * st, 0.0), ws.drad.assign(nf * st, 0.0);
    ws.Yre.assign(nlm_ * st, 0.0), ws.Yim.assign(nlm_ * st, 0.0);
    ws.dYre.assign(3 * nlm_ * st, 0.0), ws.dYim.assign(3 * nlm_ * st, 0.0);
    ws.grad.assign(3 * st, 0.0), ws.radial.assign(st, 0.0), ws.S.assign(4 * st, 0.0), ws.T.assign(6 * st, 0.0);
    ws.one_rad.resize(8 * nf), ws.one_drad.resize(8 * nf);
    ws.hscratch.assign((2 * nlm_ + 2 * std::size_t(basis_.lmax + 1)) * st, 0.0);
    ws.species_begin.assign(std::size_t(basis_.nelements()) + 1, 0);
  }

  /// Σ_{k in [b, e)} x[k] y[k] in eight independent lanes (vectorises without reassociation flags).
  static double dot(const double* __restrict x, const double* __restrict y, std::size_t b, std::size_t e) noexcept {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::size_t k = b;
    for (; k + 8 <= e; k += 8)
      for (std::size_t u = 0; u < 8; ++u) acc[u] += x[k + u] * y[k + u];
    double tail = 0.0;
    for (; k < e; ++k) tail += x[k] * y[k];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
  }
  static double sum(const double* __restrict x, std::size_t b, std::size_t e) noexcept {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::size_t k = b;
    for (; k + 8 <= e; k += 8)
      for (std::size_t u = 0; u < 8; ++u) acc[u] += x[k + u];
    double tail = 0.0;
    for (; k < e; ++k) tail += x[k];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
  }

  int species_of_atom(const Structure& s, std::size_t j) const {
    const int mu = species_index(s.numbers[j]);
    if (mu < 0)
      throw InputError("ACE: atom " + std::to_string(j) + " is " + std::string(element_symbol(s.numbers[j])) +
                       ", an element the ACE basis does not cover");
    return mu;
  }

  /// Neighbour data, A-basis and the features ws.q of atom i (forward pass).
  void densities(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws) const {
    const int mu0 = species_of_atom(s, i);
    ensure_capacity(ws, nl.count(i));
    const std::size_t nf = table_.function_count(), nb = std::size_t(n_base());
    const int lmax = l_max(), nrad = n_rad();
    const std::size_t st = ws.stride;
    std::fill(ws.A.begin(), ws.A.end(), cplx(0.0));
    std::fill(ws.A1.begin(), ws.A1.end(), 0.0);
    // neighbours inside their pair cutoff, sorted by species (stable: list order within a species)
    ws.found.clear();
    for (std::size_t e = nl.begin(i); e != nl.end(i); ++e) {
      const int mu = species_of_atom(s, std::size_t(nl.index[e]));
      if (nl.distance[e] < basis_.radial.pair(mu0, mu).rcut) ws.found.emplace_back(mu, e);
    }
    std::stable_sort(ws.found.begin(), ws.found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const std::size_t kept = ws.found.size();
    std::fill(ws.species_begin.begin(), ws.species_begin.end(), kept);
    for (std::size_t k = kept; k-- > 0;) ws.species_begin[std::size_t(ws.found[k].first)] = k;
    for (int mu = n_elements() - 1; mu >= 0; --mu)
      ws.species_begin[std::size_t(mu)] = std::min(ws.species_begin[std::size_t(mu)], ws.species_begin[std::size_t(mu) + 1]);
    // radial functions of blocks of 8 neighbours, transposed into the feature-major rows
    for (std::size_t k0 = 0; k0 < kept; k0 += 8) {
      const std::size_t nk = std::min<std::size_t>(8, kept - k0);
      for (std::size_t kk = 0; kk < nk; ++kk) {
        const std::size_t k = k0 + kk;
        const auto [mu, e] = ws.found[k];
        const double r = nl.distance[e];
        ws.mu[k] = mu, ws.entry[k] = e, ws.inv_r[k] = 1.0 / r;
        ws.rhat[k] = nl.displacement[e][0] / r, ws.rhat[st + k] = nl.displacement[e][1] / r, ws.rhat[2 * st + k] = nl.displacement[e][2] / r;
        table_.evaluate(std::size_t(mu0 * n_elements() + mu), r, ws.one_rad.data() + kk * nf, ws.one_drad.data() + kk * nf);
      }
      for (std::size_t f = 0; f < nf; ++f)
        for (std::size_t kk = 0; kk < nk; ++kk)
          ws.rad[f * st + k0 + kk] = ws.one_rad[kk * nf + f], ws.drad[f * st + k0 + kk] = ws.one_drad[kk * nf + f];
    }
    harmonics_.compute_rows(ws.rhat.data(), ws.rhat.data() + st, ws.rhat.data() + 2 * st, 0, kept, st, ws.Yre.data(),
                            ws.Yim.data(), ws.dYre.data(), ws.dYim.data(), ws.hscratch.data());
    // A-basis: sums over the neighbours of each species
    for (int mu = 0; mu < n_elements(); ++mu) {
      const std::size_t b = ws.species_begin[std::size_t(mu)], e = ws.species_begin[std::size_t(mu) + 1];
      if (b == e) continue;
      for (std::size_t g = 0; g < nb; ++g) ws.A1[std::size_t(mu) * nb + g] = sum(ws.rad.data() + g * st, b, e);
      for (int l = 0; l <= lmax; ++l)
        for (int m = 0; m <= l; ++m) {
          const std::size_t lm = AceHarmonics::index(l, m);
          cplx* A = ws.A.data() + a_index(mu, 0, l, m);
          for (int n = 0; n < nrad; ++n) {
            const double* R = ws.rad.data() + (nb + std::size_t(l * nrad + n)) * st;
            A[n] = cplx(dot(ws.Yre.data() + lm * st, R, b, e), dot(ws.Yim.data() + lm * st, R, b, e));
          }
        }
    }
    const double core = sum(ws.rad.data() + (nf - 1) * st, 0, kept);
    ws.kept = kept;
    // A_l,-m = (-1)^m conj(A_lm)
    for (int mu = 0; mu < n_elements(); ++mu)
      for (int n = 0; n < nrad; ++n)
        for (int l = 1; l <= lmax; ++l)
          for (int m = 1; m <= l; ++m) {
            const cplx a = std::conj(ws.A[a_index(mu, n, l, m)]);
            ws.A[a_index(mu, n, l, -m)] = (m % 2 == 0) ? a : -a;
          }
    // features
    const Tree& t = trees_[std::size_t(mu0)];
    std::fill(ws.q.begin(), ws.q.end(), 0.0);
    for (std::size_t k = 0; k < t.index1.size(); ++k) ws.q[std::size_t(t.column1[k])] += t.coeff1[k] * ws.A1[std::size_t(t.index1[k])];
    cplx* v = ws.value.data();
    v[0] = 1.0;
    for (std::size_t g = 0; g < t.group_parent.size(); ++g) {
      const cplx vp = v[t.group_parent[g]];
      for (std::size_t k = t.group_begin[g]; k != t.group_begin[g + 1]; ++k) v[k] = mul(vp, ws.A[std::size_t(t.factor[k])]);
    }
    for (std::size_t c = 0; c + 1 < t.by_column_begin.size(); ++c) {
      // The terms of a density cancel strongly (products of up to six A of size ~10²), so they are
      // summed with Neumaier's compensation, in four interleaved partial sums (no single
      // loop-carried dependency): the sum is then as accurate as the terms themselves.
      double acc[4] = {0.0, 0.0, 0.0, 0.0}, err[4] = {0.0, 0.0, 0.0, 0.0};
      auto add = [&](std::size_t u, double x) {
        const double t0 = acc[u] + x;
        err[u] += std::abs(acc[u]) >= std::abs(x) ? (acc[u] - t0) + x : (x - t0) + acc[u];
        acc[u] = t0;
      };
      const std::size_t b = t.by_column_begin[c], e = t.by_column_begin[c + 1];
      std::size_t k = b;
      for (; k + 4 <= e; k += 4)
        for (std::size_t u = 0; u < 4; ++u) add(u, t.by_column_coeff[k + u] * v[t.by_column_node[k + u]].real());
      for (; k < e; ++k) add(0, t.by_column_coeff[k] * v[t.by_column_node[k]].real());
      for (std::size_t u = 1; u < 4; ++u) add(0, acc[u]), add(0, err[u]);
      ws.q[c] += acc[0] + err[0];
    }
    if (opt_.core_density) ws.q[columns()] = core;
  }

  /// W = ∂E/∂A (folded onto m >= 0) and W1 = ∂E/∂A1 from ws.dEdq (reverse pass over the tree).
  void backward(const Structure& s, std::size_t i, Workspace& ws) const {
    const Tree& t = trees_[std::size_t(species_index(s.numbers[i]))];
    std::fill(ws.W.begin(), ws.W.end(), cplx(0.0));
    std::fill(ws.W1.begin(), ws.W1.end(), 0.0);
    for (std::size_t k = 0; k < t.index1.size(); ++k) ws.W1[std::size_t(t.index1[k])] += t.coeff1[k] * ws.dEdq[std::size_t(t.column1[k])];
    const std::size_t nodes = t.parent.size();
    cplx* adj = ws.adjoint.data();
    adj[0] = 0.0;
    for (std::size_t k = 1; k < nodes; ++k) {
      double th = 0.0;
      for (std::size_t c = t.coeff_begin[k]; c != t.coeff_begin[k + 1]; ++c) th += t.coeff[c] * ws.dEdq[std::size_t(t.column[c])];
      adj[k] = th;
    }
    // The complex sums below read (re, im) as two doubles: with std::complex loads GCC 12 packs one
    // operand through the stack (an 8-byte store read back as 16 bytes, a failed store-to-load
    // forward in every iteration), which made this pass cost more than the rest of the evaluation.
    double* __restrict adj_d = reinterpret_cast<double*>(adj);
    const double* __restrict A_d = reinterpret_cast<const double*>(ws.A.data());
    const double* __restrict value_d = reinterpret_cast<const double*>(ws.value.data());
    for (std::size_t g = t.group_parent.size(); g-- > 0;) {
      const std::size_t p = std::size_t(t.group_parent[g]);
      double sr = 0.0, si = 0.0;  // Σ_children adj[k] A[f_k], summed in registers
      for (std::size_t k = t.group_begin[g]; k != t.group_begin[g + 1]; ++k) {
        const double ar = adj_d[2 * k], ai = adj_d[2 * k + 1];
        const std::size_t a = 2 * std::size_t(t.factor[k]);
        sr += ar * A_d[a] - ai * A_d[a + 1];
        si += ar * A_d[a + 1] + ai * A_d[a];
      }
      adj_d[2 * p] += sr;
      adj_d[2 * p + 1] += si;
    }
    // W_a = Σ_{nodes k multiplying A_a} adj[k] v[parent k], summed per a in registers
    for (std::size_t f = 0; f < t.factor_value.size(); ++f) {
      double wr = 0.0, wi = 0.0;
      for (std::size_t e = t.factor_begin[f]; e != t.factor_begin[f + 1]; ++e) {
        const std::size_t k = 2 * std::size_t(t.factor_node[e]), q = 2 * std::size_t(t.factor_parent[e]);
        wr += adj_d[k] * value_d[q] - adj_d[k + 1] * value_d[q + 1];
        wi += adj_d[k] * value_d[q + 1] + adj_d[k + 1] * value_d[q];
      }
      ws.W[std::size_t(t.factor_value[f])] = cplx(wr, wi);
    }
    // δE = Re Σ W δA with δA_l,-m = (-1)^m conj(δA_lm): fold the m < 0 half onto m > 0.
    const int lmax = l_max();
    for (int mu = 0; mu < n_elements(); ++mu)
      for (int n = 0; n < n_rad(); ++n)
        for (int l = 1; l <= lmax; ++l)
          for (int m = 1; m <= l; ++m) {
            const cplx w = std::conj(ws.W[a_index(mu, n, l, -m)]);
            ws.W[a_index(mu, n, l, m)] += (m % 2 == 0) ? w : -w;
          }
  }

  /// ws.grad = ∂E_i/∂r_ij of every kept neighbour, from ws.W and ws.W1 (after backward()):
  ///   g = r̂ [Σ_k W1_k g_k' + w_core c' + Σ_nlm Re(W_nlm Y_lm) R_nl'] + (1/r)(t - r̂ (r̂·t)),
  ///   t = Σ_nlm Re(W_nlm ∇_u Y_lm) R_nl  (m >= 0 after the fold), vectorised over neighbours.
  void gradients(Workspace& ws) const {
    const std::size_t nf = table_.function_count(), nb = std::size_t(n_base()), st = ws.stride;
    const int lmax = l_max(), nrad = n_rad();
    const double wcore = energy_core_weight(ws);
    double* __restrict radial = ws.radial.data();
    double* __restrict tx = ws.T.data() + 4 * st;  // t_x, t_y, t_z rows after the four S/T rows
    double* __restrict ty = ws.T.data() + 5 * st;
    double* __restrict tz = ws.grad.data() + 2 * st;  // reuse: overwritten at the end
    for (int mu = 0; mu < n_elements(); ++mu) {
      const std::size_t b = ws.species_begin[std::size_t(mu)], e = ws.species_begin[std::size_t(mu) + 1];
      if (b == e) continue;
      for (std::size_t k = b; k < e; ++k) radial[k] = wcore * ws.drad[(nf - 1) * st + k], tx[k] = ty[k] = tz[k] = 0.0;
      for (std::size_t g = 0; g < nb; ++g) {
        const double w = ws.W1[std::size_t(mu) * nb + g];
        const double* __restrict dg = ws.drad.data() + g * st;
        for (std::size_t k = b; k < e; ++k) radial[k] += w * dg[k];
      }
      double* __restrict Sr = ws.S.data();
      double* __restrict Si = ws.S.data() + st;
      double* __restrict Tr = ws.S.data() + 2 * st;
      double* __restrict Ti = ws.S.data() + 3 * st;
      for (int l = 0; l <= lmax; ++l)
        for (int m = 0; m <= l; ++m) {
          const cplx* W = ws.W.data() + a_index(mu, 0, l, m);
          for (std::size_t k = b; k < e; ++k) Sr[k] = Si[k] = Tr[k] = Ti[k] = 0.0;
          for (int n = 0; n < nrad; ++n) {
            const double wr = W[n].real(), wi = W[n].imag();
            if (wr == 0.0 && wi == 0.0) continue;
            const double* __restrict R = ws.rad.data() + (nb + std::size_t(l * nrad + n)) * st;
            const double* __restrict dR = ws.drad.data() + (nb + std::size_t(l * nrad + n)) * st;
            for (std::size_t k = b; k < e; ++k) {
              Sr[k] += wr * dR[k], Si[k] += wi * dR[k];
              Tr[k] += wr * R[k], Ti[k] += wi * R[k];
            }
          }
          const std::size_t lm = AceHarmonics::index(l, m);
          const double* __restrict yr = ws.Yre.data() + lm * st;
          const double* __restrict yi = ws.Yim.data() + lm * st;
          const double* __restrict dxr = ws.dYre.data() + (3 * lm) * st;
          const double* __restrict dxi = ws.dYim.data() + (3 * lm) * st;
          const double* __restrict dyr = ws.dYre.data() + (3 * lm + 1) * st;
          const double* __restrict dyi = ws.dYim.data() + (3 * lm + 1) * st;
          const double* __restrict dzr = ws.dYre.data() + (3 * lm + 2) * st;
          const double* __restrict dzi = ws.dYim.data() + (3 * lm + 2) * st;
          for (std::size_t k = b; k < e; ++k) {
            radial[k] += Sr[k] * yr[k] - Si[k] * yi[k];
            tx[k] += Tr[k] * dxr[k] - Ti[k] * dxi[k];
            ty[k] += Tr[k] * dyr[k] - Ti[k] * dyi[k];
            tz[k] += Tr[k] * dzr[k] - Ti[k] * dzi[k];
          }
        }
    }
    for (std::size_t k = 0; k < ws.kept; ++k) {
      const double ux = ws.rhat[k], uy = ws.rhat[st + k], uz = ws.rhat[2 * st + k];
      const double ut = ux * tx[k] + uy * ty[k] + uz * tz[k], ir = ws.inv_r[k];
      const double gx = radial[k] * ux + (tx[k] - ux * ut) * ir;
      const double gy = radial[k] * uy + (ty[k] - uy * ut) * ir;
      const double gz = radial[k] * uz + (tz[k] - uz * ut) * ir;
      ws.grad[k] = gx, ws.grad[st + k] = gy, ws.grad[2 * st + k] = gz;
    }
  }

  static Vec3 pair_gradient(const Workspace& ws, std::size_t k) {
    return Vec3(ws.grad[k], ws.grad[ws.stride + k], ws.grad[2 * ws.stride + k]);
  }

  double energy_core_weight(const Workspace& ws) const { return opt_.core_density ? ws.dEdq[columns()] : 0.0; }

  AceBasisSet basis_;
  Options opt_;
  AceHarmonics harmonics_;
  AceRadialTable table_;
  std::size_t nlm_ = 0, na_ = 0, na1_ = 0;
  std::array<int, 119> species_of_z_ = [] {
    std::array<int, 119> a{};
    a.fill(-1);
    return a;
  }();
  std::vector<Tree> trees_;
  std::vector<Combinations> combos_;
};

/// The evaluator of a basis known at run time (files, fits).
using AceDescriptor = BasicAceDescriptor<>;

}  // namespace pestle
