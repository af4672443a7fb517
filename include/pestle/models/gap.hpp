#pragma once
// GAP models (Bartók et al., PRL 104, 136403 (2010)) in QUIP's convention: the model as QUIP's
// GAP XML holds it (GapModel) and its evaluation (GapPotential): energy, per-atom energies,
// forces, virial and stress, reproducing QUIP's `quip` to round-off (docs/gap-xml.md).
//
//   E = Σ_atoms e0(Z_i) + Σ_terms Σ_instances e_t(x) · f_c(instance)
//
// Each term couples a descriptor (soap, distance_2b or distance_Nb) with its kernel and sparse set
// (kernels.hpp). SOAP instances are atoms; distance_* instances are pairs/triplets whose energy is
// shared equally by their atoms (QUIP's local_e). Sign conventions: F = −∂E/∂r; the virial is
// W = −Σ r_ij ⊗ ∂E/∂r_ij (= −∂E/∂ε for a homogeneous strain, the quantity QUIP writes); the
// stress is σ = −W/V (ASE sign, eV/Å³).
//
// Speed: forces come from the SOAP adjoint evaluate(), which receives E_i and g_i = ∂E_i/∂q_i, so
// no per-neighbour descriptor gradient is ever formed. The kernel is contracted either inside the
// adjoint callback, atom by atom (GapOptions::soap_block = 1, the default), or for blocks of B atoms
// whose SOAP vectors are stacked into Q (B × d) and contracted with two matrix products
// (C = Q Xᵀ, g = (w ⊙ ζ C^(ζ−1)) X) before the adjoint pass. Atoms/blocks run in parallel with
// oneTBB. The only runtime dispatch is std::visit over the term list (one variant).
#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/core/types.hpp"
#include "pestle/descriptors/distance_nb.hpp"
#include "pestle/descriptors/soap.hpp"
#include "pestle/descriptors/gap_terms.hpp"
#include "pestle/models/kernels.hpp"
#include "pestle/models/potential.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle {

/// QUIP's covariance_type codes.
enum class GapCovariance : int { ard_se = 1, dot_product = 2 };

/// One term (QUIP's gpCoordinates) of a GAP model.
struct GapTerm {
  std::string label;
  std::string descriptor_string;          ///< as written in the XML
  GapDescriptorParams descriptor;          ///< parsed
  GapCovariance covariance = GapCovariance::dot_product;
  double zeta = 0.0;                      ///< dot_product exponent
  std::vector<double> theta;              ///< ard_se length scales (one per dimension)
  std::vector<std::vector<int>> permutations;  ///< 0-based index maps; at least the identity
  SparseSet sparse;                       ///< sparse points, α, sparse cutoffs, δ, f0
  std::size_t dimensions() const { return sparse.dimensions(); }
};

/// A GAP model as QUIP's XML holds it.
struct GapModel {
  std::string label;
  std::int64_t gap_version = gap_current_version;
  std::array<double, max_atomic_number + 1> e0{};  ///< per Z, eV
  std::vector<GapTerm> terms;
  std::string command_line;  ///< gap_fit command line, if the file had one (kept for writing)

  double e0_of(int z) const { return (z >= 0 && z <= max_atomic_number) ? e0[std::size_t(z)] : 0.0; }
};

namespace gap_detail {

inline SoapParams soap_params(const GapSoapParams& q) {
  SoapParams p;
  p.cutoff = q.cutoff;
  p.cutoff_transition_width = q.cutoff_transition_width;
  p.n_max = q.n_max;
  p.l_max = q.l_max;
  p.atom_sigma = q.atom_sigma;
  p.central_weight = q.central_weight;
  p.species_Z = q.species_Z;
  p.center_Z = q.Z;
  p.central_reference_all_species = q.central_reference_all_species;
  p.normalise = q.normalise;
  p.covariance_sigma0 = q.covariance_sigma0;
  p.basis_error_exponent = q.basis_error_exponent;
  return p;
}

/// Per-thread accumulators of one evaluation.
struct Accumulators {
  std::vector<double> atom_energy;
  std::vector<Vec3> forces;
  Mat3 virial = Mat3::Zero();
  explicit Accumulators(std::size_t n) : atom_energy(n, 0.0), forces(n, Vec3::Zero()) {}
};

/// The factorisation of K_MM + reg² I that the predictive variance solves with, made once per
/// regularisation and shared by copies of the term (its sparse points never change). A structure's
/// variance costs O(M²) per environment with it, instead of the O(M³) of factorising on every call.
template <class Factor>
class SparseFactorCache {
 public:
  template <class Make>
  std::shared_ptr<const Factor> get(double regularisation, const Make& make) {
    std::lock_guard lock(mutex_);
    if (!factor_ || regularisation != regularisation_) {
      factor_ = std::make_shared<const Factor>(make());
      regularisation_ = regularisation;
    }
    return factor_;
  }

