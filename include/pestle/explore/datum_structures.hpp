#pragma once
// Datum-derived structures (after Pickard's "datum-derived structures"): random cells are pulled
// towards the atomic environments of one known structure, the datum, by minimising a cost that
// compares every atom's environment fingerprint with the datum's. The result is a start for a
// relaxation with a real potential (AIRSS with a structural prior instead of pure randomness).
//
// Cost of a trial structure s (N atoms, fingerprints F_i) against the datum d (M atoms, F̃_j):
//   c_ij = ln(β |F_i − F̃_j|² / L² + 1)
//   C_i  = −(1/α) ln( (1/M_i) Σ_{j: Z_j = Z_i} exp(−α c_ij) )   (a soft minimum over the datum)
//   C    = (1/N) Σ_i C_i
// Only datum atoms of atom i's species enter C_i (M_i of them). L in the first line: the source
// writes /N² without defining N; pestle takes the fingerprint length (the descriptor's size()),
// so that the scale does not depend on the number of atoms, and lets DatumCostParams::norm_length
// override it. C_i lies between min_j c_ij and the mean of c_ij, so C ≥ 0, and C = 0 exactly
// when every environment of s equals a datum environment for which all of that species' datum
// environments are equal (any one-site crystal reproduces itself with C = 0).
// The soft minimum is evaluated as a log-sum-exp shifted by m_i = min_j c_ij:
//   C_i = m_i − (1/α) ln Σ_j exp(−α (c_ij − m_i)) + (1/α) ln M_i.
//
// Gradient: with the soft-min weights w_ij = exp(−α c_ij) / Σ_k exp(−α c_ik),
//   ∂C_i/∂F_i = Σ_j w_ij · (2β/L²) (F_i − F̃_j) / (1 + β |F_i − F̃_j|²/L²),
// and ∂F_i/∂r_ij from Descriptor::compute_with_derivatives (descriptor.hpp layout) gives, per
// neighbour-list entry n of atom i, g_n = ∂C_i/∂r_n. These are assembled exactly like a many-body
// potential (reference/calculator.hpp): forces −∂/∂r, virial W = −Σ_n r_n ⊗ g_n and the stress
// −W/V of a periodic cell, so the cell can relax too (relax_fire / relax_lbfgs with relax_cell).
//
// As a Calculator (DatumCost::compute), the "energy" is the extensive Σ_i C_i = N·C (per-atom
// energies C_i), not C: then the "forces" on the atoms do not shrink as 1/N and a relaxation's
// fmax and step limits mean the same for any cell size. DatumCost::cost(s) returns C itself.
//
// Default fingerprint (default_datum_descriptor): a small SOAP power spectrum (soap.hpp, QUIP
// convention, normalised, rotation invariant): n_max = 6, l_max = 4, σ = 0.5 Å, cutoff = 2 × the
// datum's shortest interatomic distance (4.7 Å for diamond Si), cosine switch over the last 1 Å,
// one density channel per datum species. Length L = 106 for one species.
//
// generate_datum_structure: a random cell (RandomStructureGenerator) of the requested
// composition at the datum's volume per atom (±volume_spread), with minimum separations
// minsep_factor × the datum's shortest distances per species pair (AIRSS's MINSEP AUTO), minimised
// on the cost with FIRE (positions and, by default, cell). Formulas and defaults: docs/exploration.md.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "pestle/core/dataset.hpp"
#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/descriptors/descriptor.hpp"
#include "pestle/descriptors/soap.hpp"
#include "pestle/dynamics/relax.hpp"
#include "pestle/explore/random_structures.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
#include "pestle/reference/calculator.hpp"

namespace pestle::explore {

/// Parameters of the cost (formulas: header comment).
struct DatumCostParams {
  double alpha = 10.0;        ///< soft-min sharpness α (1/cost units); α → ∞ is the plain minimum
  double beta = 1.0e5;        ///< β: |ΔF|²/L² is scaled by it inside the logarithm
  double norm_length = 0.0;   ///< L of |ΔF|²/L²; 0: the fingerprint length (descriptor size())

