#pragma once
// LAMMPS `.snap` potential files: the small LAMMPS input that LAMMPS ships beside each SNAP
// potential (`include Ta06A.snap`) to define its pair style, e.g.
//
//   variable zblcutinner index 4
//   pair_style hybrid/overlay zbl ${zblcutinner} 4.8 snap
//   pair_coeff 1 1 zbl 73 73
//   pair_coeff * * snap Ta06A.snapcoeff Ta06A.snapparam Ta
//
// Read as LAMMPS reads them (docs/model-files.md, "LAMMPS .snap files"): '#' starts a comment, a line
// ending in '&' continues on the next, `${NAME}` is replaced by the variable's value. Commands:
//   variable NAME index|string V   (an index variable already defined keeps its value, as in LAMMPS)
//   variable NAME equal NUMBER     (a plain number; formulas are refused)
//   pair_style snap | pair_style hybrid/overlay zbl INNER OUTER snap (sub-styles in either order)
//   pair_coeff I J zbl Z_I Z_J     (I, J: type numbers or '*'; Z_I = Z_J when I = J, as pair zbl demands)
//   pair_coeff * * [snap] COEFF PARAM EL_1 ... EL_ntypes   (files beside the .snap file)
// Any other command, or a ZBL pair left without charges (neither given nor mixable from both types'
// own), is refused with the file and line.
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/text.hpp"
#include "pestle/reference/zbl.hpp"

