#pragma once
// Design-matrix assembly for models linear in their parameters (Linear, Quadratic).
//
// Columns, per species s of the model (in model order), 1 + P each:
//   [N_s, Σ_{i of s} φ(q_i)]     (β₀ column: atom count; then the expanded features)
// Rows per structure (when the label exists):
//   energy    1 row: target E - Σ_i e0(Z_i)  (optionally both divided by N: per_atom_energy)
//   forces    3N rows: column -∂/∂r_k,d of the sums above, target F_k,d
//   virial    6 rows (Voigt xx yy zz yz xz xy), fully periodic structures with stress or virial:
//             column -Σ_ij (r_ij)_a ∂φ(q_i)/∂(r_ij)_b, target -V·stress_ab
// Row weight w (multiplies the residual) = quantity weight × config_type multiplier × Labels::weight.
// The config_type multiplier is looked up by the structure's family (include/pestle/core/families.hpp):
// its config_type, or for a structure without one "slab"/"bulk" by the vacuum rule, so unlabelled
// data (the Zuo 2020 files) can still weight its surfaces.
// Derivatives come from the descriptor's compute_with_derivatives (layout in descriptor.hpp)
// and the feature map's product rule. Structures are assembled in parallel (oneTBB) in blocks;
// each block is handed to the sink in data-set order, so the fit is independent of scheduling.
#include <cmath>
#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "pestle/core/dataset.hpp"
#include "pestle/core/families.hpp"
#include "pestle/core/error.hpp"
#include "pestle/descriptors/descriptor.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

struct FitWeights {
  double energy = 1.0;  ///< eweight
  double force = 1.0;   ///< fweight
  double virial = 1.0;  ///< vweight
  std::map<std::string, double> config_type;  ///< multiplier per config_type (missing: 1)
  bool per_atom_energy = false;  ///< energy rows as E/N (target and columns divided by N)

  double group(const std::string& config_type_name) const {
    auto it = config_type.find(config_type_name);
    return it == config_type.end() ? 1.0 : it->second;
  }
  /// The multiplier of a frame's family (see the file comment).
  double group(const Frame& f) const { return config_type.empty() ? 1.0 : group(structure_family(f)); }
  void validate() const {
    for (double w : {energy, force, virial})
      if (!(w >= 0.0) || !std::isfinite(w)) throw InputError("fit weights must be finite and >= 0");
    for (const auto& [name, w] : config_type)
      if (!(w >= 0.0) || !std::isfinite(w))
        throw InputError("weight of config_type '" + name + "' must be finite and >= 0");
  }
};

struct DesignOptions {
  FitWeights weights;
  std::map<int, double> reference_energies;  ///< e0 per atomic number, eV (missing: 0)
  std::size_t structures_per_block = 32;     ///< structures assembled in parallel per block

  double e0(int z) const {
    auto it = reference_energies.find(z);
    return it == reference_energies.end() ? 0.0 : it->second;
  }
};

enum class RowKind : unsigned char { energy, force, virial };

/// Rows of one structure (or several): A β ≈ b with residual weights w.
struct RowBlock {
  Eigen::MatrixXd A;
  Eigen::VectorXd b, w;
  std::vector<RowKind> kind;
  std::size_t frame = 0;  ///< index of the structure in the data set
};

/// Column layout: species in model order, each with [β₀, φ_0..φ_{P-1}].
struct DesignLayout {
  std::vector<int> species;
  std::size_t parameters = 0;  ///< P (without β₀)

  std::size_t per_species() const noexcept { return 1 + parameters; }
  std::size_t columns() const noexcept { return species.size() * per_species(); }
  int species_index(int z) const noexcept {
    for (std::size_t s = 0; s < species.size(); ++s)
      if (species[s] == z) return static_cast<int>(s);
    return -1;
  }
};

namespace detail {

inline constexpr int voigt_a[6] = {0, 1, 2, 1, 0, 0};
inline constexpr int voigt_b[6] = {0, 1, 2, 2, 2, 1};

inline void check_labels(const Frame& f, std::size_t k) {
  const std::string where = "structure " + std::to_string(k);
  if (f.labels.energy && !std::isfinite(*f.labels.energy)) throw InputError(where + ": energy label is not finite");
  if (f.labels.forces) {
    if (f.labels.forces->size() != f.size())
      throw InputError(where + ": " + std::to_string(f.labels.forces->size()) + " force labels for " +
                       std::to_string(f.size()) + " atoms");
    for (const Vec3& v : *f.labels.forces)
      if (!v.allFinite()) throw InputError(where + ": a force label is not finite");
  }
  if (f.labels.stress && !f.labels.stress->allFinite()) throw InputError(where + ": stress label is not finite");
  if (f.labels.virial && !f.labels.virial->allFinite()) throw InputError(where + ": virial label is not finite");
  if (!(f.labels.weight >= 0.0) || !std::isfinite(f.labels.weight))
    throw InputError(where + ": weight must be finite and >= 0");
}

}  // namespace detail