  void validate() const {
    if (!(alpha > 0.0) || !std::isfinite(alpha)) throw InputError("datum cost: alpha must be positive and finite");
    if (!(beta > 0.0) || !std::isfinite(beta)) throw InputError("datum cost: beta must be positive and finite");
    if (!(norm_length >= 0.0) || !std::isfinite(norm_length))
      throw InputError("datum cost: norm_length must be >= 0 (0: the fingerprint length)");
  }
};

namespace detail::datum {

/// "the datum" checks shared by the cost and the generator.
inline void check_datum(const Structure& datum) {
  if (datum.empty()) throw InputError("datum-derived structures: the datum has no atoms");
  datum.validate();
}

/// Shortest interatomic distance of a structure (periodic images included), searched up to `reach` Å;
/// +inf when no pair is that close.
inline double shortest_distance(const Structure& s, double reach = 8.0) {
  NeighbourOptions o;
  o.cutoff = reach;
  const NeighbourList nl = build_neighbour_list(s, o);
  double d = std::numeric_limits<double>::infinity();
  for (double r : nl.distance)
    if (r > 0.0) d = std::min(d, r);
  return d;
}

inline std::string species_list(const std::map<int, Eigen::MatrixXd>& by_species) {
  std::string out;
  for (const auto& [z, m] : by_species) {
    if (!out.empty()) out += ", ";
    out += element_symbol(z);
  }
  return out;
}

}  // namespace detail::datum

/// The cost of a trial structure against a datum, with its analytic gradient; a Calculator
/// (energy Σ_i C_i = N·C, forces −∂/∂r, virial and stress), so the relaxations of
/// dynamics/relax.hpp minimise it unchanged.
template <Descriptor D>
class DatumCost {
 public:
  DatumCost(D descriptor, const Structure& datum, DatumCostParams params = {})
      : d_(std::move(descriptor)), p_(params) {
    p_.validate();
    detail::datum::check_datum(datum);
    const std::size_t L = d_.size();
    if (L == 0) throw InputError("datum cost: the descriptor has no features");
    const double n = p_.norm_length > 0.0 ? p_.norm_length : static_cast<double>(L);
    scale_ = p_.beta / (n * n);
    const NeighbourList nl = build_neighbour_list(datum, d_.neighbour_options());
    std::map<int, std::vector<std::size_t>> atoms;
    for (std::size_t i = 0; i < datum.size(); ++i) atoms[datum.numbers[i]].push_back(i);
    auto ws = d_.make_workspace();
    std::vector<double> q(L);
    for (const auto& [z, idx] : atoms) {
      Eigen::MatrixXd rows(Eigen::Index(idx.size()), Eigen::Index(L));
      for (std::size_t k = 0; k < idx.size(); ++k) {
        d_.compute(datum, nl, idx[k], ws, std::span<double>(q));
        for (std::size_t c = 0; c < L; ++c) {
          if (!std::isfinite(q[c]))
            throw InputError("datum cost: the fingerprint of datum atom " + std::to_string(idx[k]) + " is not finite");
          rows(Eigen::Index(k), Eigen::Index(c)) = q[c];
        }
      }
      datum_[z] = std::move(rows);
    }
    datum_atoms_ = datum.size();
  }

  const D& descriptor() const noexcept { return d_; }
  const DatumCostParams& params() const noexcept { return p_; }
  std::size_t datum_atoms() const noexcept { return datum_atoms_; }
  /// β/L², the factor of |ΔF|² inside the logarithm.
  double scale() const noexcept { return scale_; }
  /// The datum's fingerprints of species z, one row per datum atom of that species.
  const Eigen::MatrixXd& datum_fingerprints(int z) const { return datum_.at(z); }
  /// Atomic numbers of the datum, ascending.
  std::vector<int> species() const {
    std::vector<int> z;
    for (const auto& [e, m] : datum_) z.push_back(e);
    return z;
  }

  double cutoff() const { return d_.neighbour_options().cutoff; }

