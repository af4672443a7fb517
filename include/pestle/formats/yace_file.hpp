#pragma once
// pacemaker's YAML C-tilde potential files (.yace, what `pace_yaml2yace` writes and LAMMPS
// ML-PACE reads): reading into the same AceFile as the .ace reader, and writing one back.
// Layout (docs/ace.md §6b):
//   elements: [E1, ..]           E0: [e, ..]          deltaSplineBins: Δ
//   embeddings: {i: {ndensity, FS_parameters: [w_1, m_1, ..], npoti, rho_core_cutoff, drho_core_cutoff}}
//   bonds: {[i, j]: {radbasename, radparameters: [λ], radcoefficients: [n][l][k], nradmax, lmax,
//                    nradbasemax, prehc, lambdahc, rcut, dcut, rcut_in, dcut_in, inner_cutoff_type}}
//   functions: {i: [{mu0, rank, ndensity, num_ms_combs, mus, ns (1-based), ls,
//                    ms_combs (num_ms_combs × rank), ctildes (num_ms_combs × ndensity)}, ..]}
// Keys may come in any order (pacemaker and FitSNAP order them differently). Every element has its
// own embedding (npoti, ndensity, FS_parameters, ρ_core cutoff), as ML-PACE reads them; pestle's basis
// has as many columns as the largest ndensity, an element's functions zeros past its own. Bonds may
// differ in radbasename, nradmax / lmax / nradbasemax (pestle pads coefficients with zeros to the
// largest), cutoffs, core repulsion and inner cutoff (density or distance, one type for all bonds).
// The numbers follow ML-PACE v.2021.10.25 and later (AceConvention::ml_pace_2021_10).
// Every problem is a ParseError naming the file, the line and the reason.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iterator>
#include <type_traits>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/formats/ace_file.hpp"
#include "pestle/core/text.hpp"
#include "pestle/models/ace_linear.hpp"

namespace pestle {

namespace detail::yace {

/// Reads YAML nodes of one file; every failure names the file and the node's line (1-based).
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& reason) const {
    throw ParseError(file_, at.Mark().is_null() ? 0 : std::size_t(at.Mark().line + 1), reason);
  }
  YAML::Node child(const YAML::Node& map, const std::string& key, const std::string& where) const {
    if (!map.IsMap()) fail(map, where + " must be a mapping");
    const YAML::Node n = map[key];
    if (!n) fail(map, where + " has no \"" + key + "\"");
    return n;
  }
  template <class T>
  T scalar(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar()) fail(n, what + " must be a single value");
    try {
      return n.as<T>();
    } catch (const YAML::Exception&) {
      fail(n, what + ": cannot read '" + n.Scalar() + "'");
    }
  }
  template <class T>
  T get(const YAML::Node& map, const std::string& key, const std::string& where) const {
    return scalar<T>(child(map, key, where), where + "." + key);
  }
  template <class T>
  T get_or(const YAML::Node& map, const std::string& key, const std::string& where, T fallback) const {
    return map[key] ? get<T>(map, key, where) : fallback;
  }
  template <class T>
  std::vector<T> list(const YAML::Node& n, const std::string& what) const {
    if (!n.IsSequence()) fail(n, what + " must be a list");
    std::vector<T> out;
    for (std::size_t k = 0; k < n.size(); ++k) out.push_back(scalar<T>(n[k], what + "[" + std::to_string(k) + "]"));
    return out;
  }
  template <class T>
  std::vector<T> list(const YAML::Node& map, const std::string& key, const std::string& where, std::size_t size) const {
    const YAML::Node n = child(map, key, where);
    std::vector<T> out = list<T>(n, where + "." + key);
    if (out.size() != size)
      fail(n, where + "." + key + " has " + std::to_string(out.size()) + " entries, expected " + std::to_string(size));
    return out;
  }
  /// Element index key of embeddings / functions: must lie in [0, n).
  std::size_t index(const YAML::Node& key, std::size_t n, const std::string& what) const {
    const long i = scalar<long>(key, what + " key");
    if (i < 0 || std::size_t(i) >= n) fail(key, what + " key " + std::to_string(i) + " is not an element index 0.." + std::to_string(n - 1));
    return std::size_t(i);
  }

 private:
  std::string file_;
};

