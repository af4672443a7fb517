#pragma once
// Definitions of pestle/formats/ace_file.hpp: inline in header-only use; compiled once in
// src/runtime/compile_formats.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/formats/ace_file.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE AceFile read_ace_file(std::istream& in, const std::string& name) {
  detail::AceTokens tk(in, name);
  AceFile f;
  AceBasisSet& b = f.basis;
  tk.skip_to("nelements=");
  const long ne = tk.keyed_integer("nelements=");
  if (ne < 1 || ne > 118) tk.fail_last("nelements must be in [1, 118]");
  const std::size_t N = std::size_t(ne);
  tk.expect("elements:");
  for (std::size_t k = 0; k < N; ++k) {
    const std::string sym = tk.next("element symbols");
    const int z = find_atomic_number(sym);
    if (z <= 0) tk.fail_last("unknown element '" + sym + "'");
    b.elements.push_back(z);
  }
  const long lmax = tk.keyed_integer("lmax=");
  if (lmax < 0 || lmax > 40) tk.fail_last("lmax out of range");
  b.lmax = int(lmax);
  AceFileEmbedding embedding;  // the .ace format holds one embedding for all elements
  if (tk.at("embedding-function:")) {
    tk.expect("embedding-function:");
    embedding.npoti = tk.next("embedding-function");
    if (embedding.npoti != "FinnisSinclair" && embedding.npoti != "FinnisSinclairShiftedScaled")
      tk.fail_last("unknown embedding-function '" + embedding.npoti + "' (pestle reads FinnisSinclair, FinnisSinclairShiftedScaled)");
  }
  const long nfs = tk.integer("the number of FS parameters");
  tk.expect("FS parameters:");
  if (nfs < 2 || nfs % 2 != 0 || nfs > 1000) tk.fail_last("the number of FS parameters must be even and positive");
  for (long k = 0; k < nfs; ++k) embedding.fs_parameters.push_back(tk.number("FS parameters"));
  f.embeddings.assign(N, embedding);
  tk.expect("core energy-cutoff parameters:");
  for (std::size_t k = 0; k < N; ++k) {
    f.rho_core_cut.push_back(tk.number("rho_core_cut"));
    f.drho_core_cut.push_back(tk.number("drho_core_cut"));
    if (!(f.drho_core_cut.back() > 0.0)) tk.fail_last("drho_core_cut must be positive");
  }
  f.e0.assign(N, 0.0);
  if (tk.at("E0:")) {
    tk.expect("E0:");
    for (std::size_t k = 0; k < N; ++k) f.e0[k] = tk.number("E0");
  }
  AceRadialBasis& rb = b.radial;
  const std::string radname = tk.keyed("radbasename=");
  if (radname == "ChebPow") rb.kind = AceRadialKind::cheb_pow;
  else if (radname == "ChebExpCos") rb.kind = AceRadialKind::cheb_exp_cos;
  else if (radname == "ChebLinear") rb.kind = AceRadialKind::cheb_linear;
  else if (radname == "SBessel") rb.kind = AceRadialKind::sbessel;
  else tk.fail_last("unknown radial basis '" + radname + "' (pestle reads ChebPow, ChebExpCos, ChebLinear, SBessel)");
  rb.nradbase = int(tk.keyed_integer("nradbase="));
  rb.nradmax = int(tk.keyed_integer("nradmax="));
  if (rb.nradbase < 1 || rb.nradbase > 1000 || rb.nradmax < 0 || rb.nradmax > 1000) tk.fail_last("nradbase/nradmax out of range");
  rb.cutoff = tk.keyed_number("cutoffmax=");
  b.spline_delta = tk.keyed_number("deltaSplineBins=");
  if (!(rb.cutoff > 0.0) || !(b.spline_delta > 0.0) || b.spline_delta >= rb.cutoff)
    tk.fail_last("cutoffmax and deltaSplineBins must be positive, deltaSplineBins < cutoffmax");
  rb.lmax = b.lmax;
  rb.nelements = int(N);
  rb.pairs.resize(N * N);
  tk.expect("core repulsion parameters:");
  for (auto& p : rb.pairs) p.core_prefactor = tk.number("core repulsion prefactor"), p.core_lambda = tk.number("core repulsion lambda");
  auto per_pair = [&](const std::string& key, auto set) {
    tk.expect(key);
    for (auto& p : rb.pairs) set(p, tk.number(key));
  };
  per_pair("radparameter=", [](AceRadialPair& p, double v) { p.lambda = v; });
  per_pair("cutoff=", [](AceRadialPair& p, double v) { p.rcut = v; });
  for (const auto& p : rb.pairs)
    if (!(p.rcut > 0.0) || p.rcut > rb.cutoff * (1 + 1e-12)) tk.fail_last("a pair cutoff is not in (0, cutoffmax]");
  per_pair("dcut=", [](AceRadialPair& p, double v) { p.dcut = v; });
  tk.expect("crad=");
  const std::size_t L1 = std::size_t(b.lmax + 1), NB = std::size_t(rb.nradbase), NR = std::size_t(rb.nradmax);
  for (auto& p : rb.pairs) {
    p.crad.assign(NR * L1 * NB, 0.0);
    for (std::size_t k = 0; k < NB; ++k)
      for (std::size_t n = 0; n < NR; ++n)
        for (std::size_t l = 0; l < L1; ++l) p.crad[(n * L1 + l) * NB + k] = tk.number("crad");
  }
  const long rankmax = tk.keyed_integer("rankmax=");
  const long ndens = tk.keyed_integer("ndensitymax=");
  if (rankmax < 1 || ndens < 1 || ndens > 100) tk.fail_last("rankmax and ndensitymax must be positive");
  if (nfs != 2 * ndens)
    tk.fail_last("ndensitymax=" + std::to_string(ndens) + " needs 2 FS parameters per density (" + std::to_string(2 * ndens) + "), the file gives " +
                 std::to_string(nfs));
  b.columns = int(ndens);
  tk.keyed_integer("num_c_tilde_max=");
  tk.keyed_integer("num_ms_combinations_max=");
  b.functions.assign(N, {});
  for (int block = 1; block <= 2; ++block) {
    tk.expect(block == 1 ? "total_basis_size_rank1:" : "total_basis_size:");
    std::vector<long> counts;
    for (std::size_t k = 0; k < N; ++k) {
      counts.push_back(tk.integer("basis size"));
      if (counts.back() < 0 || counts.back() > 10000000) tk.fail_last("basis size out of range");
    }
    for (std::size_t mu = 0; mu < N; ++mu)
      for (long k = 0; k < counts[mu]; ++k) {
        auto fn = detail::read_ace_function(tk, int(mu), int(N), b.lmax, int(ndens), block == 1 ? rb.nradbase : rb.nradmax, block);
        if (fn.rank > rankmax) tk.fail_last("function rank exceeds rankmax");
        b.functions[mu].push_back(std::move(fn));
      }
  }
  if (!tk.done()) tk.fail("unexpected text after the last basis function");
  try {
    b.validate();
  } catch (const InputError& e) {
    throw ParseError(name, 0, e.what());
  }
  return f;
}

}  // namespace pestle
