#pragma once
// Reader for pacemaker's C-tilde potential files (.ace, as read by LAMMPS ML-PACE of 2021,
// e.g. Debian's /usr/share/lammps/potentials/Cu-PBE-core-rep.ace). Layout (docs/ace.md §6):
//   nelements=N / elements: E1..EN / lmax=L / [embedding-function: NAME] /
//   K FS parameters: w_1 m_1 ... w_P m_P / core energy-cutoff parameters: (ρcut Δρ)×N / [E0: e×N] /
//   radbasename=NAME / nradbase= / nradmax= / cutoffmax= / deltaSplineBins= /
//   core repulsion parameters: (pre λ)×N² / radparameter= ×N² / cutoff= ×N² / dcut= ×N² /
//   crad= ×N²·nradbase·nradmax·(L+1) in (μi, μj, k, n, l) order /
//   rankmax= / ndensitymax= / num_c_tilde_max= / num_ms_combinations_max= /
//   total_basis_size_rank1: ×N, those functions / total_basis_size: ×N, those functions;
//   a function: ctilde_basis_func: rank=R ndens=D mu0=M mu=( .. ) n=( .. ) l=( .. ) num_ms=K
//   and K lines "< m_1 .. m_R >: c_1 .. c_D" (n is 1-based in the file).
// Every problem is a ParseError naming the file, the line and the reason.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/descriptors/ace_basis.hpp"
#include "pestle/descriptors/ace_descriptor.hpp"
#include "pestle/models/ace.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle {

/// One element's embedding as the files spell it.
struct AceFileEmbedding {
  std::string npoti = "FinnisSinclair";  ///< or "FinnisSinclairShiftedScaled"
  std::vector<double> fs_parameters;     ///< w_1 m_1 w_2 m_2 ..., two per density
  int ndensity() const noexcept { return int(fs_parameters.size() / 2); }
  bool operator==(const AceFileEmbedding&) const = default;
};

/// Which ML-PACE a file's numbers follow where its versions differ (docs/ace.md §6c):
///   ml_pace_2021_4   lammps-user-pace v.2021.4.9 (what LAMMPS 2021/2022, e.g. Debian's 20220106, pins; reads
///                    .ace only): cosine ρ_core switch, every pair's table and core envelope over the largest cutoff
///   ml_pace_2021_10  v.2021.10.25 and later (every version that reads .yace): quintic ρ_core switch, each
///                    pair's table and core envelope over its own rcut
/// The two agree on single-element files whose ρ_core stays below rho_core_cut - drho_core_cut.
enum class AceConvention { ml_pace_2021_4, ml_pace_2021_10 };

/// Everything an .ace or .yace file holds. The basis has basis.columns = the largest ndensity; an
/// element with fewer densities has zero coefficients in the columns past its own.
struct AceFile {
  AceBasisSet basis;
  std::vector<AceFileEmbedding> embeddings;             ///< per element (all equal in an .ace file)
  std::vector<double> rho_core_cut, drho_core_cut, e0;  ///< per element
  AceConvention convention = AceConvention::ml_pace_2021_10;  ///< what the readers set (v.2021.4.9 on request)
  /// True when every element has the same embedding (what the .ace format can hold).
  bool shared_embedding() const {
    return std::all_of(embeddings.begin(), embeddings.end(), [&](const AceFileEmbedding& e) { return e == embeddings.front(); });
  }
};

