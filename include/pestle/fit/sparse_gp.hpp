#pragma once
// Sparse Gaussian-process regression of a potential-energy surface (GAP-style, DTC / projected process).
//
// The local energy of a descriptor instance a (an atom environment, a pair, a triplet) is
//   ε(q_a) = δ² Σ_m α_m f_a f_m k(q_a, x_m)
// with sparse points x_m, covariance cutoffs f (1 for SOAP; the pair cutoff for distance terms) and a
// kernel k. Observations (total energies, forces, virials) are linear functionals of ε, so for every
// observation row r there is a row K_NM[r, :] of the sparse covariance with y_r ≈ K_NM[r, :] α.
// The DTC solution minimises ‖Λ^{-1/2}(K_NM α − y)‖² + αᵀ K_MM α, i.e. the least-squares problem
//   [ Λ^{-1/2} K_NM ]       [ Λ^{-1/2} y ]
//   [     Lᵀ        ] α  ≈  [     0      ]     with K_MM + jitter·I = L Lᵀ,
// which is solved by an incremental Householder QR of the stacked rows (pestle::LeastSquares, svd
// kind), never through the normal equations. Rows are assembled per structure (in parallel) and fed
// to the QR in data-set order, so memory is bounded by one block of structures plus O(M²).
// Formulas, σ conventions (gap_fit's per-atom energy/virial σ) and references: docs/gap-fit.md.
#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Dense>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "pestle/math/dense/symmetric_eigen.hpp"
#include "pestle/core/dataset.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/types.hpp"
#include "pestle/descriptors/descriptor.hpp"
#include "pestle/fit/design_matrix.hpp"
#include "pestle/fit/solvers.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
#include "pestle/fit/compiled.hpp"

namespace pestle {

// ---------------------------------------------------------------------------------------------
// Descriptor instances of one structure for one GP term.

/// One derivative entry: instance `instance` depends on the displacement r = r_atom − r_centre
/// (+ lattice image); dq (d×3, column-major) = ∂q/∂r and dfc = ∂f/∂r of its covariance cutoff.
/// With centre == no_centre the entry is the derivative with respect to the absolute position of
/// `atom` (cluster descriptors), and r is the atom's position relative to the cluster (virial).
struct InstanceGradient {
  static constexpr std::size_t no_centre = static_cast<std::size_t>(-1);
  std::size_t instance = 0;
  std::size_t centre = 0;  ///< atom the displacement starts at
  std::size_t atom = 0;    ///< atom the displacement ends at
  Vec3 r = Vec3::Zero();   ///< displacement, Å (for the virial)
};

/// All descriptor instances of one structure for one term, with their derivatives.
struct TermInstances {
  Eigen::MatrixXd q;                    ///< n_instances × d
  Eigen::VectorXd cutoff;               ///< f_a per instance
  std::vector<InstanceGradient> grads;  ///< derivative entries
  Eigen::MatrixXd dq;                   ///< d × 3·grads.size(): columns 3e..3e+2 = ∂q/∂r of entry e
  Eigen::MatrixXd dcutoff;              ///< 3 × grads.size(): ∂f/∂r of entry e (zero when f ≡ 1)