/// "element 1 (P)": how messages name an element index.
inline std::string element_name(const AceFile& f, std::size_t i) {
  return "element " + std::to_string(i) + " (" + std::string(element_symbol(f.basis.elements[i])) + ")";
}

/// One element's embedding; ML-PACE lets every element have its own type and number of densities.
inline AceFileEmbedding read_embedding(const Reader& rd, const YAML::Node& e, const std::string& where, const std::string& element) {
  AceFileEmbedding out;
  const int ndens = rd.get<int>(e, "ndensity", where);
  if (ndens < 1 || ndens > 100) rd.fail(e, where + ".ndensity must lie in 1..100");
  out.npoti = rd.get<std::string>(e, "npoti", where);
  if (out.npoti != "FinnisSinclair" && out.npoti != "FinnisSinclairShiftedScaled")
    rd.fail(e, where + ": unknown npoti '" + out.npoti + "' (pestle reads FinnisSinclair, FinnisSinclairShiftedScaled)");
  out.fs_parameters = rd.list<double>(rd.child(e, "FS_parameters", where), where + ".FS_parameters");
  if (out.fs_parameters.size() != std::size_t(2 * ndens))
    rd.fail(e, where + " (" + element + "): ndensity " + std::to_string(ndens) + " needs " + std::to_string(2 * ndens) +
                   " FS_parameters (a weight and an exponent per density), the file gives " + std::to_string(out.fs_parameters.size()));
  return out;
}

inline void read_embeddings(const Reader& rd, const YAML::Node& root, AceFile& f) {
  const YAML::Node emb = rd.child(root, "embeddings", "the file");
  const std::size_t N = f.basis.elements.size();
  std::vector<bool> seen(N, false);
  if (!emb.IsMap()) rd.fail(emb, "embeddings must be a mapping");
  f.embeddings.assign(N, {});
  f.rho_core_cut.assign(N, 0.0), f.drho_core_cut.assign(N, 0.0);
  for (const auto& kv : emb) {
    const std::size_t i = rd.index(kv.first, N, "embeddings");
    const std::string where = "embeddings." + std::to_string(i);
    if (seen[i]) rd.fail(kv.first, where + " is given twice");
    seen[i] = true;
    const YAML::Node& e = kv.second;
    f.embeddings[i] = read_embedding(rd, e, where, element_name(f, i));
    f.rho_core_cut[i] = rd.get<double>(e, "rho_core_cutoff", where);
    f.drho_core_cut[i] = rd.get<double>(e, "drho_core_cutoff", where);
    if (!(f.drho_core_cut[i] > 0.0)) rd.fail(e, where + ".drho_core_cutoff must be positive");
  }
  for (std::size_t i = 0; i < N; ++i)
    if (!seen[i]) rd.fail(emb, "embeddings: no entry for " + element_name(f, i) + " of the elements list");
  int columns = 0;
  for (const AceFileEmbedding& e : f.embeddings) columns = std::max(columns, e.ndensity());
  f.basis.columns = columns;  // elements with fewer densities get zero coefficients in the rest
}

inline AceRadialKind radial_kind(const Reader& rd, const YAML::Node& at, const std::string& name) {
  if (name == "ChebPow") return AceRadialKind::cheb_pow;
  if (name == "ChebExpCos") return AceRadialKind::cheb_exp_cos;
  if (name == "ChebLinear") return AceRadialKind::cheb_linear;
  if (name == "SBessel") return AceRadialKind::sbessel;
  rd.fail(at, "unknown radbasename '" + name + "' (pestle reads ChebPow, ChebExpCos, ChebLinear, SBessel)");
}

/// One bond's radial data, its sizes kept (padding comes after all bonds are read).
struct Bond {
  AceRadialPair pair;
  int nradmax = 0, lmax = 0, nradbase = 0;
  std::vector<std::vector<std::vector<double>>> crad;  ///< [n][l][k]
};

