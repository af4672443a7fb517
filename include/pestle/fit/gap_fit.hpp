#pragma once
// GAP fitting in gap_fit's terms: the model is given as gap_fit's `gap={...}` string (terms
// separated by ':', each a QUIP descriptor string plus its fit keys: covariance_type, delta, zeta,
// theta_uniform, n_sparse, sparse_method, add_species), together with default_sigma, e0 or
// e0_method=average, sparse_jitter and config_type sigmas. The result is a GapModel (models/gap.hpp)
// that GapPotential evaluates and formats/gap_xml.hpp writes as a QUIP XML file.
//
// The regression itself is fit/sparse_gp.hpp (DTC by stacked QR). This file supplies the term
// sources (SOAP environments; distance_2b / distance_Nb clusters), the kernels in the form the fit
// needs, and the add_species expansion of gap_fit. Conventions and formulas: docs/gap-fit.md.
#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "pestle/core/dataset.hpp"
#include "pestle/core/error.hpp"
#include "pestle/descriptors/distance_nb.hpp"
#include "pestle/descriptors/soap.hpp"
#include "pestle/fit/compiled.hpp"
#include "pestle/fit/sparse_gp.hpp"
#include "pestle/formats/quip_descriptor_string.hpp"
#include "pestle/models/gap.hpp"
#include "pestle/models/kernels.hpp"

namespace pestle {

// ---------------------------------------------------------------------------------------------
// Kernels as the fit sees them (without δ², which the fit applies).

/// (q·x)^ζ.
struct DotProductFitKernel {
  DotProductKernel k;
  Eigen::MatrixXd matrix(const Eigen::MatrixXd& Q, const Eigen::MatrixXd& X) const {
    Eigen::MatrixXd C = Q * X.transpose();
    for (Eigen::Index j = 0; j < C.cols(); ++j)
      for (Eigen::Index i = 0; i < C.rows(); ++i) {
        double v, dv;
        k.power(C(i, j), v, dv);
        C(i, j) = v;
      }
    return C;
  }
  void gradient(const Eigen::RowVectorXd& q, const Eigen::MatrixXd& X, Eigen::MatrixXd& W) const {
    const Eigen::VectorXd c = X * q.transpose();
    Eigen::VectorXd s(c.size());
    for (Eigen::Index m = 0; m < c.size(); ++m) {
      double v;
      k.power(c[m], v, s[m]);
    }
    W.noalias() = s.asDiagonal() * X;
  }
};

/// QUIP's ARD squared exponential Σ_p exp(−½ Σ_c ((y_π(c) − x_c)/θ_c)²), normalised by
/// √(k(x,x) k(y,y)) when there is more than one permutation (kernels.hpp has the same formula).
struct ArdFitKernel {
  std::vector<double> theta;
  std::vector<std::vector<int>> perms;

