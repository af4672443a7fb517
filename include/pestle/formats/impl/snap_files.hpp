#pragma once
// Definitions of pestle/formats/snap_files.hpp: inline in header-only use; compiled once in
// src/runtime/compile_formats.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/formats/snap_files.hpp"

namespace pestle {

PESTLE_RUNTIME_INLINE void read_snapcoeff(const std::string& path, SnapFiles& f) {
  using namespace detail::snapio;
  const Lines lines = read_lines(path);
  if (lines.words.empty()) throw InputError(path + ": empty snapcoeff file");
  const auto& head = lines.words[0];
  if (head.size() != 2) throw ParseError(path, lines.line[0], "expected 'nelements ncoeff'");
  const long nel = integer(path, lines.line[0], head[0], "nelements");
  const long ncoeff = integer(path, lines.line[0], head[1], "ncoeff");
  if (nel < 1 || ncoeff < 1) throw ParseError(path, lines.line[0], "nelements and ncoeff must be positive");
  std::size_t k = 1;
  f.params.elements.clear();
  f.coefficients.clear();
  for (long e = 0; e < nel; ++e) {
    if (k >= lines.words.size()) throw InputError(path + ": file ends before element " + std::to_string(e + 1));
    const auto& w = lines.words[k];
    const std::size_t ln = lines.line[k++];
    if (w.size() != 3) throw ParseError(path, ln, "expected 'element radius weight'");
    const int z = find_atomic_number(w[0]);
    if (z == 0) throw ParseError(path, ln, "element name '" + w[0] + "' is not a chemical symbol");
    f.params.elements.push_back({z, real(path, ln, w[1], "radius"), real(path, ln, w[2], "weight")});
    std::vector<double> c;
    for (long i = 0; i < ncoeff; ++i, ++k) {
      if (k >= lines.words.size())
        throw InputError(path + ": file ends inside the coefficients of " + w[0] + " (" + std::to_string(i) + " of " +
                         std::to_string(ncoeff) + ")");
      if (lines.words[k].size() != 1) throw ParseError(path, lines.line[k], "expected one coefficient per line");
      c.push_back(real(path, lines.line[k], lines.words[k][0], "coefficient"));
    }
    f.coefficients.push_back(std::move(c));
  }
  if (k != lines.words.size()) throw ParseError(path, lines.line[k], "unexpected text after the last coefficient");
}

}  // namespace pestle