  std::size_t size() const noexcept { return static_cast<std::size_t>(q.rows()); }
};

// ---------------------------------------------------------------------------------------------
// Kernels as seen by the fit: k(q, x) for a block of instances, and ∂k/∂q for one instance.

template <class K>
concept GpFitKernel = requires(const K& k, const Eigen::MatrixXd& Q, const Eigen::MatrixXd& X,
                               const Eigen::RowVectorXd& q, Eigen::MatrixXd& W) {
  { k.matrix(Q, X) } -> std::convertible_to<Eigen::MatrixXd>;  ///< n × M, k(q_a, x_m)
  k.gradient(q, X, W);                                        ///< W (M × d): row m = ∂k(q, x_m)/∂q
};

// ---------------------------------------------------------------------------------------------
// Sparse-point selection.

enum class SparseMethod { cur, random, uniform, all };

inline SparseMethod sparse_method_from_name(const std::string& s) {
  if (s == "cur" || s == "cur_points") return SparseMethod::cur;
  if (s == "random") return SparseMethod::random;
  if (s == "uniform") return SparseMethod::uniform;
  if (s == "all") return SparseMethod::all;
  throw InputError("unknown sparse_method '" + s + "' (expected cur, random, uniform or all)");
}

/// More sparse points asked for than the data have environments (or distinct ones); `available` is
/// how many there are, so a caller that may ask for fewer (the RSS loop's first fits) need not parse
/// the message.
class TooFewEnvironments : public InputError {
 public:
  TooFewEnvironments(const std::string& message, std::size_t available) : InputError(message), available(available) {}
  std::size_t available;
};

namespace detail {

inline void check_sparse_request(std::size_t n_rows, std::size_t m, const std::string& what) {
  if (m == 0) throw InputError(what + ": n_sparse must be at least 1");
  if (n_rows == 0) throw InputError(what + ": no descriptor environments in the training data");
  if (m > n_rows)
    throw TooFewEnvironments(what + ": " + std::to_string(m) + " sparse points requested but only " +
                                 std::to_string(n_rows) + " environments exist", n_rows);
}

/// Rows of Q that are exact duplicates of an earlier row (they carry no new information).
inline std::vector<bool> duplicate_rows(const Eigen::MatrixXd& Q) {
  std::vector<std::size_t> order(static_cast<std::size_t>(Q.rows()));
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto less = [&](std::size_t a, std::size_t b) {
    for (Eigen::Index c = 0; c < Q.cols(); ++c) {
      const double x = Q(static_cast<Eigen::Index>(a), c), y = Q(static_cast<Eigen::Index>(b), c);
      if (x != y) return x < y;
    }
    return a < b;
  };
  std::sort(order.begin(), order.end(), less);
  std::vector<bool> dup(order.size(), false);
  for (std::size_t k = 1; k < order.size(); ++k)
    if (Q.row(static_cast<Eigen::Index>(order[k])) == Q.row(static_cast<Eigen::Index>(order[k - 1])))
      dup[order[k]] = true;
  return dup;
}

}  // namespace detail

/// CUR selection of m rows of Q by statistical leverage (Mahoney & Drineas 2009), made deterministic:
/// the leverage score of row i is π_i = Σ_{j<k} U_ij² over the top-k left singular vectors
/// (k = rank); the row with the largest score is taken, its direction is projected out of every
/// row's U (so near-copies of a chosen row lose their leverage), and so on. When more points are
/// asked for than the descriptor matrix has rank, a new round starts on the rows not yet chosen.
/// Exact duplicate rows are never chosen twice.
PESTLE_FIT_INLINE std::vector<std::size_t> select_cur(const Eigen::MatrixXd& Q, std::size_t m);

/// m distinct rows chosen uniformly at random (seeded).
inline std::vector<std::size_t> select_random(std::size_t n_rows, std::size_t m, std::uint64_t seed) {
  detail::check_sparse_request(n_rows, m, "random selection");
  std::vector<std::size_t> idx(n_rows);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::mt19937_64 rng(seed);
  for (std::size_t k = 0; k < m; ++k) {
    std::uniform_int_distribution<std::size_t> pick(k, n_rows - 1);
    std::swap(idx[k], idx[pick(rng)]);
  }
  idx.resize(m);
  std::sort(idx.begin(), idx.end());
  return idx;
}

/// For one-dimensional descriptors (distances): m points on a uniform grid over [min, max] of the data
/// (as gap_fit's sparse_method=uniform). Returns the grid values, not row indices.
inline Eigen::MatrixXd uniform_grid_1d(const Eigen::MatrixXd& Q, std::size_t m) {
  detail::check_sparse_request(static_cast<std::size_t>(Q.rows()), m, "uniform selection");
  if (Q.cols() != 1) throw InputError("sparse_method=uniform needs a one-dimensional descriptor");
  const double lo = Q.col(0).minCoeff(), hi = Q.col(0).maxCoeff();
  Eigen::MatrixXd X(static_cast<Eigen::Index>(m), 1);
  for (std::size_t k = 0; k < m; ++k)
    X(static_cast<Eigen::Index>(k), 0) = m == 1 ? 0.5 * (lo + hi) : lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(m - 1);
  return X;
}

// ---------------------------------------------------------------------------------------------
// Regularisation: gap_fit's default_sigma (energy and virial σ per atom, scaled by √N).

struct GpSigmas {
  double energy = 0.002;  ///< eV per atom (per_atom) or eV
  double force = 0.02;    ///< eV/Å per component
  double virial = 0.0;    ///< eV per atom (per_atom) or eV; 0 = virials not fitted
  bool per_atom = true;   ///< energy and virial σ are per atom: σ_total = σ·√N
  std::map<std::string, std::array<double, 3>> config_type;  ///< overrides {E, F, V} per config_type

