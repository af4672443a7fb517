#pragma once
// A linear ACE potential fixed at compile time (docs/ace.md §12). A header generated from a model
// file by examples/compile_time/ace_header.py holds the model as constexpr tables, e.g.
//
//   struct mo_ace {
//     static constexpr std::array<int, 1> elements{42};
//     static constexpr double cutoff = 5.2, lambda = 5.0, d_cut = 0.5;
//     static constexpr pestle::AceRadialKind radial = pestle::AceRadialKind::cheb_exp_cos;
//     static constexpr std::array<int, 3> nmax{8, 8, 3}, lmax{0, 4, 3};
//     static constexpr std::array<double, 1> e0{...};              β₀ per element, eV
//     static constexpr std::array<int, F> function_element{...}, function_rank{...};
//     static constexpr std::array<int, F + 1> factor_begin{...}, ms_begin{...}, c_begin{...};
//     static constexpr std::array<int, ...> mu{...}, n{...}, l{...}, ms{...};
//     static constexpr std::array<double, ...> c{...};              c̃ per m-combination
//   };
//
// StaticAcePotential<mo_ace> evaluates it with BasicAceDescriptor<AceStaticShape<mo_ace>>: the number
// of elements, lmax and the radial sizes are compile-time constants (checked against the tables by
// static_assert), so the evaluator's loops have constant bounds; the basis is built from the constexpr
// tables without reading or parsing a file.
#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

#include "pestle/descriptors/ace_coupling.hpp"
#include "pestle/descriptors/ace_descriptor.hpp"
#include "pestle/models/ace_linear.hpp"
#include "pestle/models/potential.hpp"

namespace pestle {

namespace detail::acestatic {

template <std::size_t N>
constexpr int max_of(const std::array<int, N>& a) {
  int m = 0;
  for (int x : a) m = std::max(m, x);
  return m;
}

}  // namespace detail::acestatic

/// The compile-time sizes of a generated model: those ace_b_radial gives its n_max/l_max.
template <class G>
using AceStaticShape = AceFixedShape<int(G::elements.size()), detail::acestatic::max_of(G::lmax),
                                     ace_radial_sizes(G::nmax).nradmax, ace_radial_sizes(G::nmax).nradbase>;

template <class G>
using StaticAcePotential = Potential<BasicAceDescriptor<AceStaticShape<G>>, AceModel<AceLinearEmbedding>>;

/// The basis specification of a generated model (only what the radial functions need).
template <class G>
AceBasisSpec static_ace_spec() {
  AceBasisSpec s;
  s.elements.assign(G::elements.begin(), G::elements.end());
  s.nmax.assign(G::nmax.begin(), G::nmax.end());
  s.lmax.assign(G::lmax.begin(), G::lmax.end());
  s.radial = G::radial;
  s.lambda = G::lambda;
  s.rcut = G::cutoff;
  s.dcut = G::d_cut;
  return s;
}

/// The one-column contracted basis of a generated model, from its constexpr tables.
template <class G>
AceBasisSet static_ace_basis() {
  static_assert(G::function_rank.size() == G::function_element.size() && G::factor_begin.size() == G::function_rank.size() + 1 &&
                    G::ms_begin.size() == G::factor_begin.size() && G::c_begin.size() == G::factor_begin.size(),
                "generated ACE tables: inconsistent function counts");
  static_assert(G::factor_begin.back() == int(G::mu.size()) && G::mu.size() == G::n.size() && G::n.size() == G::l.size() &&
                    G::ms_begin.back() == int(G::ms.size()) && G::c_begin.back() == int(G::c.size()),
                "generated ACE tables: inconsistent table lengths");
  const AceBasisSpec spec = static_ace_spec<G>();
  AceBasisSet b;
  b.elements = spec.elements;
  b.lmax = detail::acestatic::max_of(G::lmax);
  b.columns = 1;
  b.radial = ace_b_radial(spec);
  b.functions.assign(G::elements.size(), {});
  for (std::size_t f = 0; f < G::function_rank.size(); ++f) {
    AceBasisFunction fn;
    fn.rank = G::function_rank[f];
    const auto from = std::size_t(G::factor_begin[f]), to = std::size_t(G::factor_begin[f + 1]);
    fn.mus.assign(G::mu.begin() + from, G::mu.begin() + to);
    fn.ns.assign(G::n.begin() + from, G::n.begin() + to);
    fn.ls.assign(G::l.begin() + from, G::l.begin() + to);
    fn.ms.assign(G::ms.begin() + G::ms_begin[f], G::ms.begin() + G::ms_begin[f + 1]);
    fn.coeffs.assign(G::c.begin() + G::c_begin[f], G::c.begin() + G::c_begin[f + 1]);
    b.functions[std::size_t(G::function_element[f])].push_back(std::move(fn));
  }
  b.validate();
  return b;
}

/// The generated model as a potential (energies, forces, virial like any Potential).
template <class G>
StaticAcePotential<G> make_static_ace_potential() {
  AceDescriptorOptions opt;
  opt.core_density = false;
  std::vector<std::vector<double>> beta0;
  for (double e : G::e0) beta0.push_back({e});
  const std::vector<int> elements(G::elements.begin(), G::elements.end());
  return StaticAcePotential<G>(BasicAceDescriptor<AceStaticShape<G>>(static_ace_basis<G>(), opt),
                               ace_linear_energy_model(elements, beta0));
}

}  // namespace pestle