namespace pestle {

/// What a .snap file defines: the SNAP files, the element of each LAMMPS type and the ZBL overlay.
struct SnapInclude {
  std::string coeff_path, param_path;  ///< resolved against the .snap file's folder
  std::vector<int> elements;           ///< atomic number of LAMMPS type 1, 2, ...
  std::optional<Zbl> zbl;              ///< present for pair_style hybrid/overlay zbl ... snap
};

namespace detail::snap_include {

/// One command: its words after substitution, and the line it starts on.
struct Command {
  std::vector<std::string> words;
  std::size_t line = 0;
};

/// Commands of the file: comments stripped, '&' continuations joined.
inline std::vector<Command> read_commands(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open '" + path + "'");
  io::LineReader reader(in);
  std::vector<Command> out;
  std::string pending;
  std::size_t start = 0;
  std::vector<std::string_view> parts;
  while (auto l = reader.next()) {
    std::string_view s = *l;
    if (auto hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    if (pending.empty()) start = reader.line();
    const bool continues = !s.empty() && s.back() == '&';
    if (continues) s.remove_suffix(1);
    pending += std::string(s) + " ";
    if (continues) continue;
    io::split_whitespace(pending, parts);
    if (!parts.empty()) out.push_back({std::vector<std::string>(parts.begin(), parts.end()), start});
    pending.clear();
  }
  if (!pending.empty()) throw ParseError(path, start, "the file ends inside a continued ('&') line");
  return out;
}

/// `${NAME}` replaced by the value of variable NAME.
inline std::string substitute(const std::string& word, const std::map<std::string, std::string>& variables,
                              const std::string& path, std::size_t line) {
  std::string out;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (word[i] != '$') {
      out += word[i];
      continue;
    }
    const std::size_t close = word.find('}', i);
    if (i + 1 >= word.size() || word[i + 1] != '{' || close == std::string::npos)
      throw ParseError(path, line, "only ${NAME} variable references are supported, got '" + word + "'");
    const std::string name = word.substr(i + 2, close - i - 2);
    const auto v = variables.find(name);
    if (v == variables.end()) throw ParseError(path, line, "variable '" + name + "' is not defined");
    out += v->second;
    i = close;
  }
  return out;
}

inline double number(const std::string& w, const std::string& what, const std::string& path, std::size_t line) {
  const auto v = io::parse_real(w);
  if (!v || !std::isfinite(*v)) throw ParseError(path, line, what + " must be a number, got '" + w + "'");
  return *v;
}

/// The range of types a pair_coeff type argument names ('*' = all).
inline std::pair<int, int> type_range(const std::string& w, int ntypes, const std::string& path, std::size_t line) {
  if (w == "*") return {1, ntypes};
  const auto v = io::parse_int(w);
  if (!v || *v < 1 || *v > ntypes)
    throw ParseError(path, line, "atom type '" + w + "' must be * or lie in 1.." + std::to_string(ntypes));
  return {int(*v), int(*v)};
}

struct ZblLine {
  std::string i, j;
  double charge_i, charge_j;
  std::size_t line;
};

/// The ZBL term from its pair_coeff lines, once the element of each type is known.
inline Zbl make_zbl(double inner, double outer, const std::vector<ZblLine>& lines, const std::vector<int>& elements,
                    const std::string& path, std::size_t style_line) {
  if (!(inner > 0.0) || !(outer > inner))
    throw ParseError(path, style_line, "ZBL needs 0 < inner < outer cutoff, got " + std::to_string(inner) + " and " +
                                           std::to_string(outer));
  const int ntypes = int(elements.size());
  std::vector<std::vector<std::optional<std::pair<double, double>>>> charges(
      std::size_t(ntypes + 1), std::vector<std::optional<std::pair<double, double>>>(std::size_t(ntypes + 1)));
  for (const ZblLine& z : lines) {
    const auto [ilo, ihi] = type_range(z.i, ntypes, path, z.line);
    const auto [jlo, jhi] = type_range(z.j, ntypes, path, z.line);
    for (int i = ilo; i <= ihi; ++i)
      for (int j = std::max(jlo, i); j <= jhi; ++j) {
        if (i == j && z.charge_i != z.charge_j)
          throw ParseError(path, z.line, "pair_coeff " + std::to_string(i) + " " + std::to_string(j) +
                                             " zbl: both charges of a type with itself must be equal");
        charges[std::size_t(i)][std::size_t(j)] = {z.charge_i, z.charge_j};
      }
  }
  Zbl zbl(inner, outer);
  for (int i = 1; i <= ntypes; ++i)
    for (int j = i; j <= ntypes; ++j) {
      auto q = charges[std::size_t(i)][std::size_t(j)];
      // LAMMPS mixes an unset cross pair from the two types' own charges
      const auto& qi = charges[std::size_t(i)][std::size_t(i)];
      const auto& qj = charges[std::size_t(j)][std::size_t(j)];
      if (!q && qi && qj) q = std::pair{qi->first, qj->first};
      if (!q)
        throw ParseError(path, style_line, "no ZBL charges for atom types " + std::to_string(i) + " and " +
                                               std::to_string(j) + " (pair_coeff " + std::to_string(i) + " " +
                                               std::to_string(j) + " zbl Z_I Z_J missing)");
      zbl.set_pair({elements[std::size_t(i - 1)], elements[std::size_t(j - 1)], q->first, q->second});
    }
  return zbl;
}

}  // namespace detail::snap_include

/// Reads a LAMMPS .snap file (see the top of this header).
inline SnapInclude read_snap_include(const std::string& path) {
  using namespace detail::snap_include;
  namespace fs = std::filesystem;
  std::map<std::string, std::string> variables;
  std::optional<std::pair<double, double>> zbl_cutoffs;  // set by a hybrid/overlay pair_style
  std::size_t style_line = 0;
  bool hybrid = false;
  std::vector<ZblLine> zbl_lines;
  std::optional<SnapInclude> out;

  for (Command c : read_commands(path)) {
    const std::size_t ln = c.line;
    const std::string command = c.words[0];
    if (command != "variable")  // a variable's value is expanded below, its name never
      for (auto& w : c.words) w = substitute(w, variables, path, ln);
    const auto& w = c.words;
    if (command == "variable") {
      if (w.size() != 4) throw ParseError(path, ln, "expected 'variable NAME STYLE VALUE'");
      const std::string value = substitute(w[3], variables, path, ln);
      if (w[2] == "index" || w[2] == "string") {
        if (w[2] == "string" || !variables.count(w[1])) variables[w[1]] = value;
      } else if (w[2] == "equal") {
        number(value, "variable " + w[1] + " (an equal-style formula)", path, ln);
        variables[w[1]] = value;
      } else {
        throw ParseError(path, ln, "variable style '" + w[2] + "' is not supported (index, string, equal)");
      }
    } else if (command == "pair_style") {
      if (style_line) throw ParseError(path, ln, "a second pair_style");
      style_line = ln;
      if (w.size() == 2 && w[1] == "snap") continue;
      const bool zbl_first = w.size() == 6 && w[2] == "zbl" && w[5] == "snap";
      const bool snap_first = w.size() == 6 && w[2] == "snap" && w[3] == "zbl";
      if (w[1] != "hybrid/overlay" || !(zbl_first || snap_first))
        throw ParseError(path, ln, "pestle reads 'pair_style snap' or 'pair_style hybrid/overlay zbl INNER OUTER snap'");
      const std::size_t at = zbl_first ? 3 : 4;
      zbl_cutoffs = std::pair{number(w[at], "the ZBL inner cutoff", path, ln), number(w[at + 1], "the ZBL outer cutoff", path, ln)};
      hybrid = true;
    } else if (command == "pair_coeff") {
      if (!style_line) throw ParseError(path, ln, "pair_coeff before pair_style");
      if (hybrid && w.size() >= 4 && w[3] == "zbl") {  // pair_coeff I J zbl Z_I Z_J
        if (w.size() != 6) throw ParseError(path, ln, "expected 'pair_coeff I J zbl Z_I Z_J'");
        zbl_lines.push_back({w[1], w[2], number(w[4], "Z_I", path, ln), number(w[5], "Z_J", path, ln), ln});
        continue;
      }
      const std::size_t first = hybrid ? 4 : 3;  // index of the coefficient file
      if (hybrid && (w.size() < 4 || w[3] != "snap"))
        throw ParseError(path, ln, "expected 'pair_coeff I J zbl ...' or 'pair_coeff * * snap COEFF PARAM ELEMENTS'");
      if (w[1] != "*" || w[2] != "*" || w.size() < first + 3)
        throw ParseError(path, ln, "expected 'pair_coeff * *" + std::string(hybrid ? " snap" : "") + " COEFF PARAM ELEMENTS'");
      if (out) throw ParseError(path, ln, "a second SNAP pair_coeff");
      SnapInclude s;
      const fs::path dir = fs::path(path).parent_path();
      s.coeff_path = (dir / w[first]).string();
      s.param_path = (dir / w[first + 1]).string();
      for (std::size_t k = first + 2; k < w.size(); ++k) {
        const int z = find_atomic_number(w[k]);
        if (z == 0) throw ParseError(path, ln, "'" + w[k] + "' is not a chemical symbol (NULL types are not supported)");
        for (int e : s.elements)
          if (e == z) throw ParseError(path, ln, "element " + w[k] + " is given to two atom types");
        s.elements.push_back(z);
      }
      out = std::move(s);
    } else {
      throw ParseError(path, ln, "command '" + command + "' is not supported in a .snap file (pestle reads variable, "
                                 "pair_style and pair_coeff)");
    }
  }
  if (!style_line) throw InputError("'" + path + "' has no pair_style");
  if (!out) throw ParseError(path, style_line, "no 'pair_coeff * * ... COEFF PARAM ELEMENTS' line for SNAP");
  if (zbl_cutoffs)
    out->zbl = make_zbl(zbl_cutoffs->first, zbl_cutoffs->second, zbl_lines, out->elements, path, style_line);
  return *out;
}

namespace detail::snap_include {

/// The charges of the pair (za, zb) in that order; InputError when the term has none.
inline ZblPair zbl_pair(const Zbl& zbl, int za, int zb) {
  for (const ZblPair& p : zbl.pairs()) {
    if (p.species_a == za && p.species_b == zb) return p;
    if (p.species_a == zb && p.species_b == za) return {za, zb, p.charge_b, p.charge_a};
  }
  throw InputError("the ZBL term has no charges for the pair " + std::string(element_symbol(za)) + "-" +
                   std::string(element_symbol(zb)));
}

}  // namespace detail::snap_include

/// The text of a .snap file for `inc` (what `pestle export` writes beside the .snapcoeff/.snapparam
/// pair): the SNAP files named by their file names, so the three files travel together; with a ZBL
/// term, `pair_style hybrid/overlay zbl` and one `pair_coeff I J zbl Z_I Z_J` per pair of types.
/// InputError when the ZBL term lacks the charges of a pair of the elements.
inline std::string snap_include_text(const SnapInclude& inc) {
  namespace fs = std::filesystem;
  // Built word by word with append: GCC 12 warns (-Wrestrict, a false positive) on char + string&&.
  std::string out = "# SNAP potential written by pestle; use it with `include FILE.snap` in a LAMMPS input\n";
  const auto word = [&out](std::string_view w) { (out += ' ') += w; };
  const auto real = [&out](double x) {  // shortest text that reads back exactly
    out += ' ';
    io::append_real(out, x);
  };
  if (inc.zbl) {
    out += "pair_style hybrid/overlay zbl";
    real(inc.zbl->inner());
    real(inc.zbl->outer());
    out += " snap\n";
    for (std::size_t i = 0; i < inc.elements.size(); ++i)
      for (std::size_t j = i; j < inc.elements.size(); ++j) {
        const ZblPair pair = detail::snap_include::zbl_pair(*inc.zbl, inc.elements[i], inc.elements[j]);
        out += "pair_coeff";
        word(std::to_string(i + 1));
        word(std::to_string(j + 1));
        word("zbl");
        real(pair.charge_a);
        real(pair.charge_b);
        out += '\n';
      }
    out += "pair_coeff * * snap";
  } else {
    out += "pair_style snap\npair_coeff * *";
  }
  word(fs::path(inc.coeff_path).filename().string());
  word(fs::path(inc.param_path).filename().string());
  for (int z : inc.elements) word(element_symbol(z));
  out += '\n';
  return out;
}

}  // namespace pestle
