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
// cubic Hermite table (ace_radial.hpp), spherical harmonics from ace_harmonics.hpp.
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

#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/core/types.hpp"
#include "pestle/descriptors/ace_basis.hpp"
#include "pestle/descriptors/ace_harmonics.hpp"
#include "pestle/descriptors/ace_radial.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

class AceDescriptor {
  using cplx = std::complex<double>;

 public:
  struct Options {
    bool core_density = true;  ///< append ρ_core as the last feature
  };

  /// Scratch memory of one thread.
  struct Workspace {
    std::vector<double> rhat, inv_r, rad, drad;  // per kept neighbour
    std::vector<int> mu;
    std::vector<std::size_t> entry;              // neighbour-list entry of each kept neighbour
    std::vector<cplx> Y, dY;
    std::vector<double> p, dp;
    std::vector<cplx> A, W, value, adjoint;
    std::vector<double> A1, W1, q, dEdq, theta;
    std::size_t kept = 0;
  };

  AceDescriptor() = default;
  explicit AceDescriptor(AceBasisSet basis) : AceDescriptor(std::move(basis), Options()) {}
  AceDescriptor(AceBasisSet basis, Options opt) : basis_(std::move(basis)), opt_(opt) {
    basis_.validate();
    harmonics_ = AceHarmonics(basis_.lmax);
    table_ = AceRadialTable(basis_.radial, basis_.spline_delta);
    nlm_ = harmonics_.count();
    l1sq_ = std::size_t(basis_.lmax + 1) * std::size_t(basis_.lmax + 1);
    na_ = std::size_t(basis_.nelements()) * std::size_t(basis_.radial.nradmax) * l1sq_;
    na1_ = std::size_t(basis_.nelements()) * std::size_t(basis_.radial.nradbase);
    for (std::size_t mu = 0; mu < basis_.elements.size(); ++mu) {
      const int z = basis_.elements[mu];
      if (z < 1 || z > 118) throw InputError("ACE basis: element with atomic number " + std::to_string(z));
      if (species_of_z_[std::size_t(z)] >= 0) throw InputError("ACE basis: element " + std::to_string(z) + " listed twice");
      species_of_z_[std::size_t(z)] = int(mu);
    }
    for (std::size_t mu0 = 0; mu0 < basis_.functions.size(); ++mu0) trees_.push_back(build_tree(basis_.functions[mu0]));
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
    ws.p.resize(nlm_), ws.dp.resize(nlm_);
    ws.A.resize(na_), ws.W.resize(na_);
    ws.A1.resize(na1_), ws.W1.resize(na1_);
    ws.q.resize(size()), ws.dEdq.resize(size());
    std::size_t nodes = 0;
    for (const auto& t : trees_) nodes = std::max(nodes, t.parent.size());
    ws.value.resize(nodes), ws.adjoint.resize(nodes), ws.theta.resize(nodes);
    return ws;
  }

  void compute(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws, std::span<double> q) const {
    densities(s, nl, i, ws);
    std::copy(ws.q.begin(), ws.q.end(), q.begin());
  }