 private:
  std::mutex mutex_;
  double regularisation_ = -1.0;
  std::shared_ptr<const Factor> factor_;
};

/// A distance_2b / distance_Nb term with the ARD squared-exponential kernel.
template <class D>
struct ClusterTerm {
  D descriptor;
  ArdSquaredExponential kernel;
  SparseSet sparse;
  Eigen::VectorXd sparse_self;
  std::shared_ptr<SparseFactorCache<Eigen::LDLT<Eigen::MatrixXd>>> variance_factor =
      std::make_shared<SparseFactorCache<Eigen::LDLT<Eigen::MatrixXd>>>();

  double cutoff() const { return descriptor.cutoff(); }

  // Every instance is visited from its owner atom, which may be a non-centre (an image) even
  // when other members are centres; so all atoms are visited and each instance counts with the
  // fraction of its members that are centres (n_centres = all atoms: every instance fully).
  void evaluate(const Structure& s, const NeighbourList& nl, bool forces, std::size_t n_centres,
                tbb::enumerable_thread_specific<Accumulators>& acc) const {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, s.size(), 8), [&](const auto& range) {
      Accumulators& a = acc.local();
      std::vector<double> grad(descriptor.size());
      for (std::size_t i = range.begin(); i != range.end(); ++i)
        descriptor.for_each(s, nl, i, [&](const ClusterInstance& c) { add(c, forces, n_centres, grad, a); });
    });
  }

  /// QUIP's local_gap_variance contributions: var(x) f_c² / n to each atom of an instance.
  void variance(const Structure& s, const NeighbourList& nl, double regularisation,
                tbb::enumerable_thread_specific<Accumulators>& acc) const {
    const auto factor = variance_factor->get(regularisation, [&] {
      return Eigen::LDLT<Eigen::MatrixXd>(kernel.sparse_covariance(sparse, regularisation));
    });
    const Eigen::LDLT<Eigen::MatrixXd>& kmm = *factor;
    const double prior = sparse.delta * sparse.delta + sparse.f0 * sparse.f0 + regularisation * regularisation;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, s.size(), 8), [&](const auto& range) {
      Accumulators& a = acc.local();
      for (std::size_t i = range.begin(); i != range.end(); ++i)
        descriptor.for_each(s, nl, i, [&](const ClusterInstance& c) {
          const Eigen::VectorXd k = kernel.covariances(sparse, sparse_self, std::span<const double>(c.x.data(), std::size_t(c.dims)));
          const double var = prior - k.dot(kmm.solve(k));
          for (int n = 0; n < c.atoms; ++n) a.atom_energy[std::size_t(c.atom[std::size_t(n)])] += var * c.fc * c.fc / c.atoms;
        });
    });
  }

  void add(const ClusterInstance& c, bool forces, std::size_t n_centres, std::vector<double>& grad,
           Accumulators& a) const {
    int centre_members = 0;
    for (int k = 0; k < c.atoms; ++k) centre_members += std::size_t(c.atom[std::size_t(k)]) < n_centres ? 1 : 0;
    if (centre_members == 0) return;
    const std::span<const double> x(c.x.data(), std::size_t(c.dims));
    const double e = kernel.predict(sparse, sparse_self, x, forces ? std::span<double>(grad) : std::span<double>());
    const double share = e * c.fc / c.atoms;
    for (int k = 0; k < c.atoms; ++k)
      if (std::size_t(c.atom[std::size_t(k)]) < n_centres) a.atom_energy[std::size_t(c.atom[std::size_t(k)])] += share;
    if (!forces) return;
    // only the centres' shares of e f_c enter the energy, so the gradient is scaled by that fraction
    const double weight = double(centre_members) / c.atoms;
    for (int k = 0; k < c.atoms; ++k) {
      // ∂(e f_c)/∂r_k = f_c Σ_c g_c ∂x_c/∂r_k + e ∂f_c/∂r_k
      Vec3 de = e * c.dfc[std::size_t(k)];
      for (int d = 0; d < c.dims; ++d) de += c.fc * grad[std::size_t(d)] * c.dx[std::size_t(d)][std::size_t(k)];
      de *= weight;
      a.forces[std::size_t(c.atom[std::size_t(k)])] -= de;
      a.virial -= c.rel[std::size_t(k)] * de.transpose();
    }
  }
};

