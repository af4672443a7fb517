#pragma once
// Definitions of pestle/descriptors/ace_coupling.hpp: inline in header-only use; compiled once in
// src/runtime/compile_foundations.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/descriptors/ace_coupling.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE AceBasisSet ace_b_basis(const AceBasisSpec& spec, double max_bytes) {
  if (spec.elements.empty()) throw InputError("ACE basis spec: no elements");
  if (spec.nmax.size() != spec.lmax.size() || spec.nmax.empty()) throw InputError("ACE basis spec: nmax and lmax need one entry per rank");
  if (spec.lmax[0] != 0) throw InputError("ACE basis spec: rank 1 has l = 0 only");
  if (!spec.max_degree.empty() && spec.max_degree.size() != spec.nmax.size())
    throw InputError("ACE basis spec: max_degree needs one entry per rank (or none)");
  if (!(spec.l_weight > 0.0) || !std::isfinite(spec.l_weight)) throw InputError("ACE basis spec: l_weight must be positive");
  const int nel = int(spec.elements.size());
  AceBasisSet b;
  b.elements = spec.elements;
  b.lmax = *std::max_element(spec.lmax.begin(), spec.lmax.end());
  b.spline_delta = spec.spline_delta;
  b.radial = ace_b_radial(spec);
  // functions: collect (per central species) coefficient vectors, then set the column count
  struct Fn {
    AceBasisFunction shape;
    std::vector<double> values;  // per m-combination
  };
  std::vector<std::vector<Fn>> per(static_cast<std::size_t>(nel));
  for (int mu0 = 0; mu0 < nel; ++mu0) {
    for (int mu = 0; mu < nel; ++mu)
      for (int k = 0; k < spec.nmax[0] && ace_factor_degree(spec, k, 0) <= ace_degree_bound(spec, 1) + 1e-9; ++k) {
        Fn f;
        f.shape.rank = 1, f.shape.mus = {mu}, f.shape.ns = {k}, f.shape.ls = {0}, f.shape.ms = {0};
        f.values = {1.0};
        per[std::size_t(mu0)].push_back(f);
      }
    for (int rank = 2; rank <= int(spec.nmax.size()); ++rank) {
      std::vector<detail::AceFactor> factors;
      std::vector<double> degree;
      for (int mu = 0; mu < nel; ++mu)
        for (int n = 0; n < spec.nmax[std::size_t(rank - 1)]; ++n)
          for (int l = 0; l <= spec.lmax[std::size_t(rank - 1)]; ++l) {
            factors.push_back({mu, n, l});
            degree.push_back(ace_factor_degree(spec, n, l));
          }
      std::vector<std::vector<detail::AceFactor>> sets;
      std::vector<detail::AceFactor> cur;
      detail::ace_multisets(factors, degree, rank, 0, ace_degree_bound(spec, rank), cur, sets);
      for (const auto& set : sets) {
        std::vector<std::vector<int>> paths, mts;
        std::vector<int> tmp;
        detail::ace_paths(set, 1, set[0][2], tmp, paths);
        detail::ace_mtuples(set, tmp, mts);
        // monomial index of every m-tuple (sorted factors with their m)
        std::map<detail::AceMonomial, int> mono;
        std::vector<int> col_of(mts.size());
        std::vector<detail::AceMonomial> monos;
        for (std::size_t k = 0; k < mts.size(); ++k) {
          detail::AceMonomial mm;
          for (std::size_t t = 0; t < set.size(); ++t) mm.push_back({set[t][0], set[t][1], set[t][2], mts[k][t]});
          std::sort(mm.begin(), mm.end());
          auto [it, inserted] = mono.try_emplace(mm, int(monos.size()));
          if (inserted) monos.push_back(mm);
          col_of[k] = it->second;
        }
        Eigen::MatrixXd P = Eigen::MatrixXd::Zero(Eigen::Index(paths.size()), Eigen::Index(monos.size()));
        for (std::size_t p = 0; p < paths.size(); ++p)
          for (std::size_t k = 0; k < mts.size(); ++k) P(Eigen::Index(p), col_of[k]) += detail::ace_path_coefficient(set, mts[k], paths[p]);
        if (P.size() == 0) continue;
        const dense::ThinSvd svd = dense::thin_svd_jacobi(P);
        const Eigen::VectorXd& sv = svd.singular_values;
        if (sv.size() == 0 || !(sv[0] > 1e-12)) continue;
        for (Eigen::Index q = 0; q < sv.size(); ++q) {
          if (!(sv[q] > 1e-10 * sv[0])) break;
          Fn f;
          f.shape.rank = rank;
          for (const auto& fac : set) f.shape.mus.push_back(fac[0]), f.shape.ns.push_back(fac[1]), f.shape.ls.push_back(fac[2]);
          for (std::size_t k = 0; k < monos.size(); ++k) {
            const double v = svd.v(Eigen::Index(k), q);
            if (std::abs(v) < 1e-14) continue;
            // the monomial lists its factors sorted by (μ, n, l, m): the (μ, n, l) order of `set`
            for (const auto& x : monos[k]) f.shape.ms.push_back(x[3]);
            f.values.push_back(v);
          }
          per[std::size_t(mu0)].push_back(std::move(f));
        }
      }
    }
  }
  std::size_t columns = 0;
  for (const auto& v : per) columns = std::max(columns, v.size());
  b.columns = int(columns);
  std::size_t combinations = 0;
  for (const auto& v : per)
    for (const auto& f : v) combinations += f.values.size();
  const double bytes = double(combinations) * double(sizeof(double) + sizeof(int) * std::size_t(spec.nmax.size()));
  if (bytes > max_bytes)
    throw InputError("ACE basis of " + std::to_string(columns) + " functions and " + std::to_string(combinations) +
                     " m-combinations needs " + std::to_string(int(std::ceil(bytes / 1e9))) + " GB of coefficients, more than the " +
                     std::to_string(int(max_bytes / 1e9)) + " GB allowed (half the machine's memory): lower n_max/l_max or max_degree");
  b.functions.assign(std::size_t(nel), {});
  for (int mu0 = 0; mu0 < nel; ++mu0) {
    int col = 0;
    for (auto& f : per[std::size_t(mu0)]) {
      AceBasisFunction fn = std::move(f.shape);
      fn.column = col++;
      fn.coeffs = std::move(f.values);
      b.functions[std::size_t(mu0)].push_back(std::move(fn));
    }
  }
  b.validate();
  return b;
}

}  // namespace pestle