  /// C_i of one fingerprint q of species z, and (if grad is not empty) ∂C_i/∂q into grad.
  double atom_cost(int z, std::span<const double> q, std::span<double> grad = {}) const {
    const auto it = datum_.find(z);
    if (it == datum_.end()) throw InputError(missing(z));
    const Eigen::MatrixXd& F = it->second;
    if (q.size() != std::size_t(F.cols()) || (!grad.empty() && grad.size() != q.size()))
      throw InputError("datum cost: a fingerprint of " + std::to_string(q.size()) + " features (gradient " +
                       std::to_string(grad.size()) + ") against the descriptor's " + std::to_string(F.cols()));
    const auto M = F.rows();
    const Eigen::Map<const Eigen::RowVectorXd> f(q.data(), Eigen::Index(q.size()));
    Eigen::VectorXd c(M), d2(M);
    for (Eigen::Index j = 0; j < M; ++j) {
      d2[j] = (f - F.row(j)).squaredNorm();
      c[j] = std::log1p(scale_ * d2[j]);
    }
    const double m = c.minCoeff();
    Eigen::VectorXd w = (-p_.alpha * (c.array() - m)).exp().matrix();
    const double sum = w.sum();
    const double cost = m - std::log(sum) / p_.alpha + std::log(double(M)) / p_.alpha;
    if (!grad.empty()) {
      w /= sum;
      Eigen::Map<Eigen::RowVectorXd> g(grad.data(), Eigen::Index(grad.size()));
      g.setZero();
      for (Eigen::Index j = 0; j < M; ++j)
        g += (w[j] * 2.0 * scale_ / (1.0 + scale_ * d2[j])) * (f - F.row(j));
    }
    return cost;
  }

  /// Σ_i C_i (energy), C_i (atom_energies), −∂/∂r (forces), virial and, for a periodic cell, stress.
  PotentialResult compute(const Structure& s) const {
    s.validate();
    if (s.empty()) throw InputError("datum cost: the trial structure has no atoms");
    for (std::size_t i = 0; i < s.size(); ++i)
      if (!datum_.count(s.numbers[i])) throw InputError(missing(s.numbers[i]));
    const NeighbourList nl = build_neighbour_list(s, d_.neighbour_options());
    const std::size_t L = d_.size();
    pestle::detail::reference::EntryTerms t(s.size(), nl.pairs(), false);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, s.size(), 4), [&](const tbb::blocked_range<std::size_t>& r) {
      auto ws = d_.make_workspace();
      std::vector<double> q(L), g(L), dq;
      for (std::size_t i = r.begin(); i != r.end(); ++i) {
        dq.resize(nl.count(i) * 3 * L);
        d_.compute_with_derivatives(s, nl, i, ws, std::span<double>(q), std::span<double>(dq));
        t.own_energy[i] = atom_cost(s.numbers[i], q, g);
        for (std::size_t n = 0; n < nl.count(i); ++n) {
          Vec3 gn;
          for (int a = 0; a < 3; ++a) {
            const double* row = dq.data() + (n * 3 + std::size_t(a)) * L;
            double acc = 0.0;
            for (std::size_t c = 0; c < L; ++c) acc += g[c] * row[c];
            gn[a] = acc;
          }
          t.gradient[nl.begin(i) + n] = gn;
        }
      }
    });
    for (std::size_t i = 0; i < s.size(); ++i)
      if (!std::isfinite(t.own_energy[i]))
        throw InputError("datum cost: the cost of atom " + std::to_string(i) +
                         " is not finite (non-finite fingerprint, or alpha/beta out of range)");
    for (std::size_t n = 0; n < t.gradient.size(); ++n)
      if (!t.gradient[n].allFinite()) throw InputError("datum cost: a cost gradient is not finite");
    return pestle::detail::reference::assemble(s, nl, t);
  }

  /// The cost C = (1/N) Σ_i C_i.
  double cost(const Structure& s) const { return compute(s).energy / static_cast<double>(s.size()); }

 private:
  std::string missing(int z) const {
    return "datum cost: the trial structure has " + std::string(element_symbol(z)) +
           ", an element the datum lacks (datum elements: " + detail::datum::species_list(datum_) + ")";
  }

  D d_;
  DatumCostParams p_;
  double scale_ = 0.0;
  std::map<int, Eigen::MatrixXd> datum_;
  std::size_t datum_atoms_ = 0;
};

/// Settings of the default fingerprint (header comment); cutoff 0 = 2 × the datum's shortest distance.
struct DatumSoapSettings {
  double cutoff = 0.0;
  double cutoff_factor = 2.0;    ///< cutoff = cutoff_factor × the datum's shortest distance when cutoff = 0
  double transition_width = 1.0; ///< Å
  int n_max = 6, l_max = 4;
  double atom_sigma = 0.5;       ///< Å
};