  std::array<double, 3> for_config(const std::string& ct) const {
    auto it = config_type.find(ct);
    return it == config_type.end() ? std::array<double, 3>{energy, force, virial} : it->second;
  }
  void validate() const {
    auto check = [](const std::array<double, 3>& s, const std::string& where) {
      if (!(s[0] > 0.0) || !(s[1] > 0.0) || !std::isfinite(s[0]) || !std::isfinite(s[1]))
        throw InputError(where + ": energy and force sigma must be finite and > 0");
      if (!(s[2] >= 0.0) || !std::isfinite(s[2])) throw InputError(where + ": virial sigma must be finite and >= 0");
    };
    check({energy, force, virial}, "default_sigma");
    for (const auto& [name, s] : config_type) check(s, "sigma of config_type '" + name + "'");
  }
};

// ---------------------------------------------------------------------------------------------
// Covariance rows of one structure.

/// Adds δ²·(covariance rows of one term) into the rows [col0, col0 + M) of At, the TRANSPOSED
/// observation block, whose columns are
///   column 0                 the total energy (if with_energy),
///   columns f0 + 3k + a      the force on atom k, component a (if with_forces),
///   columns v0 + 0..5        the virial, Voigt xx yy zz yz xz xy (if with_virial).
/// Transposed because every neighbour scatters M values into one observation: a contiguous column
/// of At instead of a row of A strided by the row count (≈ 3× faster assembly for M = 1000).
/// X holds the M sparse points, fX their covariance cutoffs.
template <GpFitKernel K>
void add_covariance_rows(const TermInstances& inst, const K& kernel, double delta, const Eigen::MatrixXd& X,
                         const Eigen::VectorXd& fX, Eigen::Index col0, bool with_energy, Eigen::Index f0, bool with_forces,
                         Eigen::Index v0, bool with_virial, Eigen::MatrixXd& At) {
  static constexpr int va[6] = {0, 1, 2, 1, 0, 0}, vb[6] = {0, 1, 2, 2, 2, 1};
  const Eigen::Index M = X.rows(), d = X.cols();
  if (inst.size() == 0) return;
  if (inst.q.cols() != d) throw InputError("descriptor dimension does not match the sparse points");
  const double d2 = delta * delta;
  const Eigen::MatrixXd Kq = kernel.matrix(inst.q, X);  // n × M
  if (with_energy)
    At.col(0).segment(col0, M) += d2 * (Kq.transpose() * inst.cutoff).cwiseProduct(fX);
  if (!with_forces && !with_virial) return;
  // Derivative entries grouped by instance (they are stored instance by instance).
  Eigen::MatrixXd W(M, d), G;
  std::size_t e = 0;
  while (e < inst.grads.size()) {
    const std::size_t a = inst.grads[e].instance;
    std::size_t e_end = e;
    while (e_end < inst.grads.size() && inst.grads[e_end].instance == a) ++e_end;
    const auto ia = static_cast<Eigen::Index>(a);
    const auto ncol = static_cast<Eigen::Index>(3 * (e_end - e));
    kernel.gradient(inst.q.row(ia), X, W);
    // G (M × 3n): ∂ε_m/∂r_e = f_m [f_a ∇k·∂q/∂r + k ∂f_a/∂r]
    G.noalias() = W * inst.dq.middleCols(static_cast<Eigen::Index>(3 * e), ncol);
    G *= inst.cutoff[ia];
    if (inst.dcutoff.size())
      for (std::size_t k = e; k < e_end; ++k)
        G.middleCols(static_cast<Eigen::Index>(3 * (k - e)), 3).noalias() +=
            Kq.row(ia).transpose() * inst.dcutoff.col(static_cast<Eigen::Index>(k)).transpose();
    G = (d2 * fX).asDiagonal() * G;
    for (std::size_t k = e; k < e_end; ++k) {
      const InstanceGradient& g = inst.grads[k];
      const auto c = static_cast<Eigen::Index>(3 * (k - e));
      for (int dim = 0; dim < 3; ++dim) {
        const auto gcol = G.col(c + dim);
        if (with_forces) {  // F_atom = -∂E/∂r, F_centre = +∂E/∂r
          At.col(f0 + static_cast<Eigen::Index>(3 * g.atom) + dim).segment(col0, M) -= gcol;
          if (g.centre != InstanceGradient::no_centre)
            At.col(f0 + static_cast<Eigen::Index>(3 * g.centre) + dim).segment(col0, M) += gcol;
        }
        if (with_virial)
          for (int v = 0; v < 6; ++v)
            if (vb[v] == dim) At.col(v0 + v).segment(col0, M) -= g.r[va[v]] * gcol;
      }
    }
    e = e_end;
  }
}

/// Sparse covariance K_MM of one term (δ² f_m f_n k(x_m, x_n)).
template <GpFitKernel K>
Eigen::MatrixXd sparse_covariance(const K& kernel, double delta, const Eigen::MatrixXd& X, const Eigen::VectorXd& fX) {
  Eigen::MatrixXd Kmm = kernel.matrix(X, X);
  Kmm = (delta * delta) * fX.asDiagonal() * Kmm * fX.asDiagonal();
  return 0.5 * (Kmm + Kmm.transpose());
}

/// Rows Lᵀ of the prior block: K_MM + jitter·I = L Lᵀ. The jitter is relative to the mean diagonal
/// (so it means the same for any δ); when the Cholesky factor fails (a rank-deficient sparse set),
/// the jitter is raised tenfold up to 1e-4 and the final value is reported back.
inline Eigen::MatrixXd prior_rows(const Eigen::MatrixXd& Kmm, double& jitter) {
  if (!Kmm.allFinite()) throw NumericalError("sparse covariance K_MM is not finite");
  const double scale = Kmm.rows() ? Kmm.diagonal().mean() : 1.0;
  if (!(scale > 0.0)) throw NumericalError("sparse covariance K_MM has a non-positive diagonal (all δ or cutoffs zero?)");
  const double largest = std::max(jitter, 1e-4);  // a requested jitter above 1e-4 is tried as given
  for (double j = std::max(jitter, 0.0); j <= largest; j = j > 0.0 ? 10.0 * j : 1e-12) {
    Eigen::MatrixXd Kj = Kmm;
    Kj.diagonal().array() += j * scale;
    Eigen::LLT<Eigen::MatrixXd> llt(Kj);
    if (llt.info() == Eigen::Success) {
      jitter = j;
      return llt.matrixU();  // U = Lᵀ
    }
  }
  throw NumericalError("sparse covariance K_MM is not positive definite even with jitter 1e-4 (duplicate sparse points?)");
}

// ---------------------------------------------------------------------------------------------
// Instance sources: what a term sees of a structure.

/// Anything that lists the descriptor instances of a structure (with or without derivatives).
template <class S>
concept InstanceSource = requires(const S& src, const Structure& s, const Eigen::RowVectorXd& x) {
  { src.instances(s, true) } -> std::same_as<TermInstances>;
  { src.dimension() } -> std::convertible_to<std::size_t>;
  { src.covariance_cutoff(x) } -> std::convertible_to<double>;  ///< f of a sparse point given by value
};

/// Per-atom environments of any pestle Descriptor (SOAP, bispectrum, ...): one instance per centre
/// atom whose species is in `centres` (all atoms when empty), covariance cutoff 1.
template <Descriptor D>
struct AtomEnvironments {
  D descriptor;
  std::vector<int> centres;