namespace detail {

class AceTokens {
 public:
  AceTokens(std::istream& in, std::string file) : file_(std::move(file)) {
    std::string line;
    for (std::size_t no = 1; std::getline(in, line); ++no) {
      std::istringstream ls(line);
      for (std::string t; ls >> t;) tokens_.push_back(t), lines_.push_back(no);
    }
    last_line_ = lines_.empty() ? 1 : lines_.back();
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw ParseError(file_, pos_ < lines_.size() ? lines_[pos_] : last_line_, reason);
  }
  /// As fail(), at the line of the token read last (for checks of a value already read).
  [[noreturn]] void fail_last(const std::string& reason) const {
    throw ParseError(file_, pos_ > 0 && pos_ - 1 < lines_.size() ? lines_[pos_ - 1] : last_line_, reason);
  }
  bool done() const noexcept { return pos_ >= tokens_.size(); }
  const std::string& peek(const std::string& what) const {
    if (done()) throw ParseError(file_, last_line_, "file ends while reading " + what);
    return tokens_[pos_];
  }
  std::string next(const std::string& what) {
    const std::string& t = peek(what);
    ++pos_;
    return t;
  }
  /// Skip tokens until one starts with `key` (header comments before nelements=).
  void skip_to(const std::string& key) {
    while (!done() && tokens_[pos_].rfind(key, 0) != 0) ++pos_;
    if (done()) throw ParseError(file_, last_line_, "no '" + key + "' found: not a pacemaker .ace file");
  }
  /// Expect the words of `key` (e.g. "core repulsion parameters:"); fail naming it otherwise.
  /// A word may run into what follows it ("parameters:100.0 1.0", "mu=(0"): ML-PACE reads these
  /// headers with fscanf, whose literal text needs no white space after it, so older files glue them.
  void expect(const std::string& key) {
    std::istringstream ks(key);
    for (std::string w; ks >> w;) {
      const std::string& t = peek("'" + key + "'");
      if (t == w) ++pos_;
      else if (t.size() > w.size() && t.rfind(w, 0) == 0) tokens_[pos_] = t.substr(w.size());  // the rest is the next token
      else fail("expected '" + key + "', found '" + t + "'");
    }
  }
  /// "key=value" or "key= value": the value as a string.
  std::string keyed(const std::string& key) {
    const std::string& t = peek("'" + key + "'");
    if (t.rfind(key, 0) != 0) fail("expected '" + key + "', found '" + t + "'");
    ++pos_;
    if (t.size() > key.size()) return t.substr(key.size());
    return next("the value of '" + key + "'");
  }
  bool at(const std::string& key) const { return !done() && tokens_[pos_].rfind(key, 0) == 0; }

  double number(const std::string& what) {
    const std::string t = next(what);
    try {
      std::size_t used = 0;
      const double v = std::stod(t, &used);
      if (used != t.size() || !std::isfinite(v)) throw std::invalid_argument(t);
      return v;
    } catch (const std::exception&) {
      --pos_;
      fail("expected a number for " + what + ", found '" + t + "'");
    }
  }
  long integer(const std::string& what, const std::string& text) const {
    try {
      std::size_t used = 0;
      const long v = std::stol(text, &used);
      if (used != text.size()) throw std::invalid_argument(text);
      return v;
    } catch (const std::exception&) {
      fail("expected an integer for " + what + ", found '" + text + "'");
    }
  }
  long integer(const std::string& what) { return integer(what, next(what)); }
  long keyed_integer(const std::string& key) {
    const std::string v = keyed(key);
    return integer(key, v);
  }
  double keyed_number(const std::string& key) {
    const std::string v = keyed(key);
    if (v.empty()) fail("missing value of " + key);
    try {
      std::size_t used = 0;
      const double d = std::stod(v, &used);
      if (used != v.size() || !std::isfinite(d)) throw std::invalid_argument(v);
      return d;
    } catch (const std::exception&) {
      fail("expected a number after '" + key + "', found '" + v + "'");
    }
  }
  const std::string& file() const noexcept { return file_; }