/// SOAP parameters of the default fingerprint for this datum.
inline SoapParams datum_soap_params(const Structure& datum, const DatumSoapSettings& set = {}) {
  detail::datum::check_datum(datum);
  SoapParams p;
  double rc = set.cutoff;
  if (!(rc > 0.0)) {
    const double dmin = detail::datum::shortest_distance(datum);
    if (!std::isfinite(dmin))
      throw InputError("datum-derived structures: the datum has no pair closer than 8 Å; give the fingerprint cutoff");
    rc = set.cutoff_factor * dmin;
  }
  p.cutoff = rc;
  p.cutoff_transition_width = std::min(set.transition_width, 0.5 * rc);
  p.n_max = set.n_max;
  p.l_max = set.l_max;
  p.atom_sigma = set.atom_sigma;
  std::vector<int> species(datum.numbers.begin(), datum.numbers.end());
  std::sort(species.begin(), species.end());
  species.erase(std::unique(species.begin(), species.end()), species.end());
  if (species.size() > 1) {
    p.species_Z = species;
    p.central_reference_all_species = false;
  }
  return p;
}

/// The default cost: the datum's small SOAP (datum_soap_params) and the given parameters.
inline DatumCost<Soap<>> default_datum_cost(const Structure& datum, const DatumCostParams& params = {},
                                            const DatumSoapSettings& set = {}) {
  return DatumCost<Soap<>>(Soap<>(datum_soap_params(datum, set)), datum, params);
}

namespace detail::datum {
[[noreturn]] inline void bad_composition(const std::string& text, const std::string& why) {
  throw InputError("composition '" + text + "': " + why + " (write e.g. Si8, Si4C4 or Si:4,C:4)");
}
}  // namespace detail::datum

/// "Si8", "Si4C4", "C4Si4", "Si:8,C:4" or "Si" → atoms per element.
inline CellComposition parse_cell_composition(const std::string& text) {
  const auto bad = [&](const std::string& why) { detail::datum::bad_composition(text, why); };
  CellComposition out;
  std::size_t k = 0;
  const auto count_at = [&](std::size_t& pos) {
    std::size_t end = pos;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end == pos) return 1;
    if (end - pos > 6) bad("an atom count is too large");
    const int n = std::stoi(text.substr(pos, end - pos));
    pos = end;
    return n;
  };
  if (text.empty()) bad("empty");
  while (k < text.size()) {
    if (!std::isupper(static_cast<unsigned char>(text[k]))) bad("expected an element symbol at position " + std::to_string(k));
    std::size_t end = k + 1;
    while (end < text.size() && std::islower(static_cast<unsigned char>(text[end]))) ++end;
    const std::string sym = text.substr(k, end - k);
    const int z = find_atomic_number(sym);
    if (z == 0) bad("unknown element '" + sym + "'");
    k = end;
    if (k < text.size() && text[k] == ':') ++k;
    const int n = count_at(k);
    if (n < 1) bad("every element needs at least one atom");
    out[z] += n;
    if (k < text.size() && text[k] == ',') ++k;
  }
  return out;
}

/// How a datum-derived structure is generated (header comment).
struct DatumGenerateOptions {
  CellComposition composition;   ///< atoms per cell; empty: the datum's own composition
  double volume_spread = 0.1;    ///< V/atom of the random start uniform in the datum's ×[1−s, 1+s]
  double minsep_factor = 0.75;   ///< minimum separations of the start: this × the datum's per pair
  bool relax_cell = true;        ///< minimise over the cell too (else the cell keeps the start's volume)
  double fmax = 1e-3;            ///< cost-gradient tolerance of the minimisation (per atom)
  double stress_tolerance = 1e-5;
  std::size_t max_steps = 1000;  ///< FIRE steps on the cost
  double max_step = 0.2;         ///< Å, FIRE step limit

  void validate() const {
    if (!(volume_spread >= 0.0 && volume_spread < 1.0)) throw InputError("datum generation: volume_spread must lie in [0, 1)");
    if (!(minsep_factor > 0.0) || !std::isfinite(minsep_factor))
      throw InputError("datum generation: minsep_factor must be positive");
    if (!(fmax > 0.0) || !(stress_tolerance > 0.0) || !(max_step > 0.0) || !std::isfinite(fmax) || !std::isfinite(max_step))
      throw InputError("datum generation: fmax, stress_tolerance and max_step must be positive");
    for (const auto& [z, n] : composition)
      if (!is_atomic_number(z) || n < 0)
        throw InputError("datum generation: the composition needs known elements and non-negative counts");
  }
};