  std::size_t dimension() const { return descriptor.size(); }
  double covariance_cutoff(const Eigen::RowVectorXd&) const { return 1.0; }
  bool is_centre(int z) const { return centres.empty() || std::find(centres.begin(), centres.end(), z) != centres.end(); }

  TermInstances instances(const Structure& s, bool with_gradients) const {
    const NeighbourList nl = build_neighbour_list(s, descriptor.neighbour_options());
    const auto d = static_cast<Eigen::Index>(descriptor.size());
    std::vector<std::size_t> atoms;
    std::size_t n_entries = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
      if (is_centre(s.numbers[i])) {
        atoms.push_back(i);
        n_entries += nl.count(i);
      }
    TermInstances t;
    t.q.resize(static_cast<Eigen::Index>(atoms.size()), d);
    t.cutoff = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(atoms.size()));
    if (with_gradients) {
      t.dq.resize(d, static_cast<Eigen::Index>(3 * n_entries));
      t.grads.reserve(n_entries);
    }
    auto ws = descriptor.make_workspace();
    std::vector<double> q(descriptor.size());
    std::size_t col = 0;
    for (std::size_t a = 0; a < atoms.size(); ++a) {
      const std::size_t i = atoms[a], nn = nl.count(i);
      if (with_gradients) {
        std::span<double> dq(t.dq.data() + static_cast<std::ptrdiff_t>(col) * d, nn * 3 * descriptor.size());
        descriptor.compute_with_derivatives(s, nl, i, ws, q, dq);
        for (std::size_t n = 0; n < nn; ++n) {
          const std::size_t e = nl.begin(i) + n;
          t.grads.push_back({a, i, static_cast<std::size_t>(nl.index[e]), nl.displacement[e]});
        }
        col += 3 * nn;
      } else {
        descriptor.compute(s, nl, i, ws, q);
      }
      t.q.row(static_cast<Eigen::Index>(a)) = Eigen::Map<const Eigen::RowVectorXd>(q.data(), d);
    }
    return t;
  }
};