/// One bond; its radial base goes to out.pair.kind (read_bonds keeps it only where bonds differ).
inline Bond read_bond(const Reader& rd, const YAML::Node& b, const std::string& where, AceInnerCutoff& inner_type, bool first) {
  Bond out;
  const AceRadialKind k = radial_kind(rd, b, rd.get<std::string>(b, "radbasename", where));
  out.pair.kind = k;
  out.nradmax = rd.get<int>(b, "nradmax", where);
  out.lmax = rd.get<int>(b, "lmax", where);
  out.nradbase = rd.get<int>(b, "nradbasemax", where);
  if (out.nradmax < 0 || out.nradmax > 1000 || out.lmax < 0 || out.lmax > 40 || out.nradbase < 1 || out.nradbase > 1000)
    rd.fail(b, where + ": nradmax, lmax or nradbasemax out of range");
  // ML-PACE keeps one inner_cutoff_type for all bonds (the last read wins), so pestle asks them to agree
  const std::string inner = rd.get_or<std::string>(b, "inner_cutoff_type", where, "density");
  if (inner != "density" && inner != "distance")
    rd.fail(b, where + ": unknown inner_cutoff_type '" + inner + "' (pestle reads density, distance)");
  const AceInnerCutoff type = inner == "distance" ? AceInnerCutoff::distance : AceInnerCutoff::density;
  if (!first && type != inner_type) rd.fail(b, where + ": bonds with different inner_cutoff_type (ML-PACE keeps one for all bonds)");
  inner_type = type;
  out.pair.rcut_in = rd.get_or<double>(b, "rcut_in", where, 0.0);
  out.pair.dcut_in = rd.get_or<double>(b, "dcut_in", where, 0.0);
  if (!(out.pair.rcut_in >= 0.0) || !(out.pair.dcut_in >= 0.0) || (type == AceInnerCutoff::distance && !(out.pair.dcut_in > 0.0)))
    rd.fail(b, where + ": rcut_in and dcut_in must not be negative, dcut_in > 0 for inner_cutoff_type distance");
  const YAML::Node params = rd.child(b, "radparameters", where);
  const auto lambdas = rd.list<double>(params, where + ".radparameters");
  if (lambdas.empty() && k != AceRadialKind::cheb_linear && k != AceRadialKind::sbessel) rd.fail(params, where + ".radparameters is empty");
  out.pair.lambda = lambdas.empty() ? 0.0 : lambdas[0];
  out.pair.rcut = rd.get<double>(b, "rcut", where);
  out.pair.dcut = rd.get<double>(b, "dcut", where);
  out.pair.core_prefactor = rd.get_or<double>(b, "prehc", where, 0.0);
  out.pair.core_lambda = rd.get_or<double>(b, "lambdahc", where, 1.0);
  if (!(out.pair.rcut > 0.0)) rd.fail(b, where + ".rcut must be positive");
  const YAML::Node c = rd.child(b, "radcoefficients", where);
  const std::string cw = where + ".radcoefficients";
  if (!c.IsSequence() || c.size() != std::size_t(out.nradmax)) rd.fail(c, cw + " must be a list of nradmax lists");
  for (std::size_t n = 0; n < c.size(); ++n) {
    if (!c[n].IsSequence() || c[n].size() != std::size_t(out.lmax + 1)) rd.fail(c[n], cw + "[" + std::to_string(n) + "] must hold lmax + 1 lists");
    out.crad.emplace_back();
    for (std::size_t l = 0; l < c[n].size(); ++l) {
      const std::string lw = cw + "[" + std::to_string(n) + "][" + std::to_string(l) + "]";
      out.crad.back().push_back(rd.list<double>(c[n][l], lw));
      if (out.crad.back().back().size() != std::size_t(out.nradbase)) rd.fail(c[n][l], lw + " must hold nradbasemax numbers");
    }
  }
  return out;
}