/// A SOAP term with the dot-product kernel, evaluated in blocks of atoms.
struct SoapTerm {
  Soap<> descriptor;
  DotProductKernel kernel;
  SparseSet sparse;
  Eigen::VectorXd weights;  ///< α_s f_s δ²

  std::size_t block_size = 32;  ///< atoms per kernel contraction (1: per atom, inside the adjoint)
  std::shared_ptr<SparseFactorCache<Eigen::LLT<Eigen::MatrixXd>>> variance_factor =
      std::make_shared<SparseFactorCache<Eigen::LLT<Eigen::MatrixXd>>>();
  static constexpr std::size_t energy_block = 32;
  double cutoff() const { return descriptor.params().cutoff; }

  struct Scratch {
    Soap<>::Workspace ws;
    RowMatrix Q, C, G;
    Eigen::VectorXd E;
    std::vector<std::size_t> atoms;
  };

  void evaluate(const Structure& s, const NeighbourList& nl, bool forces, std::size_t n_centres,
                tbb::enumerable_thread_specific<Accumulators>& acc) const {
    std::vector<std::size_t> centres;
    for (std::size_t i = 0; i < n_centres; ++i)
      if (descriptor.applies_to(s.numbers[i])) centres.push_back(i);
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch{descriptor.make_workspace(), {}, {}, {}, {}, {}}; });
    const std::size_t block = forces ? std::max<std::size_t>(1, block_size) : energy_block;
    const std::size_t blocks = (centres.size() + block - 1) / block;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, blocks, 1), [&](const auto& range) {
      Accumulators& a = acc.local();
      Scratch& sc = scratch.local();
      for (std::size_t b = range.begin(); b != range.end(); ++b) {
        const std::size_t first = b * block, last = std::min(centres.size(), first + block);
        sc.atoms.assign(centres.begin() + std::ptrdiff_t(first), centres.begin() + std::ptrdiff_t(last));
        evaluate_block(s, nl, forces, sc, a);
      }
    });
  }

  void evaluate_block(const Structure& s, const NeighbourList& nl, bool forces, Scratch& sc, Accumulators& a) const {
    if (forces && block_size == 1) return evaluate_atoms(s, nl, sc, a);
    const auto rows = Eigen::Index(sc.atoms.size());
    const auto d = Eigen::Index(descriptor.size());
    sc.Q.resize(rows, d);
    for (Eigen::Index r = 0; r < rows; ++r)
      descriptor.compute(s, nl, sc.atoms[std::size_t(r)], sc.ws, std::span<double>(sc.Q.row(r).data(), std::size_t(d)));
    kernel.predict_block(sparse, weights, sc.Q, sc.C, sc.E, sc.G);
    for (Eigen::Index r = 0; r < rows; ++r) a.atom_energy[sc.atoms[std::size_t(r)]] += sc.E[r];
    if (!forces) return;
    for (Eigen::Index r = 0; r < rows; ++r) {
      // hand the precomputed E_i and g_i = ∂E_i/∂q_i to the SOAP adjoint
      auto energy_of = [&](std::span<const double>, std::span<double> g) {
        std::copy(sc.G.row(r).data(), sc.G.row(r).data() + d, g.begin());
        return sc.E[r];
      };
      descriptor.evaluate(s, nl, sc.atoms[std::size_t(r)], sc.ws, energy_of, std::span<Vec3>(a.forces), a.virial);
    }
  }

  /// QUIP's local_gap_variance of every centre: δ² + f0² + reg² − kᵀ K_MM⁻¹ k.
  void variance(const Structure& s, const NeighbourList& nl, double regularisation,
                tbb::enumerable_thread_specific<Accumulators>& acc) const {
    const auto factor = variance_factor->get(regularisation, [&] {
      return Eigen::LLT<Eigen::MatrixXd>(kernel.sparse_covariance(sparse, regularisation));
    });
    const Eigen::LLT<Eigen::MatrixXd>& kmm = *factor;
    if (kmm.info() != Eigen::Success) throw NumericalError("GAP variance: K_MM is not positive definite; raise the regularisation");
    const double prior = sparse.delta * sparse.delta + sparse.f0 * sparse.f0 + regularisation * regularisation;
    std::vector<std::size_t> centres;
    for (std::size_t i = 0; i < s.size(); ++i)
      if (descriptor.applies_to(s.numbers[i])) centres.push_back(i);
    const std::size_t block = 32;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, (centres.size() + block - 1) / block, 1), [&](const auto& range) {
      Accumulators& a = acc.local();
      auto ws = descriptor.make_workspace();
      for (std::size_t b = range.begin(); b != range.end(); ++b) {
        const std::size_t first = b * block, last = std::min(centres.size(), first + block);
        RowMatrix Q(Eigen::Index(last - first), Eigen::Index(descriptor.size()));
        for (std::size_t r = first; r < last; ++r)
          descriptor.compute(s, nl, centres[r], ws, std::span<double>(Q.row(Eigen::Index(r - first)).data(), descriptor.size()));
        const Eigen::MatrixXd k = kernel.covariances(sparse, Q);           // B × M
        const Eigen::MatrixXd v = kmm.solve(k.transpose());               // M × B
        for (std::size_t r = first; r < last; ++r)
          a.atom_energy[centres[r]] += prior - k.row(Eigen::Index(r - first)).dot(v.col(Eigen::Index(r - first)));
      }
    });
  }

  // block_size 1: no separate forward pass; the kernel is contracted inside the adjoint callback
  // (two matrix-vector products per atom).
  void evaluate_atoms(const Structure& s, const NeighbourList& nl, Scratch& sc, Accumulators& a) const {
    for (std::size_t i : sc.atoms) {
      auto energy_of = [&](std::span<const double> q, std::span<double> g) { return kernel.predict(sparse, weights, q, g); };
      a.atom_energy[i] += descriptor.evaluate(s, nl, i, sc.ws, energy_of, std::span<Vec3>(a.forces), a.virial);
    }
  }
};

}  // namespace gap_detail