// ---------------------------------------------------------------------------------------------
// The fit.

struct GpFitOptions {
  GpSigmas sigma;
  double jitter = 1e-8;                  ///< relative to the mean diagonal of each term's K_MM
  std::map<int, double> e0;              ///< eV per atom of each element (missing: 0)
  bool e0_average = false;               ///< gap_fit e0_method=average: e0 = Σ E / Σ N for every element
  std::uint64_t seed = 42;               ///< sparse-point selection
  std::size_t structures_per_block = 16; ///< structures assembled in parallel per block
  double rcond = 1e-14;                  ///< directions of the stacked system below rcond·s_max are dropped
  /// Ranks that share the covariance rows (docs/parallel_fits.md): every rank chooses the same sparse
  /// points from all structures, assembles the rows of its share and the ranks' QR triangles are
  /// stacked before the solve. Null: this process alone.
  const Communicator* communicator = nullptr;
};

/// One fitted term: its sparse points, their covariance cutoffs and weights.
struct GpTermFit {
  Eigen::MatrixXd sparse;        ///< M × d
  Eigen::VectorXd sparse_cutoff; ///< f_m
  Eigen::VectorXd alpha;         ///< M
  double jitter = 0.0;           ///< jitter actually used
};

struct GpFitResult {
  std::vector<GpTermFit> terms;
  std::map<int, double> e0;
  std::size_t observations = 0;  ///< energy + force + virial rows
  std::size_t rank = 0, columns = 0;
};

/// A term of the fit: where its instances come from, its kernel, δ and sparsification.
template <InstanceSource S, GpFitKernel K>
struct GpTermSpec {
  S source;
  K kernel;
  double delta = 1.0;
  std::size_t n_sparse = 100;
  SparseMethod method = SparseMethod::cur;
};

