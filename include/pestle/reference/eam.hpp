#pragma once
// Embedded-atom method with LAMMPS `pair_style eam` (funcfl files, one per element, e.g.
// Cu_u3.eam) and `pair_style eam/alloy` (setfl files, e.g. CuNi.eam.alloy) semantics.
// Formulas, file formats and the interpolation: docs/reference-potentials.md.
//
//   E = Σ_i F_{a_i}(ρ_i) + ½ Σ_i Σ_{j≠i} φ_{a_i a_j}(r_ij),   ρ_i = Σ_{j≠i} ρ_{a_j}(r_ij)
//
// The tabulated functions F(ρ), ρ(r) and r·φ(r) are interpolated exactly as LAMMPS does, so
// that the numbers agree to round-off: each table becomes a piecewise cubic whose slopes at
// the grid points are 5-point finite differences (one-sided at the ends), evaluated at
// p = x/Δ + 1 with the interval index clamped to the table. Beyond the last density point F is
// continued linearly. funcfl files tabulate Z(r) in units of sqrt(Hartree·Bohr); the pair
// function is then φ(r) = 27.2·0.529·Z_a(r)·Z_b(r)/r (LAMMPS's constants), and several funcfl
// files are first brought onto one common grid by 4-point Lagrange interpolation as LAMMPS does.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "pestle/reference/calculator.hpp"
#include "pestle/reference/param_file.hpp"

namespace pestle {

namespace detail::reference {

/// A tabulated function on x_m = m·Δ (m = 0..n−1) with LAMMPS's cubic interpolation.
class EamSpline {
 public:
  EamSpline() = default;
  EamSpline(const std::vector<double>& f, double delta) : delta_(delta), c_(f.size()) {
    const std::size_t n = f.size();
    if (n < 5) throw InputError("an EAM table needs at least 5 points");
    for (std::size_t m = 0; m < n; ++m) c_[m][6] = f[m];
    c_[0][5] = f[1] - f[0];
    c_[1][5] = 0.5 * (f[2] - f[0]);
    c_[n - 2][5] = 0.5 * (f[n - 1] - f[n - 3]);
    c_[n - 1][5] = f[n - 1] - f[n - 2];
    for (std::size_t m = 2; m + 2 < n; ++m) c_[m][5] = ((f[m - 2] - f[m + 2]) + 8.0 * (f[m + 1] - f[m - 1])) / 12.0;
    for (std::size_t m = 0; m + 1 < n; ++m) {
      c_[m][4] = 3.0 * (f[m + 1] - f[m]) - 2.0 * c_[m][5] - c_[m + 1][5];
      c_[m][3] = c_[m][5] + c_[m + 1][5] - 2.0 * (f[m + 1] - f[m]);
    }
    c_[n - 1][4] = 0.0;
    c_[n - 1][3] = 0.0;
    for (auto& c : c_) {
      c[2] = c[5] / delta;
      c[1] = 2.0 * c[4] / delta;
      c[0] = 3.0 * c[3] / delta;
    }
  }

  /// Interval (0-based) and offset of x for the radial tables (index clamped above).
  struct Point {
    std::size_t m;
    double p;
  };
  Point locate_radial(double x) const {
    double p = x / delta_ + 1.0;
    int m = std::min(static_cast<int>(p), int(c_.size()) - 1);
    p -= m;
    return {std::size_t(m - 1), std::min(p, 1.0)};
  }
  /// Same for the embedding table, whose index is also clamped below.
  Point locate_density(double rho) const {
    double p = rho / delta_ + 1.0;
    int m = std::max(1, std::min(static_cast<int>(p), int(c_.size()) - 1));
    p -= m;
    return {std::size_t(m - 1), std::min(p, 1.0)};
  }
  double value(Point a) const {
    const auto& c = c_[a.m];
    return ((c[3] * a.p + c[4]) * a.p + c[5]) * a.p + c[6];
  }
  double derivative(Point a) const {
    const auto& c = c_[a.m];
    return (c[0] * a.p + c[1]) * a.p + c[2];
  }

