#pragma once
// LAMMPS data files (the `read_data` / `write_data` format), atom_style atomic.
//
// Reading: header lines "N atoms", "M atom types", "xlo xhi", "ylo yhi", "zlo zhi" and the optional
// "xy xz yz" tilt line; sections "Masses", "Atoms" (optionally "Atoms # atomic"; rows
// `id type x y z [ix iy iz]`) and "Velocities" (skipped). Comments start with '#'. LAMMPS types are
// mapped to atomic numbers by the caller: type t -> type_numbers[t-1]. The LAMMPS box gives the cell
// rows a = (xhi-xlo, 0, 0), b = (xy, yhi-ylo, 0), c = (xz, yz, zhi-zlo); all three axes are periodic
// (the data file itself does not say; the input script's `boundary` does). Atoms are returned sorted
// by id; positions are as written (unwrapped with image flags when present).
// Writing: the same format; the cell must be lower-triangular (LAMMPS's restricted triclinic box).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <istream>
#include <limits>
#include <numeric>
#include <ostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"

namespace pestle {

struct LammpsData {
  Structure structure;
  std::vector<int> ids;     ///< LAMMPS atom ids (sorted ascending)
  std::vector<int> types;   ///< LAMMPS atom types (1-based)
  std::vector<double> masses;  ///< per type (0 when the file has no Masses section)
  Vec3 origin = Vec3::Zero();  ///< (xlo, ylo, zlo)
};

namespace detail::lammps {

inline std::string strip_comment(const std::string& line) {
  const auto p = line.find('#');
  return p == std::string::npos ? line : line.substr(0, p);
}

inline std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> w;
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

inline bool blank(const std::string& s) { return words(s).empty(); }

template <class T>
T number(const std::string& w, const std::string& file, std::size_t line, const char* what) {
  T v{};
  std::istringstream in(w);
  in >> v;
  if (in.fail() || !in.eof()) throw ParseError(file, line, std::string("expected ") + what + ", got '" + w + "'");
  if constexpr (std::is_floating_point_v<T>)
    if (!std::isfinite(v)) throw ParseError(file, line, std::string("non-finite ") + what);
  return v;
}

}  // namespace detail::lammps

/// Reads a LAMMPS data file from a stream; `name` is used in error messages.
inline LammpsData read_lammps_data(std::istream& in, const std::vector<int>& type_numbers,
                                   const std::string& name = "<stream>") {
  using namespace detail::lammps;
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(l);
  }
  long natoms = -1, ntypes = -1;
  double lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0}, tilt[3] = {0, 0, 0};
  bool have_box[3] = {false, false, false};
  std::size_t k = 1;  // line 0 is the title
  if (lines.empty()) throw ParseError(name, 1, "empty file");
  // header
  for (; k < lines.size(); ++k) {
    const auto w = words(strip_comment(lines[k]));
    if (w.empty()) continue;
    const std::size_t ln = k + 1;
    if (w.size() == 2 && w[1] == "atoms") {
      natoms = number<long>(w[0], name, ln, "an atom count");
    } else if (w.size() == 3 && w[1] == "atom" && w[2] == "types") {
      ntypes = number<long>(w[0], name, ln, "a type count");
    } else if (w.size() == 4 && (w[2] == "xlo" || w[2] == "ylo" || w[2] == "zlo")) {
      const int a = w[2][0] - 'x';
      if (w[3] != std::string(1, w[2][0]) + "hi") throw ParseError(name, ln, "malformed box line");
      lo[a] = number<double>(w[0], name, ln, "a box bound");
      hi[a] = number<double>(w[1], name, ln, "a box bound");
      if (!(hi[a] > lo[a])) throw ParseError(name, ln, "box upper bound must exceed the lower bound");
      have_box[a] = true;
    } else if (w.size() == 6 && w[3] == "xy" && w[4] == "xz" && w[5] == "yz") {
      for (int a = 0; a < 3; ++a) tilt[a] = number<double>(w[static_cast<std::size_t>(a)], name, ln, "a tilt factor");
    } else if (w.size() >= 2 && (w[1] == "bonds" || w[1] == "angles" || w[1] == "dihedrals" ||
                                 w[1] == "impropers" || w[1] == "extra" || (w.size() == 3 && w[2] == "types"))) {
      throw ParseError(name, ln, "only atom_style atomic data files are supported ('" + lines[k] + "')");
    } else {
      break;  // first section keyword
    }
  }
  if (natoms < 0) throw ParseError(name, k + 1, "header has no 'atoms' count");
  if (ntypes <= 0) throw ParseError(name, k + 1, "header has no positive 'atom types' count");
  for (int a = 0; a < 3; ++a)
    if (!have_box[a]) throw ParseError(name, k + 1, std::string("header has no ") + char('x' + a) + "lo " + char('x' + a) + "hi line");
  if (static_cast<long>(type_numbers.size()) < ntypes)
    throw InputError(name + ": the file has " + std::to_string(ntypes) + " atom types but only " +
                     std::to_string(type_numbers.size()) + " atomic numbers were given");
  LammpsData out;
  out.masses.assign(static_cast<std::size_t>(ntypes), 0.0);
  out.origin = Vec3(lo[0], lo[1], lo[2]);
  Mat3 cell = Mat3::Zero();
  cell(0, 0) = hi[0] - lo[0];
  cell(1, 0) = tilt[0], cell(1, 1) = hi[1] - lo[1];
  cell(2, 0) = tilt[1], cell(2, 1) = tilt[2], cell(2, 2) = hi[2] - lo[2];

  struct Row {
    int id, type;
    Vec3 r;
  };
  std::vector<Row> rows;
  bool have_atoms = false;
  // sections: keyword line, blank line, then count rows
  auto read_rows = [&](std::size_t count, const std::string& section, auto&& on_row) {
    ++k;
    while (k < lines.size() && blank(strip_comment(lines[k]))) ++k;
    for (std::size_t n = 0; n < count; ++n, ++k) {
      if (k >= lines.size()) throw ParseError(name, lines.size(), "file ends inside section " + section);
      on_row(words(strip_comment(lines[k])), k + 1);
    }
  };
  while (k < lines.size()) {
    const std::string text = lines[k];
    const auto kw = words(strip_comment(text));
    if (kw.empty()) {
      ++k;
      continue;
    }
    const std::size_t ln = k + 1;
    const std::string key = kw.size() == 1 ? kw[0] : std::string();
    if (key == "Masses") {
      read_rows(static_cast<std::size_t>(ntypes), key, [&](const std::vector<std::string>& w, std::size_t l) {
        if (w.size() != 2) throw ParseError(name, l, "Masses rows are 'type mass'");
        const long t = number<long>(w[0], name, l, "a type");
        if (t < 1 || t > ntypes) throw ParseError(name, l, "type " + w[0] + " out of range");
        out.masses[static_cast<std::size_t>(t - 1)] = number<double>(w[1], name, l, "a mass");
      });
    } else if (key == "Atoms") {
      const auto hash = text.find('#');
      if (hash != std::string::npos) {
        const auto style = words(text.substr(hash + 1));
        if (!style.empty() && style[0] != "atomic")
          throw ParseError(name, ln, "atom style '" + style[0] + "' is not supported (only atomic)");
      }
      have_atoms = true;
      read_rows(static_cast<std::size_t>(natoms), key, [&](const std::vector<std::string>& w, std::size_t l) {
        if (w.size() != 5 && w.size() != 8)
          throw ParseError(name, l, "Atoms rows are 'id type x y z [ix iy iz]' (atom_style atomic)");
        Row row{number<int>(w[0], name, l, "an atom id"), number<int>(w[1], name, l, "an atom type"), Vec3::Zero()};
        if (row.type < 1 || row.type > ntypes) throw ParseError(name, l, "atom type " + w[1] + " out of range");
        for (int a = 0; a < 3; ++a) row.r[a] = number<double>(w[static_cast<std::size_t>(2 + a)], name, l, "a coordinate");
        if (w.size() == 8)
          for (int a = 0; a < 3; ++a)
            row.r += number<int>(w[static_cast<std::size_t>(5 + a)], name, l, "an image flag") * Vec3(cell.row(a));
        rows.push_back(row);
      });
    } else if (key == "Velocities") {
      read_rows(static_cast<std::size_t>(natoms), key, [&](const std::vector<std::string>& w, std::size_t l) {
        if (w.size() != 4) throw ParseError(name, l, "Velocities rows are 'id vx vy vz'");
      });
    } else {
      throw ParseError(name, ln, "unsupported section '" + text + "'");
    }
  }
  if (!have_atoms && natoms > 0) throw ParseError(name, lines.size(), "no Atoms section");
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.id < b.id; });
  for (std::size_t n = 1; n < rows.size(); ++n)
    if (rows[n].id == rows[n - 1].id) throw ParseError(name, 0, "atom id " + std::to_string(rows[n].id) + " repeated");
  out.structure.cell = cell;
  out.structure.pbc = {true, true, true};
  for (const auto& row : rows) {
    const int z = type_numbers[static_cast<std::size_t>(row.type - 1)];
    if (!is_atomic_number(z))
      throw InputError(name + ": type " + std::to_string(row.type) + " maps to unknown atomic number " + std::to_string(z));
    out.structure.add_atom(z, row.r);
    out.ids.push_back(row.id);
    out.types.push_back(row.type);
  }
  return out;
}