/// Per-thread scratch of the assembly.
template <class D>
struct DesignScratch {
  typename D::Workspace ws;
  std::vector<double> q, dq, phi, dphi;
};

/// The rows of one labelled structure. Map is the model's feature map (LinearMap, QuadraticMap).
template <class Map, Descriptor D>
RowBlock structure_rows(const D& d, const Frame& f, std::size_t frame_index, const DesignLayout& layout,
                        const DesignOptions& opt, DesignScratch<D>& scratch) {
  const Structure& s = f.structure;
  s.validate();
  detail::check_labels(f, frame_index);
  const std::size_t natoms = s.size(), nq = d.size(), P = layout.parameters, per = layout.per_species();
  std::vector<int> sp(natoms);
  for (std::size_t i = 0; i < natoms; ++i) {
    sp[i] = layout.species_index(s.numbers[i]);
    if (sp[i] < 0)
      throw InputError("structure " + std::to_string(frame_index) + " contains " +
                       std::string(element_symbol(s.numbers[i])) + ", which is not among the fitted species");
  }
  const double base = f.labels.weight * opt.weights.group(f);
  const bool periodic = s.pbc[0] && s.pbc[1] && s.pbc[2] && s.volume() > 0.0;
  const std::optional<Mat3> stress = periodic ? f.labels.stress_or_from_virial(s.volume()) : std::nullopt;
  const bool has_e = f.labels.energy.has_value(), has_f = f.labels.forces.has_value(), has_v = stress.has_value();
  const std::size_t rows = (has_e ? 1 : 0) + (has_f ? 3 * natoms : 0) + (has_v ? 6 : 0);
  const std::size_t row_f = has_e ? 1 : 0, row_v = row_f + (has_f ? 3 * natoms : 0);

  RowBlock blk;
  blk.frame = frame_index;
  blk.A = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(layout.columns()));
  blk.b.resize(static_cast<Eigen::Index>(rows));
  blk.w.resize(static_cast<Eigen::Index>(rows));
  blk.kind.resize(rows);
  if (rows == 0) return blk;

  const NeighbourList nl = build_neighbour_list(s, d.neighbour_options());
  scratch.q.resize(nq);
  scratch.phi.resize(P);
  scratch.dphi.resize(P);
  const double energy_scale = opt.weights.per_atom_energy ? 1.0 / static_cast<double>(natoms) : 1.0;
  for (std::size_t i = 0; i < natoms; ++i) {
    const auto c0 = static_cast<Eigen::Index>(static_cast<std::size_t>(sp[i]) * per);
    const std::size_t nn = nl.count(i);
    scratch.dq.resize(std::max<std::size_t>(1, nn * 3 * nq));
    d.compute_with_derivatives(s, nl, i, scratch.ws, scratch.q, std::span<double>(scratch.dq.data(), nn * 3 * nq));
    if (has_e) {
      Map::expand(scratch.q, scratch.phi);
      blk.A(0, c0) += energy_scale;
      for (std::size_t p = 0; p < P; ++p) blk.A(0, c0 + 1 + static_cast<Eigen::Index>(p)) += energy_scale * scratch.phi[p];
    }
    if (!has_f && !has_v) continue;
    for (std::size_t n = 0; n < nn; ++n) {
      const std::size_t e = nl.begin(i) + n, j = static_cast<std::size_t>(nl.index[e]);
      const Vec3& rij = nl.displacement[e];
      for (int dim = 0; dim < 3; ++dim) {
        const std::span<const double> dqd(scratch.dq.data() + (n * 3 + static_cast<std::size_t>(dim)) * nq, nq);
        Map::expand_derivative(scratch.q, dqd, scratch.dphi);  // ∂φ(q_i)/∂(r_ij)_dim
        const Eigen::Map<const Eigen::RowVectorXd> g(scratch.dphi.data(), static_cast<Eigen::Index>(P));
        if (has_f) {
          // ∂q_i/∂r_j = +dq, ∂q_i/∂r_i = -dq; the row holds -∂/∂r
          const auto ri = static_cast<Eigen::Index>(row_f + 3 * i + static_cast<std::size_t>(dim));
          const auto rj = static_cast<Eigen::Index>(row_f + 3 * j + static_cast<std::size_t>(dim));
          blk.A.row(ri).segment(c0 + 1, static_cast<Eigen::Index>(P)) += g;
          blk.A.row(rj).segment(c0 + 1, static_cast<Eigen::Index>(P)) -= g;
        }
        if (has_v)
          for (int v = 0; v < 6; ++v)
            if (detail::voigt_b[v] == dim)
              blk.A.row(static_cast<Eigen::Index>(row_v) + v).segment(c0 + 1, static_cast<Eigen::Index>(P)) -=
                  rij[detail::voigt_a[v]] * g;
      }
    }
  }
  if (has_e) {
    double e = *f.labels.energy;
    for (int z : s.numbers) e -= opt.e0(z);
    blk.b[0] = e * energy_scale;
    blk.w[0] = base * opt.weights.energy;
    blk.kind[0] = RowKind::energy;
  }
  if (has_f)
    for (std::size_t k = 0; k < natoms; ++k)
      for (int dim = 0; dim < 3; ++dim) {
        const std::size_t r = row_f + 3 * k + static_cast<std::size_t>(dim);
        blk.b[static_cast<Eigen::Index>(r)] = (*f.labels.forces)[k][dim];
        blk.w[static_cast<Eigen::Index>(r)] = base * opt.weights.force;
        blk.kind[r] = RowKind::force;
      }
  if (has_v) {
    const Mat3 virial = -s.volume() * *stress;
    for (int v = 0; v < 6; ++v) {
      const std::size_t r = row_v + static_cast<std::size_t>(v);
      blk.b[static_cast<Eigen::Index>(r)] = virial(detail::voigt_a[v], detail::voigt_b[v]);
      blk.w[static_cast<Eigen::Index>(r)] = base * opt.weights.virial;
      blk.kind[r] = RowKind::virial;
    }
  }
  return blk;
}