/// Evaluation settings that do not change the results beyond round-off.
struct GapOptions {
  /// Atoms per SOAP kernel contraction for forces. With B > 1 the SOAP vectors of B atoms are
  /// computed first and contracted with the sparse points in two matrix products, then the adjoint
  /// pass gets the precomputed E_i and ∂E_i/∂q_i (the forward pass runs twice); with 1 (default,
  /// measured ≈25 % faster for the Mo GAP, docs/gap-xml.md) the kernel is contracted atom by atom
  /// inside the adjoint callback. Energy-only evaluation is always blocked (32 atoms).
  std::size_t soap_block = 1;
};

/// A GAP model ready to evaluate.
class GapPotential {
 public:
  using Term = std::variant<gap_detail::ClusterTerm<Distance2b>, gap_detail::ClusterTerm<DistanceNb>, gap_detail::SoapTerm>;

  PESTLE_RUNTIME_INLINE explicit GapPotential(GapModel model, GapOptions options = {});

  const GapModel& model() const noexcept { return model_; }
  /// Largest cutoff of any term, Å.
  double cutoff() const noexcept { return cutoff_; }

  /// Energy, per-atom energies, forces, virial and (fully periodic cells) stress.
  PotentialResult compute(const Structure& s) const { return run(s, true, s.size()); }

  /// Only the first n_centres atoms as centres: E = Σ_{i < n_centres} E_i (cluster terms share
  /// an instance's energy equally among its members), forces -∂E/∂r on every atom. The other atoms
  /// must include every image within the cutoff of a centre (2 × cutoff for 3-body distance_Nb).
  PotentialResult compute(const Structure& s, std::size_t n_centres) const { return run(s, true, n_centres); }

  /// Energy and per-atom energies only (forces left empty).
  PotentialResult compute_energy(const Structure& s) const { return run(s, false, s.size()); }

  double energy(const Structure& s) const { return run(s, false, s.size()).energy; }