/// Reads a LAMMPS data file; type t has atomic number type_numbers[t-1].
inline LammpsData read_lammps_data(const std::string& path, const std::vector<int>& type_numbers) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open LAMMPS data file '" + path + "'");
  return read_lammps_data(in, type_numbers, path);
}

/// Writes a structure as a LAMMPS data file (atom_style atomic, ids 1..N in order). Type t is
/// assigned to atomic number type_numbers[t-1]; every species of the structure must be listed.
/// The cell must be lower-triangular (a along x, b in the xy plane), as LAMMPS requires.
inline void write_lammps_data(std::ostream& out, const Structure& s, const std::vector<int>& type_numbers,
                              const std::string& title = "written by pestle") {
  s.validate();
  const Mat3& c = s.cell;
  const double scale = std::max(1.0, c.cwiseAbs().maxCoeff());
  if (std::abs(c(0, 1)) > 1e-12 * scale || std::abs(c(0, 2)) > 1e-12 * scale || std::abs(c(1, 2)) > 1e-12 * scale)
    throw InputError("write_lammps_data: the cell must be lower-triangular (rotate the structure first)");
  if (!(c(0, 0) > 0 && c(1, 1) > 0 && c(2, 2) > 0))
    throw InputError("write_lammps_data: the cell needs positive diagonal entries");
  std::vector<int> type_of(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto it = std::find(type_numbers.begin(), type_numbers.end(), s.numbers[i]);
    if (it == type_numbers.end())
      throw InputError("write_lammps_data: atomic number " + std::to_string(s.numbers[i]) + " has no LAMMPS type");
    type_of[i] = static_cast<int>(it - type_numbers.begin()) + 1;
  }
  out << title << "\n\n" << std::setprecision(17);
  out << s.size() << " atoms\n" << type_numbers.size() << " atom types\n\n";
  out << 0.0 << ' ' << c(0, 0) << " xlo xhi\n" << 0.0 << ' ' << c(1, 1) << " ylo yhi\n" << 0.0 << ' ' << c(2, 2) << " zlo zhi\n";
  if (c(1, 0) != 0.0 || c(2, 0) != 0.0 || c(2, 1) != 0.0) out << c(1, 0) << ' ' << c(2, 0) << ' ' << c(2, 1) << " xy xz yz\n";
  out << "\nMasses\n\n";
  for (std::size_t t = 0; t < type_numbers.size(); ++t) out << t + 1 << ' ' << atomic_mass(type_numbers[t]) << '\n';
  out << "\nAtoms # atomic\n\n";
  for (std::size_t i = 0; i < s.size(); ++i)
    out << i + 1 << ' ' << type_of[i] << ' ' << s.positions[i][0] << ' ' << s.positions[i][1] << ' ' << s.positions[i][2] << '\n';
}

inline void write_lammps_data(const std::string& path, const Structure& s, const std::vector<int>& type_numbers,
                              const std::string& title = "written by pestle") {
  std::ofstream out(path);
  if (!out) throw InputError("cannot write LAMMPS data file '" + path + "'");
  write_lammps_data(out, s, type_numbers, title);
}

}  // namespace pestle