inline void read_bonds(const Reader& rd, const YAML::Node& root, AceFile& f) {
  const YAML::Node bonds = rd.child(root, "bonds", "the file");
  if (!bonds.IsMap()) rd.fail(bonds, "bonds must be a mapping");
  const std::size_t N = f.basis.elements.size();
  std::vector<Bond> all(N * N);
  std::vector<bool> seen(N * N, false);
  AceRadialBasis& rb = f.basis.radial;
  bool first = true;
  for (const auto& kv : bonds) {
    const auto ij = rd.list<long>(kv.first, "a bonds key");
    if (ij.size() != 2 || ij[0] < 0 || ij[1] < 0 || std::size_t(ij[0]) >= N || std::size_t(ij[1]) >= N)
      rd.fail(kv.first, "a bonds key must be [i, j] with element indices below " + std::to_string(N));
    const std::size_t p = std::size_t(ij[0]) * N + std::size_t(ij[1]);
    const std::string where = "bonds[" + std::to_string(ij[0]) + ", " + std::to_string(ij[1]) + "]";
    if (seen[p]) rd.fail(kv.first, where + " is given twice");
    all[p] = read_bond(rd, kv.second, where, rb.inner, first);
    seen[p] = true, first = false;
  }
  for (std::size_t p = 0; p < N * N; ++p)
    if (!seen[p]) rd.fail(bonds, "bonds: no entry for [" + std::to_string(p / N) + ", " + std::to_string(p % N) + "]");
  rb.kind = *all.front().pair.kind;  // the basis's radial base; a bond keeps its own only where it differs
  for (Bond& b : all)
    if (b.pair.kind == rb.kind) b.pair.kind.reset();
  rb.nelements = int(N);
  rb.nradmax = rb.nradbase = rb.lmax = 0;
  rb.cutoff = 0.0;
  for (const Bond& b : all) {
    rb.nradmax = std::max(rb.nradmax, b.nradmax), rb.nradbase = std::max(rb.nradbase, b.nradbase);
    rb.lmax = std::max(rb.lmax, b.lmax), rb.cutoff = std::max(rb.cutoff, b.pair.rcut);
  }
  const std::size_t L1 = std::size_t(rb.lmax + 1), NB = std::size_t(rb.nradbase);
  rb.pairs.clear();
  for (const Bond& b : all) {
    AceRadialPair pair = b.pair;
    pair.crad.assign(std::size_t(rb.nradmax) * L1 * NB, 0.0);  // zeros pad the smaller bonds
    for (std::size_t n = 0; n < b.crad.size(); ++n)
      for (std::size_t l = 0; l < b.crad[n].size(); ++l)
        for (std::size_t k = 0; k < b.crad[n][l].size(); ++k) pair.crad[(n * L1 + l) * NB + k] = b.crad[n][l][k];
    rb.pairs.push_back(std::move(pair));
  }
  f.basis.lmax = rb.lmax;
}

/// One function of element mu0, whose embedding has `ndens` densities; its c̃ are padded with zeros to
/// `columns` (the largest ndensity of the file).
inline AceBasisFunction read_function(const Reader& rd, const YAML::Node& fn_node, const std::string& where, int mu0, int ndens,
                                      int columns, const std::string& element) {
  AceBasisFunction fn;
  if (rd.get<int>(fn_node, "mu0", where) != mu0) rd.fail(fn_node, where + ".mu0 differs from the element it is listed under");
  fn.rank = rd.get<int>(fn_node, "rank", where);
  if (fn.rank < 1 || fn.rank > 12) rd.fail(fn_node, where + ".rank out of range");
  const int fn_ndens = rd.get<int>(fn_node, "ndensity", where);
  if (fn_ndens != ndens)
    rd.fail(fn_node, where + ".ndensity " + std::to_string(fn_ndens) + " differs from the ndensity " + std::to_string(ndens) + " of the embedding of " + element);
  const long nms = rd.get<long>(fn_node, "num_ms_combs", where);
  if (nms < 1 || nms > 1000000) rd.fail(fn_node, where + ".num_ms_combs out of range");
  const std::size_t R = std::size_t(fn.rank);
  fn.mus = rd.list<int>(fn_node, "mus", where, R);
  fn.ns = rd.list<int>(fn_node, "ns", where, R);
  for (int& n : fn.ns) --n;  // 1-based in the file
  fn.ls = rd.list<int>(fn_node, "ls", where, R);
  fn.ms = rd.list<int>(fn_node, "ms_combs", where, std::size_t(nms) * R);
  const auto c = rd.list<double>(fn_node, "ctildes", where, std::size_t(nms) * std::size_t(ndens));
  fn.coeffs.assign(std::size_t(nms) * std::size_t(columns), 0.0);
  for (std::size_t k = 0; k < std::size_t(nms); ++k)
    std::copy_n(c.begin() + std::ptrdiff_t(k * std::size_t(ndens)), ndens, fn.coeffs.begin() + std::ptrdiff_t(k * std::size_t(columns)));
  return fn;
}