namespace detail {

/// Calls f(term) for every term of a tuple of GpTermSpec or a vector of variants of them.
template <class... T, class F>
void for_each_term(const std::tuple<T...>& terms, F&& f) {
  std::apply([&](const auto&... t) { (f(t), ...); }, terms);
}
template <class... V, class F>
void for_each_term(const std::vector<std::variant<V...>>& terms, F&& f) {
  for (const auto& t : terms) std::visit(f, t);
}

inline std::map<int, double> gp_e0(const Dataset& data, const GpFitOptions& opt) {
  if (!opt.e0_average) return opt.e0;
  double e = 0.0, n = 0.0;
  std::map<int, double> out;
  for (const Frame& f : data)
    if (f.labels.energy) {
      e += *f.labels.energy;
      n += static_cast<double>(f.size());
      for (int z : f.structure.numbers) out[z] = 0.0;
    }
  if (n == 0.0) throw InputError("e0_method=average needs at least one structure with an energy");
  for (auto& [z, v] : out) v = e / n;
  return out;
}

/// All instance values of one term over the data set (for sparse-point selection).
template <class Term>
std::pair<Eigen::MatrixXd, Eigen::VectorXd> all_instance_values(const Term& term, const Dataset& data) {
  std::vector<TermInstances> per(data.size());
  tbb::parallel_for(std::size_t{0}, data.size(), [&](std::size_t k) { per[k] = term.source.instances(data[k].structure, false); });
  Eigen::Index n = 0;
  for (const auto& t : per) n += t.q.rows();
  Eigen::MatrixXd Q(n, static_cast<Eigen::Index>(term.source.dimension()));
  Eigen::VectorXd f(n);
  Eigen::Index r = 0;
  for (const auto& t : per) {
    Q.middleRows(r, t.q.rows()) = t.q;
    f.segment(r, t.q.rows()) = t.cutoff;
    r += t.q.rows();
  }
  return {std::move(Q), std::move(f)};
}

template <class Term>
GpTermFit choose_sparse_points(const Term& term, const Dataset& data, std::uint64_t seed, std::size_t index) {
  if (!(term.delta > 0.0) || !std::isfinite(term.delta))
    throw InputError("GP term " + std::to_string(index) + ": delta must be finite and > 0");
  auto [Q, f] = all_instance_values(term, data);
  if (!Q.allFinite()) throw NumericalError("GP term " + std::to_string(index) + ": a descriptor value is not finite");
  const std::string what = "GP term " + std::to_string(index);
  GpTermFit fit;
  if (term.method == SparseMethod::uniform) {
    fit.sparse = uniform_grid_1d(Q, term.n_sparse);
    fit.sparse_cutoff.resize(fit.sparse.rows());
    for (Eigen::Index m = 0; m < fit.sparse.rows(); ++m) fit.sparse_cutoff[m] = term.source.covariance_cutoff(fit.sparse.row(m));
    return fit;
  }
  std::vector<std::size_t> rows;
  if (term.method == SparseMethod::all) {
    detail::check_sparse_request(static_cast<std::size_t>(Q.rows()), 1, what);
    const std::vector<bool> dup = duplicate_rows(Q);
    for (std::size_t i = 0; i < dup.size(); ++i)
      if (!dup[i]) rows.push_back(i);
  } else if (term.method == SparseMethod::random) {
    rows = select_random(static_cast<std::size_t>(Q.rows()), term.n_sparse, seed + index);
  } else {
    rows = select_cur(Q, term.n_sparse);
  }
  fit.sparse.resize(static_cast<Eigen::Index>(rows.size()), Q.cols());
  fit.sparse_cutoff.resize(static_cast<Eigen::Index>(rows.size()));
  for (std::size_t k = 0; k < rows.size(); ++k) {
    fit.sparse.row(static_cast<Eigen::Index>(k)) = Q.row(static_cast<Eigen::Index>(rows[k]));
    fit.sparse_cutoff[static_cast<Eigen::Index>(k)] = f[static_cast<Eigen::Index>(rows[k])];
  }
  return fit;
}

/// Observation rows of one structure for all terms: A α ≈ b with residual weights w = 1/σ.
template <class Terms>
RowBlock gp_structure_rows(const Terms& terms, const std::vector<GpTermFit>& fits,
                           const std::vector<Eigen::Index>& col0, Eigen::Index columns, const Frame& f, std::size_t k,
                           const std::map<int, double>& e0, const GpSigmas& sigma) {
  const Structure& s = f.structure;
  s.validate();
  check_labels(f, k);
  const std::size_t natoms = s.size();
  const auto sig = sigma.for_config(f.labels.config_type);
  const double scale = sigma.per_atom ? std::sqrt(static_cast<double>(natoms)) : 1.0;
  const bool periodic = s.pbc[0] && s.pbc[1] && s.pbc[2] && s.volume() > 0.0;
  const std::optional<Mat3> stress = periodic && sig[2] > 0.0 ? f.labels.stress_or_from_virial(s.volume()) : std::nullopt;
  const bool has_e = f.labels.energy.has_value(), has_f = f.labels.forces.has_value(), has_v = stress.has_value();
  const auto f0 = static_cast<Eigen::Index>(has_e ? 1 : 0);
  const auto v0 = f0 + static_cast<Eigen::Index>(has_f ? 3 * natoms : 0);
  const Eigen::Index rows = v0 + (has_v ? 6 : 0);
  RowBlock blk;
  blk.frame = k;
  Eigen::MatrixXd At = Eigen::MatrixXd::Zero(columns, rows);
  blk.b.resize(rows);
  blk.w.resize(rows);
  blk.kind.resize(static_cast<std::size_t>(rows));
  if (rows == 0 || f.labels.weight == 0.0) {
    blk.A = Eigen::MatrixXd::Zero(rows, columns);
    blk.w.setZero();
    return blk;
  }
  std::size_t t = 0;
  for_each_term(terms, [&](const auto& term) {
    const TermInstances inst = term.source.instances(s, has_f || has_v);
    add_covariance_rows(inst, term.kernel, term.delta, fits[t].sparse, fits[t].sparse_cutoff, col0[t], has_e, f0, has_f,
                        v0, has_v, At);
    ++t;
  });
  blk.A = At.transpose();
  const double w = f.labels.weight;
  if (has_e) {
    double e = *f.labels.energy;
    for (int z : s.numbers) {
      auto it = e0.find(z);
      if (it != e0.end()) e -= it->second;
    }
    blk.b[0] = e;
    blk.w[0] = w / (sig[0] * scale);
    blk.kind[0] = RowKind::energy;
  }
  if (has_f)
    for (std::size_t a = 0; a < natoms; ++a)
      for (int dim = 0; dim < 3; ++dim) {
        const Eigen::Index r = f0 + static_cast<Eigen::Index>(3 * a) + dim;
        blk.b[r] = (*f.labels.forces)[a][dim];
        blk.w[r] = w / sig[1];
        blk.kind[static_cast<std::size_t>(r)] = RowKind::force;
      }
  if (has_v) {
    const Mat3 virial = -s.volume() * *stress;
    for (int v = 0; v < 6; ++v) {
      blk.b[v0 + v] = virial(voigt_a[v], voigt_b[v]);
      blk.w[v0 + v] = w / (sig[2] * scale);
      blk.kind[static_cast<std::size_t>(v0 + v)] = RowKind::virial;
    }
  }
  return blk;
}

}  // namespace detail

