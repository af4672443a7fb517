#pragma once
// An ACE basis in precontracted ("C-tilde") form, the one representation pestle evaluates
// (docs/ace.md §3). For a central atom of species μ0 every basis function ν of rank r is
//   B_ν = Re Σ_{m-combinations} c̃_{ν,m,p} Π_{t=1..r} A_{μ_t n_t l_t m_t}
// where A_{μ n l m} = Σ_{j of species μ} R_nl(r_ij) Y_lm(r̂_ij) is the atomic base (rank 1 uses
// the radial base g_k directly: A_{μ k} = Σ_j g_k(r_ij), Y_00 = 1). Each m-combination carries
// one coefficient per output column p (a density of a nonlinear model, or a single column
// for a linear model, or one column per B function for a design matrix).
// Coupling coefficients (generalised Clebsch–Gordan) are already folded into c̃, so the same
// type holds pacemaker's files and pestle's own generated bases (ace_coupling.hpp).
#include <cstdlib>
#include <string>
#include <vector>

#include "pestle/core/error.hpp"
#include "pestle/descriptors/ace_radial.hpp"

namespace pestle {

struct AceBasisFunction {
  int rank = 1;
  std::vector<int> mus;     ///< neighbour species index per factor
  std::vector<int> ns;      ///< 0-based: g_k index for rank 1, R_n index for rank > 1
  std::vector<int> ls;      ///< l per factor (all 0 for rank 1)
  std::vector<int> ms;      ///< m-combinations, num_ms() × rank
  std::vector<double> coeffs;  ///< num_ms() × columns, or num_ms() when column >= 0
  /// -1: coeffs is dense (every m-combination holds all columns: files, contracted models).
  /// >= 0: the function feeds this one column only and coeffs holds one value per m-combination
  /// (a generated B basis, one column per function, where dense storage would be ~all zeros).
  int column = -1;

  std::size_t num_ms() const noexcept { return rank > 0 ? ms.size() / std::size_t(rank) : 0; }

  /// Calls visit(column, value) for every non-zero coefficient of m-combination k.
  template <class Visit>
  void visit_coeffs(std::size_t k, std::size_t columns, Visit&& visit) const {
    if (column >= 0) {
      if (coeffs[k] != 0.0) visit(std::size_t(column), coeffs[k]);
      return;
    }
    for (std::size_t c = 0; c < columns; ++c)
      if (coeffs[k * columns + c] != 0.0) visit(c, coeffs[k * columns + c]);
  }
  /// The coefficient of m-combination k in column c.
  double coeff(std::size_t k, std::size_t c, std::size_t columns) const {
    if (column >= 0) return std::size_t(column) == c ? coeffs[k] : 0.0;
    return coeffs[k * columns + c];
  }
  /// The same function with dense coefficients (what the file writers store).
  AceBasisFunction dense(std::size_t columns) const {
    if (column < 0) return *this;
    AceBasisFunction d = *this;
    d.column = -1;
    d.coeffs.assign(num_ms() * columns, 0.0);
    for (std::size_t k = 0; k < num_ms(); ++k) d.coeffs[k * columns + std::size_t(column)] = coeffs[k];
    return d;
  }
};

struct AceBasisSet {
  std::vector<int> elements;  ///< atomic number of each species index
  int lmax = 0;
  int columns = 1;            ///< coefficients per m-combination (densities)
  AceRadialBasis radial;
  double spline_delta = 0.001;  ///< Å, spacing of the radial lookup table
  std::vector<std::vector<AceBasisFunction>> functions;  ///< per central species

  int nelements() const noexcept { return int(elements.size()); }

  /// InputError naming the first inconsistency (sizes, indices out of range, m out of [-l, l]).
  void validate() const {
    if (elements.empty()) throw InputError("ACE basis: no elements");
    if (radial.nelements != nelements()) throw InputError("ACE basis: radial basis has a different number of elements");
    if (radial.lmax != lmax) throw InputError("ACE basis: radial lmax differs from the basis lmax");
    if (columns < 1) throw InputError("ACE basis: at least one coefficient column is needed");
    if (functions.size() != elements.size()) throw InputError("ACE basis: need one function list per element");
    radial.validate();
    for (std::size_t mu0 = 0; mu0 < functions.size(); ++mu0)
      for (std::size_t f = 0; f < functions[mu0].size(); ++f) check(functions[mu0][f], mu0, f);
  }

 private:
  void check(const AceBasisFunction& fn, std::size_t mu0, std::size_t f) const {
    const std::string where = "ACE basis: function " + std::to_string(f) + " of element " + std::to_string(mu0) + ": ";
    const auto r = std::size_t(fn.rank);
    if (fn.rank < 1 || fn.mus.size() != r || fn.ns.size() != r || fn.ls.size() != r)
      throw InputError(where + "rank and the lengths of mu, n, l differ");
    if (fn.column >= columns) throw InputError(where + "column out of range");
    const std::size_t per_m = fn.column >= 0 ? 1 : std::size_t(columns);
    if (fn.ms.size() % r != 0 || fn.coeffs.size() != fn.num_ms() * per_m)
      throw InputError(where + "m-combinations and coefficients do not match");
    for (std::size_t t = 0; t < r; ++t) {
      if (fn.mus[t] < 0 || fn.mus[t] >= nelements()) throw InputError(where + "species index out of range");
      const int nmax = fn.rank == 1 ? radial.nradbase : radial.nradmax;
      if (fn.ns[t] < 0 || fn.ns[t] >= nmax) throw InputError(where + "n out of range");
      if (fn.ls[t] < 0 || fn.ls[t] > lmax || (fn.rank == 1 && fn.ls[t] != 0)) throw InputError(where + "l out of range");
    }
    for (std::size_t k = 0; k < fn.ms.size(); ++k)
      if (std::abs(fn.ms[k]) > fn.ls[k % r]) throw InputError(where + "|m| > l in an m-combination");
  }
};

}  // namespace pestle
