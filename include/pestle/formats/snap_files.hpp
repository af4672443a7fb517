#pragma once
// LAMMPS `pair_style snap` potential files.
//
// .snapparam: one "keyword value" pair per line, '#' starts a comment. Keywords read:
//   rcutfac, twojmax (required); rfac0, rmin0, switchflag, bzeroflag, bnormflag,
//   quadraticflag, chemflag, wselfallflag (optional, LAMMPS defaults 0.99363, 0, 1, 1, 0,
//   0, 0, 0); switchinnerflag must be 0 (inner switching is not supported); chunksize and
//   parallelthresh (Kokkos tuning) are ignored.
// .snapcoeff: '#' comments; first line "nelements ncoeffall"; then per element a line
//   "name radius weight" followed by ncoeffall coefficient lines, β₀ first, then the
//   ncoeff linear ones and (quadraticflag 1) the ncoeff(ncoeff+1)/2 quadratic ones.
//   ncoeff is the number of bispectrum components, times nelements³ with chemflag 1
//   (explicit multi-element SNAP: one column per ordered element triple, docs/snap.md).
//   Element names must be chemical symbols (they become the atomic numbers).
// Numbers are written with the shortest text that reads back to the same double, so a
// write/read round trip is exact. Mapping to pestle types: docs/model-files.md.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/descriptors/bispectrum.hpp"
#include "pestle/core/text.hpp"
#include "pestle/models/snap.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle {

/// The content of a .snapcoeff/.snapparam pair.
struct SnapFiles {
  BispectrumParams params;                        ///< elements in file order
  bool quadratic = false;                         ///< quadraticflag
  std::vector<std::vector<double>> coefficients;  ///< per element, ncoeffall values, β₀ first
};

namespace detail::snapio {

/// Non-blank lines with comments removed, split into words, with their line numbers.
struct Lines {
  std::vector<std::vector<std::string>> words;
  std::vector<std::size_t> line;
};

inline Lines read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open '" + path + "'");
  io::LineReader reader(in);
  Lines out;
  std::vector<std::string_view> parts;
  while (auto l = reader.next()) {
    std::string_view s = *l;
    if (auto hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
    io::split_whitespace(s, parts);
    if (parts.empty()) continue;
    out.words.emplace_back(parts.begin(), parts.end());
    out.line.push_back(reader.line());
  }
  return out;
}

inline double real(const std::string& path, std::size_t line, const std::string& w, const std::string& what) {
  const auto v = io::parse_real(w);
  if (!v || !std::isfinite(*v)) throw ParseError(path, line, what + " is not a finite number: " + io::quote_for_message(w));
  return *v;
}

inline long integer(const std::string& path, std::size_t line, const std::string& w, const std::string& what) {
  const auto v = io::parse_int(w);
  if (!v) throw ParseError(path, line, what + " is not an integer: " + io::quote_for_message(w));
  return static_cast<long>(*v);
}

inline bool flag(const std::string& path, std::size_t line, const std::string& key, const std::string& w) {
  const long v = integer(path, line, w, key);
  if (v != 0 && v != 1) throw ParseError(path, line, key + " must be 0 or 1");
  return v == 1;
}

}  // namespace detail::snapio

/// Reads a .snapparam file into p (elements untouched); returns quadraticflag.
inline bool read_snapparam(const std::string& path, BispectrumParams& p) {
  using namespace detail::snapio;
  const Lines lines = read_lines(path);
  bool quadratic = false, have_rcut = false, have_twoj = false;
  p.switchflag = true;  // LAMMPS pair_style snap defaults
  p.bzeroflag = true;
  p.bnormflag = false;
  p.chemflag = false;
  p.wselfallflag = false;
  p.rfac0 = 0.99363;
  p.rmin0 = 0.0;
  for (std::size_t k = 0; k < lines.words.size(); ++k) {
    const auto& w = lines.words[k];
    const std::size_t ln = lines.line[k];
    if (w.size() != 2) throw ParseError(path, ln, "expected 'keyword value'");
    const std::string& key = w[0];
    if (key == "rcutfac") p.rcutfac = real(path, ln, w[1], key), have_rcut = true;
    else if (key == "twojmax") p.twojmax = static_cast<int>(integer(path, ln, w[1], key)), have_twoj = true;
    else if (key == "rfac0") p.rfac0 = real(path, ln, w[1], key);
    else if (key == "rmin0") p.rmin0 = real(path, ln, w[1], key);
    else if (key == "switchflag") p.switchflag = flag(path, ln, key, w[1]);
    else if (key == "bzeroflag") p.bzeroflag = flag(path, ln, key, w[1]);
    else if (key == "bnormflag") p.bnormflag = flag(path, ln, key, w[1]);
    else if (key == "quadraticflag") quadratic = flag(path, ln, key, w[1]);
    else if (key == "chemflag") p.chemflag = flag(path, ln, key, w[1]);
    else if (key == "wselfallflag") p.wselfallflag = flag(path, ln, key, w[1]);
    else if (key == "switchinnerflag") {
      if (flag(path, ln, key, w[1]))
        throw ParseError(path, ln,
                         "switchinnerflag 1 (inner switching function, sinner/dinner) is not supported by pestle");
    } else if (key == "chunksize" || key == "parallelthresh") {
      integer(path, ln, w[1], key);  // Kokkos tuning knobs: no effect here
    } else {
      throw ParseError(path, ln, "unknown SNAP parameter '" + key + "'");
    }
  }
  if (!have_rcut) throw InputError(path + ": required keyword 'rcutfac' is missing");
  if (!have_twoj) throw InputError(path + ": required keyword 'twojmax' is missing");
  return quadratic;
}