namespace detail {

/// What every pass over the data needs: the sparse points of each term (in res), the column
/// layout, and the prior rows Lᵀ of each term's K_MM + jitter.
struct GpSetup {
  GpFitResult res;
  std::vector<Eigen::Index> col0;
  Eigen::Index columns = 0;
  std::vector<Eigen::MatrixXd> prior;  ///< per term, M_t × M_t upper triangular
};

template <class Terms>
GpSetup gp_setup(const Dataset& data, const Terms& terms, const GpFitOptions& opt) {
  if (data.empty()) throw InputError("sparse GP fit: the training set is empty");
  opt.sigma.validate();
  GpSetup g;
  g.res.e0 = gp_e0(data, opt);
  std::size_t index = 0;
  for_each_term(terms, [&](const auto& term) { g.res.terms.push_back(choose_sparse_points(term, data, opt.seed, index++)); });
  for (const auto& t : g.res.terms) {
    g.col0.push_back(g.columns);
    g.columns += t.sparse.rows();
  }
  g.res.columns = static_cast<std::size_t>(g.columns);
  index = 0;
  for_each_term(terms, [&](const auto& term) {
    GpTermFit& t = g.res.terms[index++];
    t.jitter = opt.jitter;
    g.prior.push_back(prior_rows(sparse_covariance(term.kernel, term.delta, t.sparse, t.sparse_cutoff), t.jitter));
  });
  return g;
}

/// Assembles the observation rows of every structure, in parallel per block of structures, and
/// hands them to sink(block) in data-set order; progress(done, total) after every block.
template <class Terms, class Sink, class Progress>
void for_each_structure_rows(const Dataset& data, const Terms& terms, const GpSetup& g, const GpFitOptions& opt,
                             Sink&& sink, Progress&& progress) {
  const std::size_t block = std::max<std::size_t>(1, opt.structures_per_block);
  std::vector<RowBlock> rows(block);
  for (std::size_t start = 0; start < data.size(); start += block) {
    const std::size_t stop = std::min(data.size(), start + block);
    tbb::parallel_for(start, stop, [&](std::size_t k) {
      rows[k - start] = gp_structure_rows(terms, g.res.terms, g.col0, g.columns, data[k], k, g.res.e0, opt.sigma);
    });
    for (std::size_t k = start; k < stop; ++k) sink(static_cast<const RowBlock&>(rows[k - start]));
    progress(stop, data.size());
  }
}

}  // namespace detail