  /// k(x, y) and, if dk is not null, ∂k/∂x.
  double value(const double* x, const double* y, double* dk) const {
    const std::size_t d = theta.size();
    double k = 0.0;
    if (dk) std::fill(dk, dk + d, 0.0);
    for (const auto& p : perms) {
      double r2 = 0.0;
      for (std::size_t c = 0; c < d; ++c) {
        const double v = (y[p[c]] - x[c]) / theta[c];
        r2 += v * v;
      }
      const double e = std::exp(-0.5 * r2);
      k += e;
      if (dk)
        for (std::size_t c = 0; c < d; ++c) dk[c] += e * (y[p[c]] - x[c]) / (theta[c] * theta[c]);
    }
    return k;
  }
  /// k(x, x) and its gradient (x appears on both sides).
  double self(const double* x, double* dk) const {
    const std::size_t d = theta.size();
    double k = 0.0;
    if (dk) std::fill(dk, dk + d, 0.0);
    for (const auto& p : perms) {
      double r2 = 0.0;
      for (std::size_t c = 0; c < d; ++c) {
        const double v = (x[p[c]] - x[c]) / theta[c];
        r2 += v * v;
      }
      const double e = std::exp(-0.5 * r2);
      k += e;
      if (dk)
        for (std::size_t c = 0; c < d; ++c) {
          const double g = e * (x[p[c]] - x[c]) / (theta[c] * theta[c]);
          dk[c] += g;
          dk[p[c]] -= g;
        }
    }
    return k;
  }
  Eigen::MatrixXd matrix(const Eigen::MatrixXd& Q, const Eigen::MatrixXd& X) const {
    const RowMatrix Qr = Q, Xr = X;  // contiguous rows
    Eigen::MatrixXd K(Q.rows(), X.rows());
    const bool norm = perms.size() > 1;
    std::vector<double> sx(static_cast<std::size_t>(X.rows()), 1.0);
    if (norm)
      for (Eigen::Index m = 0; m < X.rows(); ++m) sx[static_cast<std::size_t>(m)] = self(Xr.row(m).data(), nullptr);
    for (Eigen::Index a = 0; a < Q.rows(); ++a) {
      const double sq = norm ? self(Qr.row(a).data(), nullptr) : 1.0;
      for (Eigen::Index m = 0; m < X.rows(); ++m)
        K(a, m) = value(Qr.row(a).data(), Xr.row(m).data(), nullptr) / std::sqrt(sq * sx[static_cast<std::size_t>(m)]);
    }
    return K;
  }
  void gradient(const Eigen::RowVectorXd& q, const Eigen::MatrixXd& X, Eigen::MatrixXd& W) const {
    const std::size_t d = theta.size();
    const RowMatrix Xr = X;
    W.resize(X.rows(), static_cast<Eigen::Index>(d));
    const bool norm = perms.size() > 1;
    std::vector<double> dself(d), dk(d);
    const double sq = norm ? self(q.data(), dself.data()) : 1.0;
    for (Eigen::Index m = 0; m < X.rows(); ++m) {
      const double k = value(q.data(), Xr.row(m).data(), dk.data());
      if (!norm) {
        for (std::size_t c = 0; c < d; ++c) W(m, static_cast<Eigen::Index>(c)) = dk[c];
        continue;
      }
      const double sm = self(Xr.row(m).data(), nullptr), n = std::sqrt(sq * sm);
      for (std::size_t c = 0; c < d; ++c) W(m, static_cast<Eigen::Index>(c)) = dk[c] / n - 0.5 * k / n * dself[c] / sq;
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Instance sources of distance terms.

/// distance_2b / distance_Nb clusters as fit instances; derivatives are with respect to the
/// absolute positions of the cluster's atoms (InstanceGradient::centre = no_centre).
template <class D>
struct ClusterInstances {
  D descriptor;
  CoordinationCutoff fcut;

  std::size_t dimension() const { return descriptor.size(); }
  double covariance_cutoff(const Eigen::RowVectorXd& x) const {
    double f = 1.0;  // product of the pair cutoffs of the distances (1-D: the pair itself)
    for (Eigen::Index c = 0; c < x.size(); ++c) f *= fcut.value(x[c]);
    return x.size() == 1 ? f : 1.0;
  }

  TermInstances instances(const Structure& s, bool with_gradients) const {
    const NeighbourList nl = build_neighbour_list(s, descriptor.neighbour_options());
    std::vector<ClusterInstance> all;
    for (std::size_t i = 0; i < s.size(); ++i) descriptor.for_each(s, nl, i, [&](const ClusterInstance& c) { all.push_back(c); });
    const auto d = static_cast<Eigen::Index>(descriptor.size());
    TermInstances t;
    t.q.resize(static_cast<Eigen::Index>(all.size()), d);
    t.cutoff.resize(static_cast<Eigen::Index>(all.size()));
    std::size_t entries = 0;
    for (const auto& c : all) entries += static_cast<std::size_t>(c.atoms);
    if (with_gradients) {
      t.dq.resize(d, static_cast<Eigen::Index>(3 * entries));
      t.dcutoff.resize(3, static_cast<Eigen::Index>(entries));
      t.grads.reserve(entries);
    }
    std::size_t e = 0;
    for (std::size_t a = 0; a < all.size(); ++a) {
      const ClusterInstance& c = all[a];
      for (Eigen::Index k = 0; k < d; ++k) t.q(static_cast<Eigen::Index>(a), k) = c.x[static_cast<std::size_t>(k)];
      t.cutoff[static_cast<Eigen::Index>(a)] = c.fc;
      if (!with_gradients) continue;
      for (int m = 0; m < c.atoms; ++m, ++e) {
        const auto mm = static_cast<std::size_t>(m);
        t.grads.push_back({a, InstanceGradient::no_centre, static_cast<std::size_t>(c.atom[mm]), c.rel[mm]});
        for (Eigen::Index k = 0; k < d; ++k)
          t.dq.block(k, static_cast<Eigen::Index>(3 * e), 1, 3) = c.dx[static_cast<std::size_t>(k)][mm].transpose();
        t.dcutoff.col(static_cast<Eigen::Index>(e)) = c.dfc[mm];
      }
    }
    return t;
  }
};

// ---------------------------------------------------------------------------------------------
// gap_fit-style settings.

struct GapFitTerm {
  std::string descriptor;  ///< QUIP descriptor string with its fit keys
};

struct GapFitSettings {
  std::string gap;                 ///< gap_fit's gap={...} value: terms separated by ':'
  GpSigmas sigma;                  ///< default_sigma {E F V} (+ config_type sigmas)
  std::map<int, double> e0;        ///< per Z, eV; ignored when e0_average
  bool e0_average = true;          ///< e0_method=average (the mean of E/N over structures)
  double sparse_jitter = 1e-8;
  std::uint64_t seed = 42;
  const Communicator* communicator = nullptr;  ///< ranks that share the covariance rows (GpFitOptions)
};

namespace detail::gapfit {

inline std::vector<std::string> split_terms(const std::string& gap) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : gap) {
    if (c == '{') ++depth;
    if (c == '}') --depth;
    if (c == ':' && depth == 0) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  std::erase_if(out, [](const std::string& s) { return s.find_first_not_of(" \t\n") == std::string::npos; });
  if (out.empty()) throw InputError("the gap string has no terms");
  return out;
}

inline std::string z_list(const std::vector<int>& z) {
  std::string s = "{";
  for (std::size_t k = 0; k < z.size(); ++k) {
    if (k) s.push_back(' ');
    s.append(std::to_string(z[k]));
  }
  s.push_back('}');
  return s;
}

/// gap_fit's add_species: one term per centre species (soap) or species pair (distance_2b).
inline std::vector<std::string> add_species(const std::string& term, const std::vector<int>& species) {
  const io::QuipKeyValues kv = io::parse_quip_key_values(term);
  auto is = [&](const char* n) { return io::QuipKeyValues::equal_ignoring_case(kv.name, n); };
  std::vector<std::string> out;
  if (is("soap")) {
    if (kv.has("Z") || kv.has("species_Z") || kv.has("n_species")) return {term};
    for (int z : species)
      out.push_back(term + " n_species=" + std::to_string(species.size()) + " Z=" + std::to_string(z) +
                    " species_Z=" + z_list(species));
  } else if (is("distance_2b")) {
    if (kv.has("Z1") || kv.has("Z2")) return {term};
    for (std::size_t a = 0; a < species.size(); ++a)
      for (std::size_t b = a; b < species.size(); ++b)
        out.push_back(term + " Z1=" + std::to_string(species[a]) + " Z2=" + std::to_string(species[b]));
  } else if (is("distance_Nb")) {
    if (kv.has("Z")) return {term};
    const int order = io::quip_detail::get_int(kv, "order", std::nullopt);
    if (species.size() != 1)
      throw InputError("distance_Nb with add_species and several species: give Z={...} for each term explicitly");
    out.push_back(term + " Z=" + z_list(std::vector<int>(static_cast<std::size_t>(order), species[0])));
  } else {
    return {term};
  }
  return out;
}

/// Permutations of a cluster's distances (0-1, 0-2, 1-2) under the permutations of its atoms that
/// keep every atom's species (the symmetries QUIP symmetrises the kernel over).
inline std::vector<std::vector<int>> distance_permutations(const io::QuipDistanceNb& d) {
  if (d.order == 2) return {{0}};
  const int pair_index[3][3] = {{-1, 0, 1}, {0, -1, 2}, {1, 2, -1}};
  const int pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
  std::vector<std::vector<int>> out;
  std::array<int, 3> perm{0, 1, 2};
  do {
    bool keeps = true;
    for (int k = 0; k < 3; ++k) keeps = keeps && d.Z[static_cast<std::size_t>(perm[static_cast<std::size_t>(k)])] == d.Z[static_cast<std::size_t>(k)];
    if (!keeps) continue;
    std::vector<int> p(3);
    for (int q = 0; q < 3; ++q)
      p[static_cast<std::size_t>(q)] = pair_index[perm[static_cast<std::size_t>(pairs[q][0])]][perm[static_cast<std::size_t>(pairs[q][1])]];
    out.push_back(p);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return out;
}

/// Fit keys of one term with gap_fit's defaults.
struct TermKeys {
  GapCovariance covariance;
  double delta = 1.0, zeta = 4.0, theta_uniform = 1.0;
  std::size_t n_sparse = 100;
  SparseMethod method = SparseMethod::cur;
};

inline TermKeys term_keys(const io::QuipKeyValues& kv, bool is_soap) {
  using namespace io::quip_detail;
  TermKeys k;
  const std::string cov = kv.has("covariance_type") ? *kv.find("covariance_type") : (is_soap ? "dot_product" : "ard_se");
  if (cov == "dot_product") k.covariance = GapCovariance::dot_product;
  else if (cov == "ard_se") k.covariance = GapCovariance::ard_se;
  else throw InputError("term '" + kv.text + "': covariance_type '" + cov + "' is not supported (dot_product, ard_se)");
  if (is_soap != (k.covariance == GapCovariance::dot_product))
    throw InputError("term '" + kv.text + "': pestle fits soap with dot_product and distances with ard_se");
  k.delta = get_real(kv, "delta", 1.0);
  k.zeta = get_real(kv, "zeta", 4.0);
  k.theta_uniform = get_real(kv, "theta_uniform", 1.0);
  const int n = get_int(kv, "n_sparse", std::nullopt);
  if (n < 1) throw InputError("term '" + kv.text + "': n_sparse must be at least 1");
  k.n_sparse = static_cast<std::size_t>(n);
  k.method = sparse_method_from_name(kv.has("sparse_method") ? *kv.find("sparse_method") : (is_soap ? "cur" : "uniform"));
  if (!(k.delta > 0.0)) throw InputError("term '" + kv.text + "': delta must be > 0");
  if (!(k.zeta > 0.0)) throw InputError("term '" + kv.text + "': zeta must be > 0");
  if (!(k.theta_uniform > 0.0)) throw InputError("term '" + kv.text + "': theta_uniform must be > 0");
  return k;
}

}  // namespace detail::gapfit

/// The term types a GAP fit can hold (the GAP family's closed set of descriptors).
using GapFitTermSpec = std::variant<GpTermSpec<AtomEnvironments<Soap<>>, DotProductFitKernel>,
                                    GpTermSpec<ClusterInstances<Distance2b>, ArdFitKernel>,
                                    GpTermSpec<ClusterInstances<DistanceNb>, ArdFitKernel>>;

/// The terms of a gap string after add_species, as model terms (without sparse sets) and fit specs.
inline std::pair<std::vector<GapTerm>, std::vector<GapFitTermSpec>> gap_fit_terms(const std::string& gap,
                                                                               const std::vector<int>& species) {
  using namespace detail::gapfit;
  std::vector<GapTerm> terms;
  std::vector<GapFitTermSpec> specs;
  for (const std::string& raw : split_terms(gap)) {
    const io::QuipKeyValues raw_kv = io::parse_quip_key_values(raw);
    const bool add = io::quip_detail::get_bool(raw_kv, "add_species", true);
    for (const std::string& str : add ? add_species(raw, species) : std::vector<std::string>{raw}) {
      const io::QuipKeyValues kv = io::parse_quip_key_values(str);
      GapTerm t;
      t.descriptor_string = str;
      t.descriptor = io::parse_quip_descriptor(str);
      const bool soap = std::holds_alternative<io::QuipSoap>(t.descriptor);
      const TermKeys k = term_keys(kv, soap);
      t.label = "pestle_term_" + std::to_string(terms.size() + 1);
      t.covariance = k.covariance;
      t.sparse.delta = k.delta;
      const std::size_t dims = io::quip_descriptor_dimensions(t.descriptor);
      if (soap) {
        t.zeta = k.zeta;
        const auto& q = std::get<io::QuipSoap>(t.descriptor);
        specs.emplace_back(GpTermSpec<AtomEnvironments<Soap<>>, DotProductFitKernel>{
            {Soap<>(gap_detail::soap_params(q)), q.Z}, {DotProductKernel(k.zeta)}, k.delta, k.n_sparse, k.method});
      } else {
        t.theta.assign(dims, k.theta_uniform);
        if (const auto* d2 = std::get_if<io::QuipDistance2b>(&t.descriptor)) {
          t.permutations = {std::vector<int>(dims)};
          for (std::size_t c = 0; c < dims; ++c) t.permutations[0][c] = static_cast<int>(c);
          specs.emplace_back(GpTermSpec<ClusterInstances<Distance2b>, ArdFitKernel>{
              {Distance2b(*d2), CoordinationCutoff{d2->cutoff, d2->cutoff_transition_width}},
              {t.theta, t.permutations}, k.delta, k.n_sparse, k.method});
        } else {
          const auto& dn = std::get<io::QuipDistanceNb>(t.descriptor);
          t.permutations = distance_permutations(dn);
          specs.emplace_back(GpTermSpec<ClusterInstances<DistanceNb>, ArdFitKernel>{
              {DistanceNb(dn), CoordinationCutoff{dn.cutoff, dn.cutoff_transition_width}},
              {t.theta, t.permutations}, k.delta, k.n_sparse, k.method});
        }
      }
      terms.push_back(std::move(t));
    }
  }
  return {std::move(terms), std::move(specs)};
}

/// The sparse-GP options of a GAP fit: σ, jitter, seed and e0 (given, or gap_fit's
/// e0_method=average: the mean over structures of E/N, for every element).
inline GpFitOptions gap_fit_options(const Dataset& data, const GapFitSettings& s) {
  GpFitOptions opt;
  opt.sigma = s.sigma;
  opt.jitter = s.sparse_jitter;
  opt.communicator = s.communicator;
  opt.e0 = s.e0;
  opt.e0_average = false;
  if (s.e0_average) {
    double sum = 0.0;
    std::size_t n = 0;
    for (const Frame& f : data)
      if (f.labels.energy) {
        sum += *f.labels.energy / static_cast<double>(f.size());
        ++n;
      }
    if (n == 0) throw InputError("e0_method=average needs structures with energies");
    opt.e0.clear();
    for (int z : data.species()) opt.e0[z] = sum / static_cast<double>(n);
  }
  opt.seed = s.seed;
  return opt;
}

/// Called with (structures done, total) after every block of structures of a GAP fit.
using GapFitProgress = std::function<void(std::size_t done, std::size_t total)>;

/// Fits a GAP model to the data set; progress (if any) after every block of structures; `details`
/// (if given) receives the sparse points, weights and e0 of the fit.
/// (Definition: fit/impl/gap_fit.hpp, compiled once in pestle::runtime_fit.)
PESTLE_FIT_INLINE GapModel fit_gap(const Dataset& data, const GapFitSettings& s, const GapFitProgress& progress = {},
                                   GpFitResult* details = nullptr);

}  // namespace pestle

#if !defined(PESTLE_COMPILED_FIT)
#include "pestle/fit/impl/gap_fit.hpp"
#endif