 private:
  double delta_ = 1.0;
  std::vector<std::array<double, 7>> c_;
};

/// One funcfl file as read.
struct Funcfl {
  int z = 0;
  double mass = 0;
  long nrho = 0, nr = 0;
  double drho = 0, dr = 0, cut = 0;
  std::vector<double> frho, zr, rhor;
};

/// 4-point Lagrange interpolation of a table (spacing dx) at x, with LAMMPS's index clamps.
inline double regrid_value(const std::vector<double>& f, double dx, double x) {
  const long n = long(f.size());
  double p = x / dx + 1.0;
  long k = static_cast<long>(p);
  k = std::max(std::min(k, n - 2), 2L);
  p -= double(k);
  p = std::min(p, 2.0);
  const double sixth = 1.0 / 6.0;
  const double c1 = -sixth * p * (p - 1.0) * (p - 2.0);
  const double c2 = 0.5 * (p * p - 1.0) * (p - 2.0);
  const double c3 = -0.5 * p * (p + 1.0) * (p - 2.0);
  const double c4 = sixth * p * (p * p - 1.0);
  // f is 0-based; LAMMPS's 1-based f[k-1..k+2] are f[k-2..k+1] here
  const auto at = [&](long q) { return f[std::size_t(q - 1)]; };
  return c1 * at(k - 1) + c2 * at(k) + c3 * at(k + 1) + c4 * at(k + 2);
}

}  // namespace detail::reference

class Eam {
 public:
  /// pair_style eam: one funcfl file per element (the element is the atomic number in the file).
  static Eam from_funcfl(const std::vector<std::string>& paths) {
    if (paths.empty()) throw InputError("EAM: no funcfl file given");
    std::vector<detail::reference::Funcfl> files;
    for (const auto& p : paths) files.push_back(read_funcfl(p));
    return funcfl_tables(files, paths.front());
  }
  static Eam from_funcfl(const std::string& path) { return from_funcfl(std::vector<std::string>{path}); }

  /// pair_style eam/alloy: one setfl file for all its elements.
  static Eam from_setfl(const std::string& path) {
    using namespace detail::reference;
    const auto lines = read_lines(path, "EAM setfl");
    if (lines.size() < 5) throw ParseError(path, lines.size(), "a setfl file needs 3 comment lines and 2 header lines");
    WordStream head(words_of(lines, 3, false), path, lines.size());
    const long nel = head.integer("the number of elements");
    if (nel < 1) throw ParseError(path, 4, "the number of elements must be positive");
    Eam e;
    e.source_ = path;
    for (long k = 0; k < nel; ++k) {
      const Word& w = head.next("an element symbol");
      const int z = element_at(w, path);
      if (e.species_.find(z) >= 0) throw ParseError(path, w.line, "element " + w.text + " is listed twice");
      e.species_.add(z);
    }
    const long nrho = head.integer("Nrho");
    const double drho = head.real("drho");
    const long nr = head.integer("Nr");
    const double dr = head.real("dr");
    e.cut_ = head.real("the cutoff");
    if (nrho < 5 || nr < 5 || !(drho > 0) || !(dr > 0) || !(e.cut_ > 0))
      throw ParseError(path, 5, "Nrho and Nr must be >= 5 and drho, dr, cutoff positive");
    e.rhomax_ = double(nrho - 1) * drho;
    for (long k = 0; k < nel; ++k) {
      const std::string el(element_symbol(e.species_.number(std::size_t(k))));
      const auto el_head = head.line(2, "the header line of " + el + " (atomic number, mass, ...)");
      integer_at(el_head[0], path, "the atomic number of " + el);
      real_at(el_head[1], path, "the mass of " + el);
      e.frho_.emplace_back(head.reals(std::size_t(nrho), "F(rho) of " + el), drho);
      e.rhor_.emplace_back(head.reals(std::size_t(nr), "rho(r) of " + el), dr);
    }
    for (long a = 0; a < nel; ++a)
      for (long b = 0; b <= a; ++b) e.z2r_.emplace_back(head.reals(std::size_t(nr), "r*phi(r)"), dr);
    if (!head.done())
      throw ParseError(path, lines.size(), std::to_string(head.remaining()) + " numbers left over after the tables");
    return e;
  }