inline void read_functions(const Reader& rd, const YAML::Node& root, AceFile& f) {
  const YAML::Node funcs = rd.child(root, "functions", "the file");
  if (!funcs.IsMap()) rd.fail(funcs, "functions must be a mapping");
  const std::size_t N = f.basis.elements.size();
  f.basis.functions.assign(N, {});
  for (const auto& kv : funcs) {
    const std::size_t mu = rd.index(kv.first, N, "functions");
    if (!kv.second.IsSequence()) rd.fail(kv.second, "functions." + std::to_string(mu) + " must be a list");
    for (std::size_t k = 0; k < kv.second.size(); ++k)
      f.basis.functions[mu].push_back(read_function(rd, kv.second[k], "functions." + std::to_string(mu) + "[" + std::to_string(k) + "]",
                                                    int(mu), f.embeddings[mu].ndensity(), f.basis.columns, element_name(f, mu)));
  }
}

}  // namespace detail::yace

/// Reads a .yace file (the text of `name`) into the same AceFile the .ace reader fills.
inline AceFile read_yace_text(const std::string& text, const std::string& name) {
  const detail::yace::Reader rd(name);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ParseError(name, std::size_t(e.mark.line + 1), "not valid YAML: " + e.msg);
  }
  if (!root.IsMap()) throw ParseError(name, 1, "a .yace file is a YAML mapping (elements, E0, embeddings, bonds, functions)");
  AceFile f;
  f.convention = AceConvention::ml_pace_2021_10;  // the first ML-PACE that reads .yace
  const YAML::Node elements = rd.child(root, "elements", "the file");
  for (const std::string& sym : rd.list<std::string>(elements, "elements")) {
    const int z = find_atomic_number(sym);
    if (z <= 0) rd.fail(elements, "unknown element '" + sym + "'");
    f.basis.elements.push_back(z);
  }
  const std::size_t N = f.basis.elements.size();
  if (N == 0 || N > 118) rd.fail(elements, "elements must list 1..118 symbols");
  f.e0 = root["E0"] ? rd.list<double>(root, "E0", "the file", N) : std::vector<double>(N, 0.0);
  f.basis.spline_delta = rd.get_or<double>(root, "deltaSplineBins", "the file", 0.001);
  detail::yace::read_embeddings(rd, root, f);
  detail::yace::read_bonds(rd, root, f);
  if (!(f.basis.spline_delta > 0.0) || f.basis.spline_delta >= f.basis.radial.cutoff)
    rd.fail(root, "deltaSplineBins must be positive and below the largest rcut");
  detail::yace::read_functions(rd, root, f);
  try {
    f.basis.validate();
  } catch (const InputError& e) {
    throw ParseError(name, 0, e.what());
  }
  return f;
}

inline AceFile read_yace_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open ACE file '" + path + "'");
  const std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return read_yace_text(contents, path);
}

inline AcePotential read_yace_potential(const std::string& path) { return make_ace_potential(read_yace_file(path)); }

namespace detail::yace {

/// Shortest text that reads back to the same double (io::append_real).
inline std::string number(double v) {
  std::string s;
  io::append_real(s, v);
  return s;
}

template <class T>
std::string flow(const std::vector<T>& v) {
  std::string s = "[";
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (k) s += ", ";
    if constexpr (std::is_floating_point_v<T>) s += number(v[k]);
    else s += std::to_string(v[k]);
  }
  return s + "]";
}

}  // namespace detail::yace