/// Assembles the rows of every structure of the data set and hands them to
/// sink(const RowBlock&) one structure at a time, in data-set order. Structures are
/// computed in parallel, structures_per_block at a time, so at most that many
/// structures' rows are in memory at once.
template <class Map, Descriptor D, class Sink>
void assemble_design(const D& d, const Dataset& data, const DesignLayout& layout, const DesignOptions& opt,
                     Sink&& sink) {
  opt.weights.validate();
  if (layout.species.empty()) throw InputError("design matrix needs at least one species");
  tbb::enumerable_thread_specific<DesignScratch<D>> scratch([&] { return DesignScratch<D>{d.make_workspace(), {}, {}, {}, {}}; });
  const std::size_t block = std::max<std::size_t>(1, opt.structures_per_block);
  std::vector<RowBlock> rows;
  for (std::size_t start = 0; start < data.size(); start += block) {
    const std::size_t stop = std::min(data.size(), start + block);
    rows.assign(stop - start, RowBlock{});
    tbb::parallel_for(start, stop, [&](std::size_t k) {
      // isolate: while this thread waits inside a nested parallel loop (the neighbour search)
      // it must not pick up another structure that would share its scratch
      tbb::this_task_arena::isolate(
          [&] { rows[k - start] = structure_rows<Map>(d, data[k], k, layout, opt, scratch.local()); });
    });
    for (const RowBlock& r : rows) sink(r);
  }
}

/// The whole design matrix in memory (small data sets, tests, inspection).
template <class Map, Descriptor D>
RowBlock design_matrix(const D& d, const Dataset& data, const DesignLayout& layout, const DesignOptions& opt) {
  std::vector<RowBlock> parts;
  std::size_t rows = 0;
  assemble_design<Map>(d, data, layout, opt, [&](const RowBlock& r) {
    parts.push_back(r);
    rows += static_cast<std::size_t>(r.A.rows());
  });
  RowBlock all;
  all.A.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(layout.columns()));
  all.b.resize(static_cast<Eigen::Index>(rows));
  all.w.resize(static_cast<Eigen::Index>(rows));
  Eigen::Index at = 0;
  for (const RowBlock& r : parts) {
    all.A.middleRows(at, r.A.rows()) = r.A;
    all.b.segment(at, r.A.rows()) = r.b;
    all.w.segment(at, r.A.rows()) = r.w;
    all.kind.insert(all.kind.end(), r.kind.begin(), r.kind.end());
    at += r.A.rows();
  }
  return all;
}

}  // namespace pestle