/// The random starts of a datum-derived search: the composition (or the datum's), the datum's
/// volume per atom with the spread, minimum separations from the datum (MINSEP AUTO) × minsep_factor.
/// Also the "plain random" baseline of a comparison. InputError for an element the datum lacks.
inline RandomStructureParams datum_random_params(const Structure& datum, const DatumGenerateOptions& o) {
  o.validate();
  detail::datum::check_datum(datum);
  if (!(datum.pbc[0] && datum.pbc[1] && datum.pbc[2]))
    throw InputError("datum-derived structures: the datum must be periodic along all three axes (its density sets the volume)");
  std::map<int, int> own;
  for (int z : datum.numbers) ++own[z];
  CellComposition comp;
  for (const auto& [z, n] : o.composition)
    if (n > 0) comp[z] = n;
  if (comp.empty()) comp = own;
  for (const auto& [z, n] : comp)
    if (!own.count(z))
      throw InputError("datum-derived structures: the composition has " + std::string(element_symbol(z)) +
                       ", an element the datum lacks");
  RandomStructureParams p;
  int total = 0;
  for (const auto& [z, n] : comp) total += n;
  p.composition = comp;  // one formula unit = the whole cell
  p.min_atoms = p.max_atoms = total;
  p.volume_per_atom = datum.volume() / static_cast<double>(datum.size());
  p.volume_spread = o.volume_spread;
  Dataset known;
  known.push_back(Frame{datum, {}, {}});
  const auto seps = measured_min_separations(known, o.minsep_factor, 8.0);
  double dmin = std::numeric_limits<double>::infinity();
  for (const auto& [pair, d] : seps) dmin = std::min(dmin, d);
  if (!std::isfinite(dmin)) throw InputError("datum-derived structures: the datum has no pair closer than 8 Å");
  p.min_separation = dmin;
  p.pair_min_separation = seps;
  return p;
}

/// One datum-derived structure and how its minimisation went.
struct DatumStructure {
  Structure structure;        ///< the minimised cell
  double initial_cost = 0.0;  ///< C of the random start
  double cost = 0.0;          ///< C after the minimisation
  std::size_t steps = 0;
  bool converged = false;
};

/// Structure k of the search with this seed (depends only on (seed, k)): a random start
/// (datum_random_params) minimised on `cost` with FIRE. The caller relaxes it with a real potential.
template <Descriptor D>
DatumStructure generate_datum_structure(const DatumCost<D>& cost, const Structure& datum, const DatumGenerateOptions& o,
                                        std::uint64_t seed, std::uint64_t k = 0) {
  const RandomStructureParams rp = datum_random_params(datum, o);
  const std::vector<int> covered = cost.species();
  for (const auto& [z, n] : rp.composition)
    if (n > 0 && !std::binary_search(covered.begin(), covered.end(), z))
      throw InputError("datum-derived structures: the cost's datum lacks " + std::string(element_symbol(z)));
  const RandomStructureGenerator gen({rp}, seed);
  Structure start = gen.generate(k);
  DatumStructure out;
  out.initial_cost = cost.cost(start);
  RelaxOptions ro;
  ro.fmax = o.fmax;
  ro.stress_tolerance = o.stress_tolerance;
  ro.max_steps = o.max_steps;
  ro.max_step = o.max_step;
  ro.relax_cell = o.relax_cell;
  const RelaxResult r = relax_fire(cost, std::move(start), ro);
  out.structure = r.structure;
  out.cost = r.result.energy / static_cast<double>(r.structure.size());
  out.steps = r.steps;
  out.converged = r.converged;
  if (!std::isfinite(out.cost)) throw InputError("datum-derived structures: the minimised cost is not finite");
  return out;
}

/// The same with the default SOAP cost of the datum.
inline DatumStructure generate_datum_structure(const Structure& datum, const DatumGenerateOptions& o, std::uint64_t seed,
                                               std::uint64_t k = 0, const DatumCostParams& params = {}) {
  return generate_datum_structure(default_datum_cost(datum, params), datum, o, seed, k);
}

}  // namespace pestle::explore