/// Writes an AceFile as .yace text (flow-style entries, full precision).
inline void write_yace(const AceFile& f, std::ostream& out) {
  using detail::yace::flow;
  using detail::yace::number;
  const AceBasisSet& b = f.basis;
  const std::size_t N = b.elements.size();
  std::vector<std::string> symbols;
  for (int z : b.elements) symbols.emplace_back(element_symbol(z));
  out << "elements: [";
  for (std::size_t k = 0; k < N; ++k) out << (k ? ", " : "") << symbols[k];
  out << "]\nE0: " << flow(f.e0) << "\ndeltaSplineBins: " << number(b.spline_delta) << "\nembeddings:\n";
  for (std::size_t i = 0; i < N; ++i)
    out << "  " << i << ": {ndensity: " << f.embeddings[i].ndensity() << ", FS_parameters: " << flow(f.embeddings[i].fs_parameters)
        << ", npoti: " << f.embeddings[i].npoti << ", rho_core_cutoff: " << number(f.rho_core_cut[i])
        << ", drho_core_cutoff: " << number(f.drho_core_cut[i]) << "}\n";
  out << "bonds:\n";
  const AceRadialBasis& rb = b.radial;
  const std::size_t L1 = std::size_t(rb.lmax + 1), NB = std::size_t(rb.nradbase);
  for (std::size_t p = 0; p < N * N; ++p) {
    const AceRadialPair& q = rb.pairs[p];
    out << "  [" << p / N << ", " << p % N << "]: {nradmax: " << rb.nradmax << ", lmax: " << rb.lmax << ", nradbasemax: " << rb.nradbase
        << ", radbasename: " << to_string(rb.kind_of(q)) << ", radparameters: [" << number(q.lambda) << "], radcoefficients: [";
    for (std::size_t n = 0; n < std::size_t(rb.nradmax); ++n) {
      out << (n ? ", [" : "[");
      for (std::size_t l = 0; l < L1; ++l)
        out << (l ? ", " : "") << flow(std::vector<double>(q.crad.begin() + std::ptrdiff_t((n * L1 + l) * NB),
                                                             q.crad.begin() + std::ptrdiff_t((n * L1 + l + 1) * NB)));
      out << "]";
    }
    out << "], prehc: " << number(q.core_prefactor) << ", lambdahc: " << number(q.core_lambda) << ", rcut: " << number(q.rcut)
        << ", dcut: " << number(q.dcut) << ", rcut_in: " << number(q.rcut_in) << ", dcut_in: " << number(q.dcut_in)
        << ", inner_cutoff_type: " << (rb.inner == AceInnerCutoff::distance ? "distance" : "density") << "}\n";
  }
  out << "functions:\n";
  for (std::size_t mu = 0; mu < N; ++mu) {
    out << "  " << mu << ":\n";
    const std::size_t ndens = std::size_t(f.embeddings[mu].ndensity()), columns = std::size_t(b.columns);
    for (const AceBasisFunction& fn : b.functions[mu]) {
      std::vector<int> ns = fn.ns;
      for (int& n : ns) ++n;
      const std::vector<double> dense = fn.dense(columns).coeffs;
      std::vector<double> ctildes;  // the element's own densities only
      for (std::size_t k = 0; k < fn.num_ms(); ++k)
        ctildes.insert(ctildes.end(), dense.begin() + std::ptrdiff_t(k * columns), dense.begin() + std::ptrdiff_t(k * columns + ndens));
      out << "    - {mu0: " << mu << ", rank: " << fn.rank << ", ndensity: " << ndens << ", num_ms_combs: " << fn.num_ms()
          << ", mus: " << flow(fn.mus) << ", ns: " << flow(ns) << ", ls: " << flow(fn.ls) << ", ms_combs: " << flow(fn.ms)
          << ", ctildes: " << flow(ctildes) << "}\n";
    }
  }
}

/// A fitted linear ACE model in the form ML-PACE evaluates: its one-column contracted basis with the
/// embedding F(ρ) = ρ (FinnisSinclair, w = 1, m = 1), E0 = β₀, and a core-density cutoff that never
/// switches (linear ACE has no core repulsion, so ρ_core = 0).
inline AceFile ace_file_from_linear_model(const AceLinearModel& m) {
  AceFile f;
  f.basis = m.contracted;
  f.embeddings.assign(m.coefficients.size(), AceFileEmbedding{"FinnisSinclair", {1.0, 1.0}});
  f.convention = AceConvention::ml_pace_2021_10;  // .yace; F = ρ and no core cutoff, so either would do
  for (const auto& c : m.coefficients) {
    f.e0.push_back(c.at(0));
    f.rho_core_cut.push_back(100000.0);
    f.drho_core_cut.push_back(250.0);
  }
  for (const AceRadialPair& p : f.basis.radial.pairs)
    if (p.core_prefactor != 0.0) throw InputError("a linear ACE model with core repulsion has no .yace form");
  return f;
}

inline void write_yace_file(const AceFile& f, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw InputError("cannot write '" + path + "'");
  write_yace(f, out);
  if (!out) throw InputError("writing '" + path + "' failed");
}

}  // namespace pestle