 private:
  std::string file_;
  std::vector<std::string> tokens_;
  std::vector<std::size_t> lines_;
  std::size_t pos_ = 0, last_line_ = 1;
};

inline AceBasisFunction read_ace_function(AceTokens& tk, int mu0, int nelements, int lmax, int ndens, int nmax, int rank_expected) {
  AceBasisFunction fn;
  tk.expect("ctilde_basis_func:");
  fn.rank = int(tk.keyed_integer("rank="));
  if (fn.rank < 1 || fn.rank > 12) tk.fail_last("rank " + std::to_string(fn.rank) + " out of range");
  if ((rank_expected == 1) != (fn.rank == 1)) tk.fail_last(rank_expected == 1 ? "expected a rank-1 function" : "rank-1 function among rank > 1");
  if (tk.keyed_integer("ndens=") != ndens) tk.fail_last("ndens differs from ndensitymax");
  if (tk.keyed_integer("mu0=") != mu0) tk.fail_last("mu0 differs from the element block it is listed in");
  auto list = [&](const std::string& key, std::vector<int>& out, int lo, int hi) {
    tk.expect(key);
    for (int r = 0; r < fn.rank; ++r) {
      const long v = tk.integer(key);
      if (v < lo || v > hi) tk.fail_last(key + " entry " + std::to_string(v) + " out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      out.push_back(int(v));
    }
    tk.expect(")");
  };
  list("mu=(", fn.mus, 0, nelements - 1);
  list("n=(", fn.ns, 1, nmax);
  for (int& n : fn.ns) --n;
  list("l=(", fn.ls, 0, fn.rank == 1 ? 0 : lmax);
  const long nms = tk.keyed_integer("num_ms=");
  if (nms < 1 || nms > 1000000) tk.fail_last("num_ms out of range");
  for (long k = 0; k < nms; ++k) {
    tk.expect("<");
    for (int r = 0; r < fn.rank; ++r) {
      const long m = tk.integer("m");
      if (std::abs(m) > fn.ls[std::size_t(r)]) tk.fail_last("|m| > l in an m-combination");
      fn.ms.push_back(int(m));
    }
    tk.expect(">:");
    for (int p = 0; p < ndens; ++p) fn.coeffs.push_back(tk.number("a c-tilde coefficient"));
  }
  return fn;
}

}  // namespace detail

PESTLE_RUNTIME_INLINE AceFile read_ace_file(std::istream& in, const std::string& name);

inline AceFile read_ace_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open ACE file '" + path + "'");
  return read_ace_file(in, path);
}

namespace detail {

inline AceEmbeddingKind ace_embedding_kind(const std::string& npoti) {
  return npoti == "FinnisSinclairShiftedScaled" ? AceEmbeddingKind::finnis_sinclair_shifted_scaled : AceEmbeddingKind::finnis_sinclair;
}

/// One element's embedding parameters and energy cutoff, as AceModel takes them.
inline AceElementModel ace_element_model(const AceFile& f, std::size_t k) {
  AceElementModel p;
  const auto& fs = f.embeddings[k].fs_parameters;
  for (std::size_t q = 0; q + 1 < fs.size(); q += 2) p.weights.push_back(fs[q]), p.exponents.push_back(fs[q + 1]);
  p.kind = ace_embedding_kind(f.embeddings[k].npoti);
  p.e0 = f.e0[k], p.rho_core_cut = f.rho_core_cut[k], p.drho_core_cut = f.drho_core_cut[k];
  p.polynomial_core_cut = f.convention == AceConvention::ml_pace_2021_10;
  return p;
}

}  // namespace detail

/// The potential an .ace or .yace file describes: pestle's ACE evaluator with the file's embedding(s).
/// One embedding shared by all elements gets its own model type (no per-atom choice); otherwise
/// AcePerElementEmbedding picks each atom's embedding by its element.
inline AcePotential make_ace_potential(const AceFile& f) {
  AceBasisSet basis = f.basis;
  basis.radial.pair_ranges = f.convention == AceConvention::ml_pace_2021_10;
  AceDescriptor d(std::move(basis), {.core_density = true});
  std::vector<AceElementModel> params;
  for (std::size_t k = 0; k < f.basis.elements.size(); ++k) params.push_back(detail::ace_element_model(f, k));
  if (!f.shared_embedding())
    return AcePotential(std::move(d), AceModel<AcePerElementEmbedding>(f.basis.elements, std::move(params), true));
  if (f.embeddings.front().npoti == "FinnisSinclairShiftedScaled")
    return AcePotential(std::move(d), AceModel<AceShiftedScaledEmbedding>(f.basis.elements, std::move(params), true));
  return AcePotential(std::move(d), AceModel<AceSmoothPowerEmbedding>(f.basis.elements, std::move(params), true));
}

inline AcePotential read_ace_potential(const std::string& path) { return make_ace_potential(read_ace_file(path)); }

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/formats/impl/ace_file.hpp"
#endif