/// Fits the sparse GP. `terms` is a tuple of GpTermSpec; `progress(done, total)` is called after
/// every block of structures (may be a no-op).
template <class Terms, class Progress>
GpFitResult fit_sparse_gp(const Dataset& data, const Terms& terms, const GpFitOptions& opt, Progress&& progress) {
  detail::GpSetup g = detail::gp_setup(data, terms, opt);
  GpFitResult& res = g.res;
  // the stacked system [prior rows; weighted observation rows], reduced by incremental QR
  SolverOptions so;
  so.kind = SolverKind::svd;
  so.scale_columns = false;
  so.allow_rank_deficient = true;
  so.rcond = opt.rcond;
  LeastSquares ls(static_cast<std::size_t>(g.columns), so);
  const Communicator& comm = opt.communicator ? *opt.communicator : serial_communicator();
  for (std::size_t t = 0; t < g.prior.size() && comm.is_root(); ++t) {  // the prior once, on rank 0
    const Eigen::MatrixXd& U = g.prior[t];
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(U.rows(), g.columns);
    A.middleCols(g.col0[t], U.cols()) = U;
    ls.add(A, Eigen::VectorXd::Zero(U.rows()), Eigen::VectorXd::Ones(U.rows()));
  }
  const RankPart part(data, comm);
  detail::for_each_structure_rows(
      part.get(), terms, g, opt,
      [&](const RowBlock& b) {
        res.observations += static_cast<std::size_t>((b.w.array() != 0.0).count());
        ls.add(b.A, b.b, b.w);
      },
      progress);
  ls.reduce(comm);
  res.observations = static_cast<std::size_t>(comm.sum(static_cast<double>(res.observations)));
  if (res.observations == 0) throw InputError("sparse GP fit: no energy, force or virial labels to fit");
  const Solution sol = ls.solve();
  if (!sol.coefficients.allFinite()) throw NumericalError("sparse GP fit produced non-finite coefficients");
  res.rank = sol.rank;
  for (std::size_t t = 0; t < res.terms.size(); ++t)
    res.terms[t].alpha = sol.coefficients.segment(g.col0[t], res.terms[t].sparse.rows());
  return res;
}

template <class Terms>
GpFitResult fit_sparse_gp(const Dataset& data, const Terms& terms, const GpFitOptions& opt) {
  return fit_sparse_gp(data, terms, opt, [](std::size_t, std::size_t) {});
}

/// Predictions of a fitted GP through the same covariance rows as the fit (energy, forces, virial of
/// one structure, in the row layout of the fit). Slow but independent of any potential class: used to
/// validate fits and potentials against each other.
template <class Terms>
Eigen::VectorXd gp_predict_rows(const Terms& terms, const GpFitResult& fit, const Structure& s) {
  Frame f;
  f.structure = s;
  f.labels.energy = 0.0;
  f.labels.forces = std::vector<Vec3>(s.size(), Vec3::Zero());
  std::vector<Eigen::Index> col0;
  Eigen::Index columns = 0;
  for (const auto& t : fit.terms) {
    col0.push_back(columns);
    columns += t.sparse.rows();
  }
  GpSigmas sig;
  const RowBlock b = detail::gp_structure_rows(terms, fit.terms, col0, columns, f, 0, {}, sig);
  Eigen::VectorXd alpha(columns);
  for (std::size_t t = 0; t < fit.terms.size(); ++t) alpha.segment(col0[t], fit.terms[t].alpha.size()) = fit.terms[t].alpha;
  Eigen::VectorXd y = b.A * alpha;
  for (int z : s.numbers) {
    auto it = fit.e0.find(z);
    if (it != fit.e0.end()) y[0] += it->second;
  }
  return y;
}

}  // namespace pestle

#if !defined(PESTLE_COMPILED_FIT)
#include "pestle/fit/impl/sparse_gp.hpp"
#endif