  double cutoff() const noexcept { return cut_; }
  const std::vector<int>& elements() const noexcept { return species_.numbers(); }

  PotentialResult compute(const Structure& s) const {
    const std::vector<int> species = species_.of(s, "the EAM potential (" + source_ + ")");
    NeighbourOptions o;
    o.cutoff = cut_;
    const NeighbourList nl = build_neighbour_list(s, o);
    detail::reference::EntryTerms t(s.size(), nl.pairs(), false);
    std::vector<double> fprime(s.size());
    detail::reference::for_each_atom(s.size(), [&](std::size_t i) { embedding(i, species, nl, t, fprime); });
    detail::reference::for_each_atom(s.size(), [&](std::size_t i) { pair_terms(i, species, nl, t, fprime); });
    return detail::reference::assemble(s, nl, t);
  }

 private:
  static detail::reference::Funcfl read_funcfl(const std::string& path) {
    using namespace detail::reference;
    const auto lines = read_lines(path, "EAM funcfl");
    if (lines.size() < 3) throw ParseError(path, lines.size(), "a funcfl file needs a comment line and 2 header lines");
    // line 2: atomic number and mass (a lattice constant and type may follow, unused);
    // line 3: Nrho drho Nr dr cutoff; then the tables, free format
    WordStream in(words_of(lines, 1, false), path, lines.size());
    const auto head = in.line(2, "line 2 (atomic number, mass)");
    Funcfl f;
    const long z = integer_at(head[0], path, "the atomic number");
    if (!is_atomic_number(int(z))) throw ParseError(path, 2, "atomic number " + std::to_string(z) + " is not an element");
    f.z = int(z);
    f.mass = real_at(head[1], path, "the mass");
    const auto grid = in.line(5, "line 3 (Nrho drho Nr dr cutoff)");
    f.nrho = integer_at(grid[0], path, "Nrho");
    f.drho = real_at(grid[1], path, "drho");
    f.nr = integer_at(grid[2], path, "Nr");
    f.dr = real_at(grid[3], path, "dr");
    f.cut = real_at(grid[4], path, "the cutoff");
    // (LAMMPS's common grid drops the last point, and the spline needs 5)
    if (f.nrho < 6 || f.nr < 6 || !(f.drho > 0) || !(f.dr > 0) || !(f.cut > 0))
      throw ParseError(path, 3, "Nrho and Nr must be >= 6 and drho, dr, cutoff positive");
    f.frho = in.reals(std::size_t(f.nrho), "F(rho)");
    f.zr = in.reals(std::size_t(f.nr), "Z(r)");
    f.rhor = in.reals(std::size_t(f.nr), "rho(r)");
    if (!in.done()) throw ParseError(path, lines.size(), std::to_string(in.remaining()) + " numbers left over after the tables");
    return f;
  }