  /// Predictive variance of each atom's local energy (eV²), QUIP's `local_gap_variance`: for every
  /// term and instance, δ² + f0² + reg² − kᵀ (K_MM + reg² I)⁻¹ k, times f_c²/n for each of the n atoms
  /// of a cluster instance, summed over terms (QUIP's gap_variance_regularisation, default 0.001).
  /// K_MM + reg² I is factorised on the first call for a regularisation and kept.
  std::vector<double> local_variance(const Structure& s, double regularisation = 0.001) const {
    s.validate();
    if (!(regularisation >= 0.0)) throw InputError("GAP variance: regularisation must be >= 0");
    NeighbourOptions opt;
    opt.cutoff = cutoff_;
    const NeighbourList nl = build_neighbour_list(s, opt);
    tbb::enumerable_thread_specific<gap_detail::Accumulators> acc([&] { return gap_detail::Accumulators(s.size()); });
    for (const Term& t : terms_) std::visit([&](const auto& term) { term.variance(s, nl, regularisation, acc); }, t);
    std::vector<double> var(s.size(), 0.0);
    for (const auto& a : acc)
      for (std::size_t i = 0; i < s.size(); ++i) var[i] += a.atom_energy[i];
    return var;
  }

 private:
  static Term make_term(const GapTerm& t) {
    if (t.sparse.size() == 0) throw InputError("GAP term '" + t.label + "' has no sparse points");
    const std::size_t want = gap_descriptor_dimensions(t.descriptor);
    if (t.dimensions() != want)
      throw InputError("GAP term '" + t.label + "': sparse points have " + std::to_string(t.dimensions()) +
                       " dimensions but the descriptor has " + std::to_string(want));
    if (const auto* soap = std::get_if<GapSoapParams>(&t.descriptor)) {
      if (t.covariance != GapCovariance::dot_product)
        throw InputError("GAP term '" + t.label + "': soap with covariance_type " +
                         std::to_string(int(t.covariance)) + " is not supported (pestle uses dot_product for soap)");
      gap_detail::SoapTerm term{Soap<>(gap_detail::soap_params(*soap)), DotProductKernel(t.zeta), t.sparse, {}, 32};
      term.weights = DotProductKernel::weights(term.sparse);
      return term;
    }
    if (t.covariance != GapCovariance::ard_se)
      throw InputError("GAP term '" + t.label + "': " + std::string(t.descriptor_string.substr(0, 20)) +
                       "... with covariance_type 2 (dot_product) is not supported (pestle uses ard_se for distances)");
    ArdSquaredExponential kernel(t.theta, t.permutations);
    if (kernel.dimensions() != want)
      throw InputError("GAP term '" + t.label + "': theta has " + std::to_string(kernel.dimensions()) +
                       " values but the descriptor has " + std::to_string(want) + " dimensions");
    Eigen::VectorXd self = kernel.sparse_self(t.sparse);
    if (const auto* d2 = std::get_if<Distance2bParams>(&t.descriptor))
      return gap_detail::ClusterTerm<Distance2b>{Distance2b(*d2), std::move(kernel), t.sparse, std::move(self)};
    return gap_detail::ClusterTerm<DistanceNb>{DistanceNb(std::get<DistanceNbParams>(t.descriptor)), std::move(kernel),
                                               t.sparse, std::move(self)};
  }

  PotentialResult run(const Structure& s, bool forces, std::size_t n_centres) const {
    s.validate();
    check_centres(s, n_centres);
    NeighbourOptions opt;
    opt.cutoff = cutoff_;
    const NeighbourList nl = build_neighbour_list(s, opt);
    tbb::enumerable_thread_specific<gap_detail::Accumulators> acc([&] { return gap_detail::Accumulators(s.size()); });
    for (const Term& t : terms_) std::visit([&](const auto& term) { term.evaluate(s, nl, forces, n_centres, acc); }, t);

    PotentialResult r;
    r.atom_energies.assign(s.size(), 0.0);
    for (std::size_t i = 0; i < n_centres; ++i) r.atom_energies[i] = model_.e0_of(s.numbers[i]);
    if (forces) r.forces.assign(s.size(), Vec3::Zero());
    for (const auto& a : acc) {
      for (std::size_t i = 0; i < s.size(); ++i) r.atom_energies[i] += a.atom_energy[i];
      if (forces) {
        for (std::size_t i = 0; i < s.size(); ++i) r.forces[i] += a.forces[i];
        r.virial += a.virial;
      }
    }
    for (double e : r.atom_energies) r.energy += e;
    if (forces && n_centres == s.size() && s.pbc[0] && s.pbc[1] && s.pbc[2] && s.volume() > 0.0) r.stress = Mat3(-r.virial / s.volume());
    return r;
  }

  GapModel model_;
  GapOptions options_;
  std::vector<Term> terms_;
  double cutoff_ = 0.0;
};

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/models/impl/gap.hpp"
#endif