  /// q and dq[(n*3+d)*size()+c] = ∂q_c/∂(r_ij)_d for the n-th neighbour entry (descriptor.hpp).
  void compute_with_derivatives(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws,
                                std::span<double> q, std::span<double> dq) const {
    densities(s, nl, i, ws);
    std::copy(ws.q.begin(), ws.q.end(), q.begin());
    const std::size_t nf = size(), first = nl.begin(i);
    std::fill(dq.begin(), dq.begin() + std::ptrdiff_t(nl.count(i) * 3 * nf), 0.0);
    for (std::size_t c = 0; c < nf; ++c) {
      std::fill(ws.dEdq.begin(), ws.dEdq.end(), 0.0);
      ws.dEdq[c] = 1.0;
      backward(s, i, ws);
      for (std::size_t k = 0; k < ws.kept; ++k) {
        const Vec3 g = pair_gradient(ws, k);
        const std::size_t n = ws.entry[k] - first;
        for (int d = 0; d < 3; ++d) dq[(n * 3 + std::size_t(d)) * nf + c] = g[d];
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

  /// A-basis layout: [μ][l² + l + m][n], n innermost (contiguous for the radial contractions).
  std::size_t a_index(int mu, int n, int l, int m) const {
    return (std::size_t(mu) * l1sq_ + std::size_t(l * l + l + m)) * std::size_t(basis_.radial.nradmax) + std::size_t(n);
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
        for (std::size_t c = 0; c < cols; ++c)
          for (std::size_t k = 0; k < fn.num_ms(); ++k) {
            const double v = fn.coeffs[k * cols + c];
            if (v == 0.0) continue;
            t.index1.push_back(fn.mus[0] * basis_.radial.nradbase + fn.ns[0]);
            t.column1.push_back(int(c));
            t.coeff1.push_back(v);
          }
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
        for (std::size_t c = 0; c < cols; ++c) coeffs[std::size_t(node)][int(c)] += fn.coeffs[k * cols + c];
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
    if (ws.inv_r.size() >= n) return;
    const std::size_t nf = table_.function_count();
    ws.rhat.resize(3 * n), ws.inv_r.resize(n), ws.mu.resize(n), ws.entry.resize(n);
    ws.rad.resize(n * nf), ws.drad.resize(n * nf);
    ws.Y.resize(n * nlm_), ws.dY.resize(3 * n * nlm_);
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
    const std::size_t nf = table_.function_count(), nb = std::size_t(basis_.radial.nradbase);
    const int lmax = basis_.lmax, nrad = basis_.radial.nradmax;
    std::fill(ws.A.begin(), ws.A.end(), cplx(0.0));
    std::fill(ws.A1.begin(), ws.A1.end(), 0.0);
    double core = 0.0;
    std::size_t kept = 0;
    for (std::size_t e = nl.begin(i); e != nl.end(i); ++e) {
      const int mu = species_of_atom(s, std::size_t(nl.index[e]));
      const double r = nl.distance[e];
      if (!(r < basis_.radial.pair(mu0, mu).rcut)) continue;
      const std::size_t k = kept++;
      ws.mu[k] = mu, ws.entry[k] = e, ws.inv_r[k] = 1.0 / r;
      const Vec3 u = nl.displacement[e] / r;
      ws.rhat[3 * k] = u[0], ws.rhat[3 * k + 1] = u[1], ws.rhat[3 * k + 2] = u[2];
      double* rad = ws.rad.data() + k * nf;
      table_.evaluate(std::size_t(mu0 * basis_.nelements() + mu), r, rad, ws.drad.data() + k * nf);
      cplx* Y = ws.Y.data() + k * nlm_;
      harmonics_.compute(u[0], u[1], u[2], Y, ws.dY.data() + 3 * k * nlm_, ws.p.data(), ws.dp.data());
      double* A1 = ws.A1.data() + std::size_t(mu) * nb;
      for (std::size_t g = 0; g < nb; ++g) A1[g] += rad[g];
      for (int l = 0; l <= lmax; ++l) {
        const double* __restrict R = rad + nb + std::size_t(l * nrad);
        double* __restrict A = reinterpret_cast<double*>(ws.A.data() + a_index(mu, 0, l, 0));
        for (int m = 0; m <= l; ++m, A += 2 * nrad) {  // A_lm,n += R_nl Y_lm for m = 0..l (contiguous)
          const cplx y = Y[AceHarmonics::index(l, m)];
          const double yr = y.real(), yi = y.imag();
          for (int n = 0; n < nrad; ++n) A[2 * n] += R[n] * yr, A[2 * n + 1] += R[n] * yi;
        }
      }
      core += rad[nf - 1];
    }
    ws.kept = kept;
    // A_l,-m = (-1)^m conj(A_lm)
    for (int mu = 0; mu < basis_.nelements(); ++mu)
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
    for (std::size_t g = t.group_parent.size(); g-- > 0;) {
      const std::size_t p = std::size_t(t.group_parent[g]);
      double sr = 0.0, si = 0.0;  // Σ_children adj[k] A[f_k], summed in registers
      for (std::size_t k = t.group_begin[g]; k != t.group_begin[g + 1]; ++k) {
        const cplx ak = adj[k], Aa = ws.A[std::size_t(t.factor[k])];
        sr += ak.real() * Aa.real() - ak.imag() * Aa.imag();
        si += ak.real() * Aa.imag() + ak.imag() * Aa.real();
      }
      adj[p] += cplx(sr, si);
    }
    // W_a = Σ_{nodes k multiplying A_a} adj[k] v[parent k], summed per a in registers
    for (std::size_t f = 0; f < t.factor_value.size(); ++f) {
      double wr = 0.0, wi = 0.0;
      for (std::size_t e = t.factor_begin[f]; e != t.factor_begin[f + 1]; ++e) {
        const cplx ak = adj[t.factor_node[e]], vp = ws.value[t.factor_parent[e]];
        wr += ak.real() * vp.real() - ak.imag() * vp.imag();
        wi += ak.real() * vp.imag() + ak.imag() * vp.real();
      }
      ws.W[std::size_t(t.factor_value[f])] = cplx(wr, wi);
    }
    // δE = Re Σ W δA with δA_l,-m = (-1)^m conj(δA_lm): fold the m < 0 half onto m > 0.
    const int lmax = basis_.lmax;
    for (int mu = 0; mu < basis_.nelements(); ++mu)
      for (int n = 0; n < basis_.radial.nradmax; ++n)
        for (int l = 1; l <= lmax; ++l)
          for (int m = 1; m <= l; ++m) {
            const cplx w = std::conj(ws.W[a_index(mu, n, l, -m)]);
            ws.W[a_index(mu, n, l, m)] += (m % 2 == 0) ? w : -w;
          }
  }

  /// g = ∂E_i/∂r_ij for the k-th kept neighbour, from ws.W, ws.W1 (after backward()).
  Vec3 pair_gradient(const Workspace& ws, std::size_t k) const {
    const std::size_t nf = table_.function_count(), nb = std::size_t(basis_.radial.nradbase);
    const int lmax = basis_.lmax, nrad = basis_.radial.nradmax, mu = ws.mu[k];
    const double* rad = ws.rad.data() + k * nf;
    const double* drad = ws.drad.data() + k * nf;
    const cplx* Y = ws.Y.data() + k * nlm_;
    const cplx* dY = ws.dY.data() + 3 * k * nlm_;
    double radial = 0.0;  // ∂E/∂r along r̂
    const double* W1 = ws.W1.data() + std::size_t(mu) * nb;
    for (std::size_t g = 0; g < nb; ++g) radial += W1[g] * drad[g];
    radial += energy_core_weight(ws) * drad[nf - 1];
    double tx = 0.0, ty = 0.0, tz = 0.0;  // Σ Re(W R ∇_u Y)
    for (int l = 0; l <= lmax; ++l) {
      const double* R = rad + nb + std::size_t(l * nrad);
      const double* dR = drad + nb + std::size_t(l * nrad);
      for (int m = 0; m <= l; ++m) {
        const double* w = reinterpret_cast<const double*>(ws.W.data() + a_index(mu, 0, l, m));
        double sr = 0.0, si = 0.0, tr = 0.0, ti = 0.0;
        for (int n = 0; n < nrad; ++n) {
          sr += w[2 * n] * dR[n], si += w[2 * n + 1] * dR[n];
          tr += w[2 * n] * R[n], ti += w[2 * n + 1] * R[n];
        }
        const cplx S(sr, si), T(tr, ti);
        const std::size_t lm = AceHarmonics::index(l, m);
        radial += re_mul(S, Y[lm]);
        tx += re_mul(T, dY[3 * lm]), ty += re_mul(T, dY[3 * lm + 1]), tz += re_mul(T, dY[3 * lm + 2]);
      }
    }
    const Vec3 u(ws.rhat[3 * k], ws.rhat[3 * k + 1], ws.rhat[3 * k + 2]);
    const Vec3 tv(tx, ty, tz);
    return radial * u + (tv - u * u.dot(tv)) * ws.inv_r[k];
  }

  static double re_mul(cplx a, cplx b) noexcept { return a.real() * b.real() - a.imag() * b.imag(); }
  double energy_core_weight(const Workspace& ws) const { return opt_.core_density ? ws.dEdq[columns()] : 0.0; }

  AceBasisSet basis_;
  Options opt_;
  AceHarmonics harmonics_;
  AceRadialTable table_;
  std::size_t nlm_ = 0, l1sq_ = 0, na_ = 0, na1_ = 0;
  std::array<int, 119> species_of_z_ = [] {
    std::array<int, 119> a{};
    a.fill(-1);
    return a;
  }();
  std::vector<Tree> trees_;
};

}  // namespace pestle