  /// LAMMPS's common grid for funcfl files: the largest spacings, and as many points as fit the
  /// largest table range (rounded: Nr−1 points for a single file).
  static Eam funcfl_tables(const std::vector<detail::reference::Funcfl>& files, const std::string& source) {
    using detail::reference::regrid_value;
    Eam e;
    e.source_ = source;
    double dr = 0, drho = 0, rmax = 0, rhomax = 0;
    for (const auto& f : files) {
      if (e.species_.find(f.z) >= 0)
        throw InputError("EAM: two funcfl files for " + std::string(element_symbol(f.z)));
      e.species_.add(f.z);
      dr = std::max(dr, f.dr);
      drho = std::max(drho, f.drho);
      rmax = std::max(rmax, double(f.nr - 1) * f.dr);
      rhomax = std::max(rhomax, double(f.nrho - 1) * f.drho);
      e.cut_ = std::max(e.cut_, f.cut);
    }
    const auto nr = static_cast<std::size_t>(rmax / dr + 0.5);
    const auto nrho = static_cast<std::size_t>(rhomax / drho + 0.5);
    e.rhomax_ = rhomax;
    std::vector<double> v;
    for (const auto& f : files) {
      v.assign(nrho, 0.0);
      for (std::size_t m = 0; m < nrho; ++m) v[m] = regrid_value(f.frho, f.drho, double(m) * drho);
      e.frho_.emplace_back(v, drho);
      v.assign(nr, 0.0);
      for (std::size_t m = 0; m < nr; ++m) v[m] = regrid_value(f.rhor, f.dr, double(m) * dr);
      e.rhor_.emplace_back(v, dr);
    }
    for (std::size_t a = 0; a < files.size(); ++a)
      for (std::size_t b = 0; b <= a; ++b) {
        v.assign(nr, 0.0);
        for (std::size_t m = 0; m < nr; ++m) {
          const double r = double(m) * dr;
          v[m] = 27.2 * 0.529 * regrid_value(files[a].zr, files[a].dr, r) * regrid_value(files[b].zr, files[b].dr, r);
        }
        e.z2r_.emplace_back(v, dr);
      }
    return e;
  }

  const detail::reference::EamSpline& pair_table(std::size_t a, std::size_t b) const {
    if (a < b) std::swap(a, b);
    return z2r_[a * (a + 1) / 2 + b];
  }

  /// ρ_i, F(ρ_i) (into the atom's energy) and F'(ρ_i).
  void embedding(std::size_t i, const std::vector<int>& species, const NeighbourList& nl,
                 detail::reference::EntryTerms& t, std::vector<double>& fprime) const {
    double rho = 0.0;
    for (std::size_t n = nl.begin(i); n != nl.end(i); ++n) {
      const auto& table = rhor_[std::size_t(species[std::size_t(nl.index[n])])];
      rho += table.value(table.locate_radial(nl.distance[n]));
    }
    const auto& f = frho_[std::size_t(species[i])];
    const auto at = f.locate_density(rho);
    fprime[i] = f.derivative(at);
    double energy = f.value(at);
    if (rho > rhomax_) energy += fprime[i] * (rho - rhomax_);
    t.own_energy[i] += energy;
  }

  /// dE/dd_ij from i's side: F'_i ρ'_{a_j}(r) + ½ φ'(r); plus ½ φ(r) into the atom's energy.
  void pair_terms(std::size_t i, const std::vector<int>& species, const NeighbourList& nl,
                  detail::reference::EntryTerms& t, const std::vector<double>& fprime) const {
    const auto si = std::size_t(species[i]);
    for (std::size_t n = nl.begin(i); n != nl.end(i); ++n) {
      const auto sj = std::size_t(species[std::size_t(nl.index[n])]);
      const double r = nl.distance[n];
      const auto& rho_j = rhor_[sj];
      const auto& z2 = pair_table(si, sj);
      const auto at = rho_j.locate_radial(r);  // all radial tables share one grid
      const double phi = z2.value(at) / r;
      const double phi_d = z2.derivative(at) / r - phi / r;
      t.own_energy[i] += 0.5 * phi;
      t.gradient[n] += (fprime[i] * rho_j.derivative(at) + 0.5 * phi_d) * (nl.displacement[n] / r);
    }
  }

  detail::reference::SpeciesMap species_;
  std::vector<detail::reference::EamSpline> frho_, rhor_, z2r_;  ///< per element, per element, per pair (a ≥ b)
  double cut_ = 0.0, rhomax_ = 0.0;
  std::string source_;
};

}  // namespace pestle