/// Reads a .snapcoeff file: elements (into f.params.elements) and coefficient blocks.
PESTLE_RUNTIME_INLINE void read_snapcoeff(const std::string& path, SnapFiles& f);

/// Reads a .snapcoeff/.snapparam pair and checks that ncoeff fits twojmax and quadraticflag.
inline SnapFiles read_snap_files(const std::string& coeff_path, const std::string& param_path) {
  SnapFiles f;
  f.quadratic = read_snapparam(param_path, f.params);
  read_snapcoeff(coeff_path, f);
  const std::size_t nb = Bispectrum<dynamic>(f.params).size();  // × nelements³ with chemflag
  const std::size_t expect = 1 + (f.quadratic ? QuadraticMap::size(nb) : LinearMap::size(nb));
  if (f.coefficients.front().size() != expect) {
    std::string what = "twojmax " + std::to_string(f.params.twojmax);
    if (f.params.chemflag) {
      const std::size_t ne = f.params.elements.size();
      what += " with chemflag 1 and " + std::to_string(ne) + " elements (" + std::to_string(ne * ne * ne) +
              " element triples × " + std::to_string(nb / (ne * ne * ne)) + " = " + std::to_string(nb) + " components)";
    }
    if (f.quadratic) what += " with quadraticflag 1";
    throw InputError(coeff_path + ": " + std::to_string(f.coefficients.front().size()) +
                     " coefficients per element, but " + what + " (" + param_path + ") needs " +
                     std::to_string(expect));
  }
  return f;
}

/// A SNAP or qSNAP potential from LAMMPS files.
inline AnyPotential load_snap(const std::string& coeff_path, const std::string& param_path) {
  SnapFiles f = read_snap_files(coeff_path, param_path);
  if (f.quadratic) return make_snap<Quadratic>(f.params, std::move(f.coefficients));
  return make_snap<Linear>(f.params, std::move(f.coefficients));
}

inline std::string snapparam_text(const BispectrumParams& p, bool quadratic) {
  std::string out = "# LAMMPS pair_style snap parameters, written by pestle\n\n";
  const auto kv = [&](const char* key, auto value) {
    out += key;
    out += ' ';
    if constexpr (std::is_same_v<decltype(value), double>) io::append_real(out, value);
    else io::append_int(out, value);
    out += '\n';
  };
  kv("rcutfac", p.rcutfac);
  kv("twojmax", std::int64_t{p.twojmax});
  kv("rfac0", p.rfac0);
  kv("rmin0", p.rmin0);
  kv("switchflag", std::int64_t{p.switchflag});
  kv("bzeroflag", std::int64_t{p.bzeroflag});
  kv("bnormflag", std::int64_t{p.bnormflag});
  kv("quadraticflag", std::int64_t{quadratic});
  kv("chemflag", std::int64_t{p.chemflag});
  kv("wselfallflag", std::int64_t{p.wselfallflag});
  return out;
}

inline std::string snapcoeff_text(const BispectrumParams& p, const std::vector<std::vector<double>>& coefficients) {
  if (coefficients.size() != p.elements.size() || coefficients.empty())
    throw InputError("snapcoeff: one coefficient block per element is needed");
  std::string out = "# LAMMPS pair_style snap coefficients, written by pestle\n\n";
  io::append_int(out, static_cast<std::int64_t>(p.elements.size()));
  out += ' ';
  io::append_int(out, static_cast<std::int64_t>(coefficients.front().size()));
  out += '\n';
  for (std::size_t e = 0; e < p.elements.size(); ++e) {
    out += element_symbol(p.elements[e].z);
    out += ' ';
    io::append_real(out, p.elements[e].radius);
    out += ' ';
    io::append_real(out, p.elements[e].weight);
    out += '\n';
    for (double c : coefficients[e]) {
      io::append_real(out, c);
      out += '\n';
    }
  }
  return out;
}

/// Writes a SNAP/qSNAP potential as a .snapcoeff/.snapparam pair for LAMMPS.
template <class M>
void write_snap_files(const Potential<Bispectrum<dynamic>, M>& pot, const std::string& coeff_path,
                      const std::string& param_path) {
  const BispectrumParams& p = pot.descriptor().params();
  std::vector<std::vector<double>> c;
  for (int z : snap_species(p)) {
    const int s = pot.model().species_index(z);
    if (s < 0) throw InputError("model has no coefficients for element " + std::string(element_symbol(z)));
    c.push_back(pot.model().coefficients()[static_cast<std::size_t>(s)]);
  }
  const auto write = [](const std::string& path, const std::string& text) {
    std::ofstream out(path);
    if (!(out << text)) throw InputError("cannot write '" + path + "'");
  };
  write(coeff_path, snapcoeff_text(p, c));
  write(param_path, snapparam_text(p, std::is_same_v<M, Quadratic>));
}

inline void write_snap_files(const AnyPotential& pot, const std::string& coeff_path, const std::string& param_path) {
  pot.visit([&](const auto& p) { write_snap_files(p, coeff_path, param_path); });
}

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/formats/impl/snap_files.hpp"
#endif
