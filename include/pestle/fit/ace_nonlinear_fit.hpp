#pragma once
// Nonlinear ACE fitting (docs/ace.md §11). P densities per atom over the coupled B-basis,
//   φ_ip = Σ_q c_{μ_i,p,q} B_iq,     E_i = Σ_p w_p F(φ_ip; m_p) + e0(μ_i),
// with the embedding F of models/ace.hpp ("FinnisSinclair": the smooth signed power, so
// w = (1, 1), m = (1, ½) is ε = φ₁ + √φ₂; "linear": F = φ). The coefficients minimise
//   𝓛 = (1−κ)·𝓛_E + κ·𝓛_F + λ₂ Σ ĉ² + λ₁ Σ |ĉ|
//   𝓛_E = Σ_s w_Es ((Ê_s − E_s)/n_s)² / Σ_s w_Es              (eV/atom)²
//   𝓛_F = Σ_s w_Fs Σ_k |F̂_k − F_k|² / Σ_s 3 n_s w_Fs            (eV/Å)² per component
// over ĉ = c / scale (scale_q = 1 / RMS of B_q over the training atoms of that element), by
// L-BFGS. The descriptor and its derivatives are computed once and kept (dB in float: half the
// memory, and the loss only needs it to single precision); every loss evaluation is then two
// passes over them, parallel over structures and summed in structure order (deterministic).
//
// Gradient (G_ij = ∂E_i/∂r_ij = Σ_p w_p F'(φ_ip) c_p·∂B_i/∂r_ij, the force on j is −G_ij and on i
// +G_ij): with ρ_k = F̂_k − F_k and d_ij = ρ_i − ρ_j, u_i = Σ_j d_ij·∂B_i/∂r_ij (one K-vector per atom),
//   ∂(½Σ_k|ρ_k|²)/∂c_p = Σ_i w_p [F'(φ_ip) u_i + F''(φ_ip) (c_p·u_i) B_i].
//
// Start: a linear ACE fit (the "solver" keys) gives density 1 and e0; the other densities start at
// small random values (init_scale in standardised units, seeded). "initial_model" warm-starts from a
// saved ace or ace_linear model instead ("upfit"), e.g. with another κ or on a grown basis
// (ace_nonlinear_run.hpp). Every checkpoint_every
// iterations the parameters and the L-BFGS memory go to OUTPUT.checkpoint.json; a rerun resumes from
// there and continues the same L-BFGS run (the result equals that of an uninterrupted run). A non-finite
// loss stops the fit with an error that names the last good checkpoint.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <tuple>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>
#include <tbb/parallel_for.h>

#include "pestle/core/error.hpp"
#include "pestle/fit/ace_fit.hpp"
#include "pestle/models/ace.hpp"
#include "pestle/models/ace_linear.hpp"
#include "pestle/models/ace_nonlinear.hpp"
#include "pestle/math/lbfgsb.hpp"

namespace pestle {

struct AceLossSettings {
  double kappa = 0.3;  ///< force share of the loss
  double l1 = 0.0, l2 = 1e-8;
};

struct AceLossTerms {
  double loss = 0.0;
  double energy_rmse = 0.0;  ///< eV/atom, unweighted, over structures with an energy
  double force_rmse = 0.0;   ///< eV/Å per component, unweighted
};

namespace detail::acenl {

/// One structure's fixed data: descriptors, their derivatives and labels.
struct StructureData {
  std::size_t atoms = 0;
  std::vector<int> species;               ///< element index per atom
  std::vector<double> B;                  ///< atoms × K
  std::vector<std::size_t> offsets{0};    ///< neighbour entries of atom i: [offsets[i], offsets[i+1])
  std::vector<int> neighbour;             ///< atom j of each entry
  std::vector<float> dB;                  ///< entries × 3 × K, ∂B_i/∂r_ij
  std::optional<double> energy;           ///< eV
  std::vector<Vec3> forces;               ///< empty without forces
  double w_energy = 0.0, w_force = 0.0;
};

inline StructureData structure_data(const AceDescriptor& d, const Frame& f, std::size_t index,
                                    const std::vector<int>& elements, const DesignOptions& opt) {
  const Structure& s = f.structure;
  s.validate();
  StructureData out;
  out.atoms = s.size();
  const std::size_t K = d.size();
  for (int z : s.numbers) {
    const auto it = std::find(elements.begin(), elements.end(), z);
    if (it == elements.end())
      throw InputError("structure " + std::to_string(index) + " contains " + std::string(element_symbol(z)) +
                       ", which is not among the fitted species");
    out.species.push_back(int(it - elements.begin()));
  }
  const double base = f.labels.weight * opt.weights.group(f);
  if (f.labels.energy) {
    if (!std::isfinite(*f.labels.energy)) throw InputError("structure " + std::to_string(index) + ": energy is not finite");
    out.energy = *f.labels.energy;
    out.w_energy = base * opt.weights.energy;
  }
  if (f.labels.forces) {
    for (const Vec3& v : *f.labels.forces)
      if (!std::isfinite(v[0]) || !std::isfinite(v[1]) || !std::isfinite(v[2]))
        throw InputError("structure " + std::to_string(index) + ": a force is not finite");
    out.forces = *f.labels.forces;
    out.w_force = base * opt.weights.force;
  }
  const NeighbourList nl = build_neighbour_list(s, d.neighbour_options());
  auto ws = d.make_workspace();
  out.B.resize(out.atoms * K);
  std::vector<double> dq;
  for (std::size_t i = 0; i < out.atoms; ++i) {
    const std::size_t nn = nl.count(i);
    dq.assign(std::max<std::size_t>(1, nn * 3 * K), 0.0);
    d.compute_with_derivatives(s, nl, i, ws, std::span<double>(out.B.data() + i * K, K),
                               std::span<double>(dq.data(), nn * 3 * K));
    for (std::size_t n = 0; n < nn; ++n) out.neighbour.push_back(nl.index[nl.begin(i) + n]);
    out.offsets.push_back(out.neighbour.size());
    out.dB.insert(out.dB.end(), dq.begin(), dq.begin() + std::ptrdiff_t(nn * 3 * K));
  }
  return out;
}

/// F, F' and F'' of the embedding named in the config.
struct Embedding {
  std::string type;
  template <class E>
  static double of(double x, double m, double& d1, double& d2) {
    d2 = E::curvature(x, m);
    return E::value(x, m, d1);
  }
  double value(double x, double m, double& d1, double& d2) const {
    if (type == AceLinearEmbedding::name) return of<AceLinearEmbedding>(x, m, d1, d2);
    if (type == AceShiftedScaledEmbedding::name) return of<AceShiftedScaledEmbedding>(x, m, d1, d2);
    return of<AceSmoothPowerEmbedding>(x, m, d1, d2);
  }
};

/// Sums of one structure: loss pieces and the gradient with respect to the raw coefficients.
struct StructureResult {
  double energy_sq = 0.0, force_sq = 0.0;  // weighted
  double energy_sq_raw = 0.0, force_sq_raw = 0.0;                          // unweighted
  std::size_t force_components = 0;
  Eigen::VectorXd grad_e, grad_f;  // ∂(weighted sums)/∂(e0, c), raw units, before normalisation
};

}  // namespace detail::acenl

/// The loss of a nonlinear ACE model on fixed training data, with its gradient.
class AceNonlinearLoss {
 public:
  AceNonlinearLoss(const AceBasisSpec& spec, const Dataset& data, const DesignOptions& opt, AceEmbeddingSpec embedding,
                   AceLossSettings settings)
      : spec_(spec), descriptor_(ace_b_descriptor(spec)), embedding_(std::move(embedding)), settings_(settings) {
    check_ace_embedding(embedding_);
    if (data.empty()) throw InputError("cannot fit to an empty data set");
    if (!(settings_.kappa >= 0.0 && settings_.kappa <= 1.0)) throw InputError("\"loss.kappa\" must lie in [0, 1]");
    if (!(settings_.l1 >= 0.0) || !(settings_.l2 >= 0.0)) throw InputError("\"loss.l1\" and \"loss.l2\" must be >= 0");
    K_ = descriptor_.size();
    P_ = embedding_.densities();
    data_.resize(data.size());
    tbb::parallel_for(std::size_t{0}, data.size(), [&](std::size_t k) {
      data_[k] = detail::acenl::structure_data(descriptor_, data[k], k, spec_.elements, opt);
    });
    compute_scales();
    check_determined();
    for (const auto& d : data_) {
      if (d.energy) total_energy_weight_ += d.w_energy;
      if (!d.forces.empty()) total_force_weight_ += d.w_force * double(3 * d.atoms);
    }
  }

  std::size_t parameters() const noexcept { return spec_.elements.size() * block(); }
  std::size_t basis_size() const noexcept { return K_; }
  const AceDescriptor& descriptor() const noexcept { return descriptor_; }
  std::size_t cache_bytes() const {
    std::size_t b = 0;
    for (const auto& s : data_) b += s.B.size() * sizeof(double) + s.dB.size() * sizeof(float) + s.neighbour.size() * sizeof(int);
    return b;
  }

  /// θ layout per element: [e0, ĉ_0 (K), ..., ĉ_{P-1} (K)], ĉ = c / scale.
  Eigen::VectorXd theta(const std::vector<double>& e0, const std::vector<std::vector<std::vector<double>>>& c) const {
    Eigen::VectorXd t(static_cast<Eigen::Index>(parameters()));
    for (std::size_t s = 0; s < spec_.elements.size(); ++s) {
      t[Eigen::Index(s * block())] = e0.at(s);
      for (std::size_t p = 0; p < P_; ++p)
        for (std::size_t q = 0; q < K_; ++q) t[index(s, p, q)] = c.at(s).at(p).at(q) / scale_[s][q];
    }
    return t;
  }

  AceNonlinearModel model(const Eigen::VectorXd& t) const {
    AceNonlinearModel m;
    m.spec = spec_;
    m.embedding = embedding_;
    for (std::size_t s = 0; s < spec_.elements.size(); ++s) m.e0.push_back(t[Eigen::Index(s * block())]);
    m.coefficients = model_coefficients(t);
    m.contracted = contract_ace_densities(descriptor_.basis(), m.coefficients);
    return m;
  }

  /// 𝓛(θ), its gradient, and the unweighted RMSEs.
  double evaluate(const Eigen::VectorXd& t, Eigen::VectorXd& grad, AceLossTerms* terms = nullptr) const {
    const std::vector<std::vector<std::vector<double>>> c = model_coefficients(t);
    std::vector<detail::acenl::StructureResult> r(data_.size());
    tbb::parallel_for(std::size_t{0}, data_.size(), [&](std::size_t k) { r[k] = structure(data_[k], t, c); });
    double esq = 0, fsq = 0, esq_raw = 0, fsq_raw = 0;
    std::size_t ne = 0, nf = 0;
    Eigen::VectorXd ge = Eigen::VectorXd::Zero(t.size()), gf = Eigen::VectorXd::Zero(t.size());
    for (std::size_t k = 0; k < r.size(); ++k) {  // in order: the sum does not depend on the threads
      esq += r[k].energy_sq, fsq += r[k].force_sq;
      esq_raw += r[k].energy_sq_raw, fsq_raw += r[k].force_sq_raw;
      ne += data_[k].energy && data_[k].w_energy > 0.0 ? 1 : 0;
      nf += r[k].force_components;
      if (r[k].grad_e.size()) ge += r[k].grad_e;
      if (r[k].grad_f.size()) gf += r[k].grad_f;
    }
    const double ce = total_energy_weight_ > 0 ? (1.0 - settings_.kappa) / total_energy_weight_ : 0.0;
    const double cf = total_force_weight_ > 0 ? settings_.kappa / total_force_weight_ : 0.0;
    grad = ce * ge + cf * gf;
    // Raw-coefficient gradient → θ (ĉ) gradient, then the regulariser on ĉ.
    for (std::size_t s = 0; s < spec_.elements.size(); ++s)
      for (std::size_t p = 0; p < P_; ++p)
        for (std::size_t q = 0; q < K_; ++q) grad[index(s, p, q)] *= scale_[s][q];
    const double loss = ce * esq + cf * fsq + add_regulariser(t, grad, nullptr);
    if (terms) {
      terms->loss = loss;
      terms->energy_rmse = ne ? std::sqrt(esq_raw / double(ne)) : 0.0;
      terms->force_rmse = nf ? std::sqrt(fsq_raw / double(nf)) : 0.0;
    }
    return loss;
  }

  /// Gauss–Newton model of 𝓛 at θ: H = 2JᵀJ of the weighted residuals (plus the regulariser's
  /// Hessian), g = ∇𝓛 (exact), and 𝓛 itself. Structures go in blocks, parallel inside a block,
  /// and are summed in order, so the result does not depend on the threads.
  double gauss_newton(const Eigen::VectorXd& t, Eigen::MatrixXd& H, Eigen::VectorXd& g) const {
    const std::vector<std::vector<std::vector<double>>> c = model_coefficients(t);
    const Eigen::Index np = Eigen::Index(parameters());
    H = Eigen::MatrixXd::Zero(np, np);
    g = Eigen::VectorXd::Zero(np);
    double loss = 0.0;
    constexpr std::size_t per_block = 16, column_chunk = 128;
    for (std::size_t first = 0; first < data_.size(); first += per_block) {
      const std::size_t m = std::min(per_block, data_.size() - first);
      std::vector<Eigen::MatrixXd> J(m);
      std::vector<Eigen::VectorXd> r(m);
      tbb::parallel_for(std::size_t{0}, m, [&](std::size_t k) { J[k] = jacobian(data_[first + k], t, c, r[k]); });
      Eigen::Index rows = 0;
      for (const auto& Jk : J) rows += Jk.rows();
      Eigen::MatrixXd Js(rows, np);
      Eigen::VectorXd rs(rows);
      for (std::size_t k = 0, at = 0; k < m; at += std::size_t(J[k].rows()), ++k) {
        Js.middleRows(Eigen::Index(at), J[k].rows()) = J[k];
        rs.segment(Eigen::Index(at), r[k].size()) = r[k];
      }
      loss += rs.squaredNorm();
      g.noalias() += 2.0 * Js.transpose() * rs;
      tbb::parallel_for(Eigen::Index{0}, (np + Eigen::Index(column_chunk) - 1) / Eigen::Index(column_chunk),
                        [&](Eigen::Index chunk) {
                          const Eigen::Index c0 = chunk * Eigen::Index(column_chunk);
                          const Eigen::Index w = std::min<Eigen::Index>(Eigen::Index(column_chunk), np - c0);
                          H.middleCols(c0, w).noalias() += 2.0 * Js.transpose() * Js.middleCols(c0, w);
                        });
    }
    return loss + add_regulariser(t, g, &H);
  }

 private:
  std::size_t block() const noexcept { return 1 + P_ * K_; }

  /// λ₂ Σ ĉ² + λ₁ Σ √(ĉ² + 10⁻¹²): returns it, adds its gradient to g and (if given) its Hessian to H.
  double add_regulariser(const Eigen::VectorXd& t, Eigen::VectorXd& g, Eigen::MatrixXd* H) const {
    double penalty = 0.0;
    for (std::size_t s = 0; s < spec_.elements.size(); ++s)
      for (std::size_t p = 0; p < P_; ++p)
        for (std::size_t q = 0; q < K_; ++q) {
          const Eigen::Index i = index(s, p, q);
          const double x = t[i], a = std::sqrt(x * x + 1e-12);
          penalty += settings_.l2 * x * x + settings_.l1 * a;
          g[i] += 2.0 * settings_.l2 * x + settings_.l1 * x / a;
          if (H) (*H)(i, i) += 2.0 * settings_.l2 + settings_.l1 * 1e-12 / (a * a * a);
        }
    return penalty;
  }

  /// Rows of one structure's weighted residuals r (energy, then forces) and their Jacobian in θ.
  Eigen::MatrixXd jacobian(const detail::acenl::StructureData& d, const Eigen::VectorXd& t,
                           const std::vector<std::vector<std::vector<double>>>& c, Eigen::VectorXd& r) const {
    const std::size_t n = d.atoms, P = P_, K = K_;
    const bool has_e = d.energy && d.w_energy > 0.0, has_f = !d.forces.empty() && d.w_force > 0.0;
    const Eigen::Index rows = Eigen::Index((has_e ? 1 : 0) + (has_f ? 3 * n : 0)), row_f = has_e ? 1 : 0;
    Eigen::MatrixXd J = Eigen::MatrixXd::Zero(rows, Eigen::Index(parameters()));
    r.resize(rows);
    const Prediction pred = predict(d, t, c, has_f);
    if (has_e) {
      const double a = std::sqrt((1.0 - settings_.kappa) / total_energy_weight_ * d.w_energy) / double(n);
      r[0] = a * (pred.energy - *d.energy);
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t s = std::size_t(d.species[i]);
        J(0, Eigen::Index(s * block())) += a;
        for (std::size_t p = 0; p < P; ++p)
          for (std::size_t q = 0; q < K; ++q) J(0, index(s, p, q)) += a * pred.dF[i * P + p] * d.B[i * K + q];
      }
    }
    if (has_f) {
      const double b = std::sqrt(settings_.kappa / total_force_weight_ * d.w_force);
      for (std::size_t k = 0; k < n; ++k)
        for (int x = 0; x < 3; ++x) r[row_f + Eigen::Index(3 * k) + x] = b * (pred.force[k][x] - d.forces[k][x]);
      std::vector<double> v(K);
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t s = std::size_t(d.species[i]);
        for (std::size_t e = d.offsets[i]; e < d.offsets[i + 1]; ++e) {
          const std::size_t j = std::size_t(d.neighbour[e]);
          for (int x = 0; x < 3; ++x) {
            const float* gq = d.dB.data() + (e * 3 + std::size_t(x)) * K;
            const Eigen::Index ri = row_f + Eigen::Index(3 * i) + x, rj = row_f + Eigen::Index(3 * j) + x;
            for (std::size_t p = 0; p < P; ++p) {
              // ∂G_ij,x/∂c_pq = w_p F'(φ_ip) ∂B_iq/∂r_ij,x + w_p F''(φ_ip) B_iq (c_p·∂B_i/∂r_ij,x)
              double cg = 0.0;
              for (std::size_t q = 0; q < K; ++q) cg += c[s][p][q] * double(gq[q]);
              const double f1 = b * pred.dF[i * P + p], f2 = b * pred.d2F[i * P + p] * cg;
              for (std::size_t q = 0; q < K; ++q) v[q] = f1 * double(gq[q]) + f2 * d.B[i * K + q];
              for (std::size_t q = 0; q < K; ++q) {
                J(ri, index(s, p, q)) += v[q];
                J(rj, index(s, p, q)) -= v[q];
              }
            }
          }
        }
      }
    }
    for (std::size_t s = 0; s < spec_.elements.size(); ++s)
      for (std::size_t p = 0; p < P; ++p)
        for (std::size_t q = 0; q < K; ++q) J.col(index(s, p, q)) *= scale_[s][q];
    return J;
  }
  Eigen::Index index(std::size_t s, std::size_t p, std::size_t q) const {
    return Eigen::Index(s * block() + 1 + p * K_ + q);
  }

  std::vector<std::vector<std::vector<double>>> model_coefficients(const Eigen::VectorXd& t) const {
    std::vector<std::vector<std::vector<double>>> c(spec_.elements.size(),
                                                    std::vector<std::vector<double>>(P_, std::vector<double>(K_)));
    for (std::size_t s = 0; s < c.size(); ++s)
      for (std::size_t p = 0; p < P_; ++p)
        for (std::size_t q = 0; q < K_; ++q) c[s][p][q] = t[index(s, p, q)] * scale_[s][q];
    return c;
  }

  void compute_scales() {
    std::vector<std::vector<double>> sq(spec_.elements.size(), std::vector<double>(K_, 0.0));
    std::vector<std::size_t> n(spec_.elements.size(), 0);
    for (const auto& d : data_)
      for (std::size_t i = 0; i < d.atoms; ++i) {
        ++n[std::size_t(d.species[i])];
        for (std::size_t q = 0; q < K_; ++q) sq[std::size_t(d.species[i])][q] += d.B[i * K_ + q] * d.B[i * K_ + q];
      }
    scale_.assign(spec_.elements.size(), std::vector<double>(K_, 1.0));
    for (std::size_t s = 0; s < sq.size(); ++s) {
      if (n[s] == 0)
        throw InputError("nonlinear ACE: no training atom of element " + std::string(element_symbol(spec_.elements[s])));
      for (std::size_t q = 0; q < K_; ++q) {
        const double rms = std::sqrt(sq[s][q] / double(n[s]));
        scale_[s][q] = rms > 1e-12 ? 1.0 / rms : 1.0;
      }
    }
  }

  void check_determined() const {
    std::size_t rows = 0;
    for (const auto& d : data_) rows += (d.energy && d.w_energy > 0 ? 1 : 0) + (d.w_force > 0 ? 3 * d.forces.size() : 0);
    if (rows < parameters())
      throw InputError("nonlinear ACE fit is under-determined: " + std::to_string(parameters()) + " parameters (" +
                       std::to_string(K_) + " B functions × " + std::to_string(P_) +
                       " densities per element) but only " + std::to_string(rows) +
                       " weighted energy/force values; use a smaller basis or more data");
  }

  /// Pass 1 over one structure: embedding derivatives per atom and density, energy, forces.
  struct Prediction {
    std::vector<double> dF, d2F;  ///< w_p F'(φ_ip), w_p F''(φ_ip), atom-major
    double energy = 0.0;
    std::vector<Vec3> force;
  };

  Prediction predict(const detail::acenl::StructureData& d, const Eigen::VectorXd& t,
                     const std::vector<std::vector<std::vector<double>>>& c, bool with_forces) const {
    const detail::acenl::Embedding emb{embedding_.type};
    const std::size_t n = d.atoms, P = P_, K = K_;
    Prediction out;
    out.dF.resize(n * P);
    out.d2F.resize(n * P);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t s = std::size_t(d.species[i]);
      out.energy += t[Eigen::Index(s * block())];
      for (std::size_t p = 0; p < P; ++p) {
        double phi = 0.0;
        for (std::size_t q = 0; q < K; ++q) phi += c[s][p][q] * d.B[i * K + q];
        double d1 = 0, d2 = 0;
        out.energy += embedding_.weights[p] * emb.value(phi, embedding_.exponents[p], d1, d2);
        out.dF[i * P + p] = embedding_.weights[p] * d1;
        out.d2F[i * P + p] = embedding_.weights[p] * d2;
      }
    }
    if (!with_forces) return out;
    out.force.assign(n, Vec3{0, 0, 0});
    for (std::size_t i = 0; i < n; ++i) {
      const auto& cs = c[std::size_t(d.species[i])];
      for (std::size_t e = d.offsets[i]; e < d.offsets[i + 1]; ++e) {
        const std::size_t j = std::size_t(d.neighbour[e]);
        for (int x = 0; x < 3; ++x) {
          const float* g = d.dB.data() + (e * 3 + std::size_t(x)) * K;
          double G = 0.0;
          for (std::size_t p = 0; p < P; ++p) {
            double cg = 0.0;
            for (std::size_t q = 0; q < K; ++q) cg += cs[p][q] * double(g[q]);
            G += out.dF[i * P + p] * cg;
          }
          out.force[i][x] += G;
          out.force[j][x] -= G;
        }
      }
    }
    return out;
  }

  detail::acenl::StructureResult structure(const detail::acenl::StructureData& d, const Eigen::VectorXd& t,
                                           const std::vector<std::vector<std::vector<double>>>& c) const {
    const std::size_t n = d.atoms, P = P_, K = K_;
    detail::acenl::StructureResult r;
    const bool has_f = !d.forces.empty() && d.w_force > 0.0;
    const Prediction pred = predict(d, t, c, has_f);
    const std::vector<double>&dF = pred.dF, &d2F = pred.d2F;
    const double energy = pred.energy;
    const std::vector<Vec3>& force = pred.force;
    const Eigen::Index np = Eigen::Index(parameters());
    if (d.energy && d.w_energy > 0.0) {
      const double res = (energy - *d.energy) / double(n);
      r.energy_sq = d.w_energy * res * res;
      r.energy_sq_raw = res * res;
      r.grad_e = Eigen::VectorXd::Zero(np);
      const double a = 2.0 * d.w_energy * res / double(n);
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t s = std::size_t(d.species[i]);
        r.grad_e[Eigen::Index(s * block())] += a;
        for (std::size_t p = 0; p < P; ++p)
          for (std::size_t q = 0; q < K; ++q) r.grad_e[index(s, p, q)] += a * dF[i * P + p] * d.B[i * K + q];
      }
    }
    if (!has_f) return r;
    std::vector<Vec3> rho(n);
    for (std::size_t k = 0; k < n; ++k)
      for (int x = 0; x < 3; ++x) {
        rho[k][x] = force[k][x] - d.forces[k][x];
        r.force_sq_raw += rho[k][x] * rho[k][x];
      }
    r.force_sq = d.w_force * r.force_sq_raw;
    r.force_components = 3 * n;
    // Pass 2: u_i = Σ_j (ρ_i − ρ_j)·∂B_i/∂r_ij, then the gradient.
    r.grad_f = Eigen::VectorXd::Zero(np);
    std::vector<double> u(K);
    for (std::size_t i = 0; i < n; ++i) {
      std::fill(u.begin(), u.end(), 0.0);
      for (std::size_t e = d.offsets[i]; e < d.offsets[i + 1]; ++e) {
        const std::size_t j = std::size_t(d.neighbour[e]);
        for (int x = 0; x < 3; ++x) {
          const double dij = rho[i][x] - rho[j][x];
          if (dij == 0.0) continue;
          const float* g = d.dB.data() + (e * 3 + std::size_t(x)) * K;
          for (std::size_t q = 0; q < K; ++q) u[q] += dij * double(g[q]);
        }
      }
      const std::size_t s = std::size_t(d.species[i]);
      for (std::size_t p = 0; p < P; ++p) {
        double cu = 0.0;
        for (std::size_t q = 0; q < K; ++q) cu += c[s][p][q] * u[q];
        const double a = 2.0 * d.w_force * dF[i * P + p], b = 2.0 * d.w_force * d2F[i * P + p] * cu;
        for (std::size_t q = 0; q < K; ++q) r.grad_f[index(s, p, q)] += a * u[q] + b * d.B[i * K + q];
      }
    }
    return r;
  }

  AceBasisSpec spec_;
  AceDescriptor descriptor_;
  AceEmbeddingSpec embedding_;
  AceLossSettings settings_;
  std::size_t K_ = 0, P_ = 0;
  std::vector<detail::acenl::StructureData> data_;
  std::vector<std::vector<double>> scale_;  ///< [element][q]
  double total_energy_weight_ = 0.0, total_force_weight_ = 0.0;  ///< Σ_s w_Es, Σ_s 3 n_s w_Fs
};

/// Everything a nonlinear ACE fit needs beyond the linear one (which gives its start).
struct AceNonlinearFitConfig {
  AceFitConfig linear;  ///< descriptor, data, weights, reference energies, warm-start solver, output
  AceEmbeddingSpec embedding;
  AceLossSettings loss;
  /// "lbfgs" (default) or "levenberg-marquardt": damped Gauss–Newton steps on the same loss, each
  /// from the full JᵀJ (n_parameters² memory); far fewer iterations for a least-squares loss.
  std::string method = "lbfgs";
  int max_iterations = 300;
  int checkpoint_every = 25;
  int memory = 10;
  /// Standard deviation of the random start of densities 2.. (standardised units). Small, so that the
  /// start keeps the linear fit's energies: with √, φ = 1e-3 would already add ~0.03 eV per atom.
  double init_scale = 1e-8;
  unsigned seed = 1;
  /// Ladder growth (as pacemaker's ladder fitting): `ladder_steps` rounds of `ladder_iterations`
  /// iterations on a growing part of the basis, then max_iterations on all of it (0 = no ladder).
  int ladder_steps = 0;
  int ladder_iterations = 20;
  std::filesystem::path initial_model;  ///< warm start ("upfit"); empty: start from a linear fit
  std::filesystem::path checkpoint;     ///< default: OUTPUT.checkpoint.json
  std::filesystem::path source;         ///< the config file
};

/// Parses a "model": "ace" config: the ace_linear keys plus "embedding", "loss", "optimiser" and
/// "initial_model" (docs/ace.md §11).
inline AceNonlinearFitConfig parse_ace_nonlinear_config(nlohmann::json j, const std::filesystem::path& base_dir) {
  using namespace detail::config;
  AceNonlinearFitConfig c;
  const auto take = [&](const char* key) {
    nlohmann::json v;
    if (j.contains(key)) {
      v = j[key];
      j.erase(key);
    }
    return v;
  };
  const nlohmann::json emb = take("embedding"), loss = take("loss"), opt = take("optimiser"), init = take("initial_model");
  if (get<std::string>(j, "model", "the fit config", "") != "ace") throw InputError("not a nonlinear ACE config");
  j["model"] = "ace_linear";
  c.linear = parse_ace_fit_config(j, base_dir);
  if (!emb.is_null()) {
    check_keys(emb, "\"embedding\"", {"type", "weights", "exponents"});
    c.embedding.type = get<std::string>(emb, "type", "\"embedding\"", c.embedding.type);
    c.embedding.weights = get(emb, "weights", "\"embedding\"", c.embedding.weights);
    c.embedding.exponents = get(emb, "exponents", "\"embedding\"", c.embedding.exponents);
  }
  check_ace_embedding(c.embedding);
  if (!loss.is_null()) {
    check_keys(loss, "\"loss\"", {"kappa", "l1", "l2"});
    c.loss.kappa = get(loss, "kappa", "\"loss\"", c.loss.kappa);
    c.loss.l1 = get(loss, "l1", "\"loss\"", c.loss.l1);
    c.loss.l2 = get(loss, "l2", "\"loss\"", c.loss.l2);
  }
  if (!opt.is_null()) {
    check_keys(opt, "\"optimiser\"",
               {"method", "max_iterations", "checkpoint_every", "memory", "init_scale", "seed", "ladder"});
    c.method = get<std::string>(opt, "method", "\"optimiser\"", c.method);
    if (c.method != "lbfgs" && c.method != "levenberg-marquardt")
      throw InputError("\"optimiser.method\" must be \"lbfgs\" or \"levenberg-marquardt\"");
    c.max_iterations = get(opt, "max_iterations", "\"optimiser\"", c.max_iterations);
    c.checkpoint_every = get(opt, "checkpoint_every", "\"optimiser\"", c.checkpoint_every);
    c.memory = get(opt, "memory", "\"optimiser\"", c.memory);
    c.init_scale = get(opt, "init_scale", "\"optimiser\"", c.init_scale);
    c.seed = get(opt, "seed", "\"optimiser\"", c.seed);
    if (opt.contains("ladder")) {
      check_keys(opt["ladder"], "\"optimiser.ladder\"", {"steps", "iterations_per_step"});
      c.ladder_steps = get(opt["ladder"], "steps", "\"optimiser.ladder\"", 3);
      c.ladder_iterations = get(opt["ladder"], "iterations_per_step", "\"optimiser.ladder\"", c.ladder_iterations);
      if (c.ladder_steps < 0 || c.ladder_steps > 50 || c.ladder_iterations < 1)
        throw InputError("\"optimiser.ladder\": steps in 0..50, iterations_per_step >= 1");
    }
  }
  if (c.max_iterations < 0 || c.checkpoint_every < 1 || c.memory < 1 || !(c.init_scale >= 0.0))
    throw InputError("\"optimiser\": max_iterations >= 0, checkpoint_every >= 1, memory >= 1, init_scale >= 0");
  if (!init.is_null()) {
    if (!init.is_string()) throw InputError("\"initial_model\" must be a file name");
    c.initial_model = base_dir / init.get<std::string>();
  }
  if (!c.linear.output.empty()) c.checkpoint = c.linear.output.string() + ".checkpoint.json";
  return c;
}

/// What a nonlinear fit did.
struct AceNonlinearFitReport {
  int iterations = 0;          ///< L-BFGS iterations in total (resumed ones included)
  int resumed_from = -1;       ///< iteration of the checkpoint it resumed from, -1 if none
  AceLossTerms start, final_terms;
  bool converged = false;
};

namespace detail::acenl {

inline std::vector<double> to_std(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }

/// The parameters and the L-BFGS memory, so that a resumed fit continues exactly where it stopped.
inline void write_checkpoint(const std::filesystem::path& path, const Eigen::VectorXd& t, int iteration,
                             const AceLossTerms& terms, const optimise::LbfgsbMemory& memory, double lm_mu) {
  nlohmann::json s = nlohmann::json::array(), y = nlohmann::json::array();
  for (std::size_t k = 0; k < memory.S.size(); ++k) {
    s.push_back(to_std(memory.S[k]));
    y.push_back(to_std(memory.Y[k]));
  }
  nlohmann::json j = {{"format", "pestle-ace-checkpoint"}, {"iteration", iteration}, {"loss", terms.loss},
                      {"parameters", to_std(t)}, {"lbfgs_s", s}, {"lbfgs_y", y}, {"lm_damping", lm_mu}};
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp);
    if (!(out << j.dump() << "\n")) throw InputError("cannot write checkpoint '" + tmp.string() + "'");
  }
  std::filesystem::rename(tmp, path);  // a crash mid-write never leaves a torn checkpoint
}

struct Checkpoint {
  Eigen::VectorXd parameters;
  int iteration = 0;
  optimise::LbfgsbMemory memory;
  double lm_mu = 1e-3;
};

inline std::optional<Checkpoint> read_checkpoint(const std::filesystem::path& path, std::size_t parameters) {
  if (path.empty() || !std::filesystem::exists(path)) return std::nullopt;
  std::ifstream in(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError("checkpoint '" + path.string() + "' is not valid JSON: " + e.what());
  }
  const auto vector = [&](const nlohmann::json& v) {
    const std::vector<double> p = v.get<std::vector<double>>();
    if (p.size() != parameters)
      throw InputError("checkpoint '" + path.string() + "' holds " + std::to_string(p.size()) +
                       " parameters, the model has " + std::to_string(parameters) +
                       " (another basis or embedding?); delete it to start afresh");
    return Eigen::Map<const Eigen::VectorXd>(p.data(), Eigen::Index(p.size())).eval();
  };
  Checkpoint c;
  try {
    c.parameters = vector(j.at("parameters"));
    c.iteration = j.at("iteration").get<int>();
    if (j.contains("lm_damping")) c.lm_mu = j["lm_damping"].get<double>();
    if (j.contains("lbfgs_s"))
      for (std::size_t k = 0; k < j.at("lbfgs_s").size(); ++k) {
        c.memory.S.push_back(vector(j["lbfgs_s"][k]));
        c.memory.Y.push_back(vector(j.at("lbfgs_y").at(k)));
      }
  } catch (const nlohmann::json::exception& e) {
    throw InputError("checkpoint '" + path.string() + "' is damaged: " + e.what());
  }
  return c;
}

}  // namespace detail::acenl

namespace detail::acenl {

/// Element mu0's B functions in ladder order: body order (rank) first, then the total degree
/// D = Σ_t (n_t + l_t), then the basis index (pacemaker's "body_order" ladder).
inline std::vector<std::size_t> ladder_order(const AceBasisSet& basis, std::size_t mu0, std::size_t K) {
  const auto& fns = basis.functions.at(mu0);
  const std::vector<int> degree = ace_column_degrees(basis, mu0);
  std::vector<std::size_t> order(K);
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto key = [&](std::size_t q) {
    const std::size_t rank = q < fns.size() ? fns[q].ns.size() : std::numeric_limits<std::size_t>::max();
    return std::make_tuple(rank, q < degree.size() ? degree[q] : 0, q);
  };
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  return order;
}

/// The ladder schedule: phase k < steps fits the first ⌈(k+1)/(steps+1)·K⌉ functions of the ladder
/// order (every density, every element; e0 always), the last phase all K. The phase follows from the
/// iteration count alone, so a resumed fit is in the phase it was interrupted in.
struct Ladder {
  int steps = 0, per_step = 1, final_iterations = 0;

  int phase(int done) const { return steps == 0 ? 0 : std::min(done / per_step, steps); }
  int phase_start(int k) const { return k * per_step; }
  int phase_end(int k) const { return k < steps ? (k + 1) * per_step : steps * per_step + final_iterations; }
  int total() const { return phase_end(steps); }
  std::size_t functions(int k, std::size_t K) const {
    if (k >= steps) return K;
    return std::max<std::size_t>(1, (K * std::size_t(k + 1) + std::size_t(steps)) / std::size_t(steps + 1));
  }
};

/// 1 for the parameters free in ladder phase k, 0 for the frozen ones (layout of AceNonlinearLoss::theta).
inline Eigen::VectorXd ladder_mask(const AceNonlinearLoss& loss, std::size_t P, std::size_t S, const Ladder& l, int k) {
  const std::size_t K = loss.basis_size(), take = l.functions(k, K);
  Eigen::VectorXd mask = Eigen::VectorXd::Zero(Eigen::Index(loss.parameters()));
  for (std::size_t s = 0; s < S; ++s) {
    const std::size_t base = s * (1 + P * K);
    mask[Eigen::Index(base)] = 1.0;  // e0
    const std::vector<std::size_t> order = ladder_order(loss.descriptor().basis(), s, K);
    for (std::size_t p = 0; p < P; ++p)
      for (std::size_t j = 0; j < take; ++j) mask[Eigen::Index(base + 1 + p * K + order[j])] = 1.0;
  }
  return mask;
}

/// The ladder schedule of a config (no ladder: one phase of max_iterations).
inline Ladder ladder_schedule(const AceNonlinearFitConfig& c) {
  return Ladder{c.ladder_steps, c.ladder_iterations, c.max_iterations};
}

/// One Levenberg–Marquardt iteration on the free parameters: solve (H + μ·diag H) δ = −g with the
/// Gauss–Newton H; accept δ when 𝓛 drops (μ /= 3), else μ *= 4 and solve again. μ is checkpointed
/// with θ, so a resumed fit continues exactly. True when converged (no damping lowers the loss, or
/// the drop is below 1e-9 relative).
inline bool levenberg_step(const AceNonlinearLoss& loss, const std::vector<int>& free, Eigen::VectorXd& t,
                           AceLossTerms& terms, double& lm_mu) {
  Eigen::MatrixXd H;
  Eigen::VectorXd gn, gt;
  loss.gauss_newton(t, H, gn);
  const bool all_free = free.size() == std::size_t(t.size());
  if (!all_free) {  // the frozen rows and columns drop out (no copy when nothing is frozen)
    H = H(free, free).eval();
    gn = gn(free).eval();
  }
  const Eigen::VectorXd diag = H.diagonal().cwiseMax(1e-12 * std::max(1e-300, H.diagonal().maxCoeff()));
  for (int attempt = 0; attempt < 30; ++attempt) {
    Eigen::MatrixXd A = H;
    A.diagonal() += lm_mu * diag;
    Eigen::VectorXd trial = t;
    if (all_free) trial -= A.ldlt().solve(gn);
    else trial(free) -= A.ldlt().solve(gn);
    AceLossTerms now;
    loss.evaluate(trial, gt, &now);
    if (std::isfinite(now.loss) && now.loss < terms.loss) {
      const bool converged = terms.loss - now.loss <= 1e-9 * terms.loss;
      t = trial;
      terms = now;
      lm_mu = std::max(lm_mu / 3.0, 1e-12);
      return converged;
    }
    lm_mu *= 4.0;
  }
  return true;  // no damping lowers the loss: a minimum to round-off
}

/// Up to min(checkpoint_every, budget) L-BFGS iterations with the frozen parameters held at zero
/// (zero gradient and bounds [0, 0]). Returns (converged or stalled, iterations used).
inline std::pair<bool, int> lbfgs_chunk(const AceNonlinearLoss& loss, const AceNonlinearFitConfig& c, const Eigen::VectorXd& mask,
                        const Eigen::VectorXd& lower, const Eigen::VectorXd& upper, int budget, Eigen::VectorXd& t,
                        AceLossTerms& terms, optimise::LbfgsbMemory& memory, int done) {
  optimise::LbfgsbOptions o;
  o.max_iterations = std::min(c.checkpoint_every, budget);
  o.memory = c.memory;
  o.gradient_tolerance = 1e-10;
  o.relative_tolerance = 1e-12;
  const optimise::LbfgsbResult r = optimise::minimise_box(
      [&](const Eigen::VectorXd& x, Eigen::VectorXd& gx) {
        const double f = loss.evaluate(x, gx);
        gx = gx.cwiseProduct(mask);
        return f;
      },
      t, lower, upper, o, &memory);
  Eigen::VectorXd gr;
  AceLossTerms now;
  loss.evaluate(r.x, gr, &now);
  if (!std::isfinite(now.loss) || !r.x.allFinite())
    throw NumericalError("nonlinear ACE: the loss became non-finite after iteration " + std::to_string(done) +
                         (c.checkpoint.empty() ? std::string() : "; the last good checkpoint is kept in " + c.checkpoint.string()));
  // A chunk that did not lower the loss has stalled (line search failed from a fresh start).
  const bool converged = r.converged || !(now.loss < terms.loss);
  t = r.x;
  terms = now;
  return {converged, std::min(r.iterations + 1, o.max_iterations)};
}

}  // namespace detail::acenl

/// Fits nonlinear ACE. `start` (from a linear fit or a saved model) gives e0 and the leading densities;
/// densities it lacks start at small random values. `progress` gets one line per checkpoint.
inline AceNonlinearModel fit_ace_nonlinear(const AceNonlinearLoss& loss, const AceNonlinearFitConfig& c,
                                           const std::vector<double>& start_e0,
                                           const std::vector<std::vector<std::vector<double>>>& start,
                                           AceNonlinearFitReport* report = nullptr,
                                           const std::function<void(const std::string&)>& progress = {}) {
  const std::size_t P = c.embedding.densities(), K = loss.basis_size(), S = c.linear.spec.elements.size();
  std::vector<std::vector<std::vector<double>>> c0(S, std::vector<std::vector<double>>(P, std::vector<double>(K, 0.0)));
  for (std::size_t s = 0; s < S; ++s)
    for (std::size_t p = 0; p < std::min(P, start.at(s).size()); ++p) c0[s][p] = start[s][p];
  Eigen::VectorXd t = loss.theta(start_e0, c0);
  std::mt19937_64 rng(c.seed);
  std::normal_distribution<double> normal(0.0, c.init_scale);
  for (std::size_t s = 0; s < S; ++s)
    for (std::size_t p = start.at(s).size(); p < P; ++p)
      for (std::size_t q = 0; q < K; ++q) t[Eigen::Index(s * (1 + P * K) + 1 + p * K + q)] = normal(rng);
  AceNonlinearFitReport rep;
  int done = 0;
  optimise::LbfgsbMemory memory;
  double lm_mu = 1e-3;
  if (auto cp = detail::acenl::read_checkpoint(c.checkpoint, loss.parameters())) {
    t = cp->parameters;
    memory = cp->memory;
    lm_mu = cp->lm_mu;
    done = rep.resumed_from = cp->iteration;
    if (progress) progress("resuming from checkpoint " + c.checkpoint.string() + " at iteration " + std::to_string(done));
  }
  Eigen::VectorXd g;
  AceLossTerms terms;
  loss.evaluate(t, g, &terms);
  rep.start = terms;
  const detail::acenl::Ladder ladder = detail::acenl::ladder_schedule(c);
  const auto line = [&](int it, const AceLossTerms& x) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "iteration %d/%d: loss %.6g, energy RMSE %.3f meV/atom, force RMSE %.4f eV/Å", it,
                  ladder.total(), x.loss, 1e3 * x.energy_rmse, x.force_rmse);
    return std::string(buf);
  };
  if (progress) progress(line(done, terms));
  if (!std::isfinite(terms.loss))
    throw NumericalError("nonlinear ACE: the loss is not finite at the start (iteration " + std::to_string(done) +
                         "); lower optimiser.init_scale or check the data");
  const bool levenberg = c.method == "levenberg-marquardt";
  const Eigen::VectorXd inf = Eigen::VectorXd::Constant(t.size(), std::numeric_limits<double>::infinity());
  Eigen::VectorXd mask = Eigen::VectorXd::Ones(t.size()), lower = -inf, upper = inf;
  std::vector<int> free;  // indices of the free parameters (Levenberg–Marquardt)
  int phase = -1;
  while (done < ladder.total()) {
    const int k = ladder.phase(done);
    if (k != phase) {  // entering a ladder phase (or the only one): freeze what it does not fit
      phase = k;
      if (ladder.steps > 0) {
        mask = detail::acenl::ladder_mask(loss, c.embedding.densities(), c.linear.spec.elements.size(), ladder, k);
        t = t.cwiseProduct(mask);  // frozen functions are absent (zero), not fixed elsewhere
        lower = (mask.array() > 0).select(-inf, Eigen::VectorXd::Zero(t.size()));
        upper = (mask.array() > 0).select(inf, Eigen::VectorXd::Zero(t.size()));
        if (done == ladder.phase_start(k) && k > 0) {  // a fresh phase: the old curvature is for another space
          memory = {};
          lm_mu = 1e-3;
        }
        loss.evaluate(t, g, &terms);
        if (progress)
          progress("ladder phase " + std::to_string(k + 1) + "/" + std::to_string(ladder.steps + 1) + ": " +
                   std::to_string(ladder.functions(k, loss.basis_size())) + " of " +
                   std::to_string(loss.basis_size()) + " B functions per element");
      }
      free.clear();
      for (Eigen::Index i = 0; i < mask.size(); ++i)
        if (mask[i] > 0) free.push_back(int(i));
    }
    const int end = ladder.phase_end(k);
    const auto [converged, used] =
        levenberg ? std::pair<bool, int>{detail::acenl::levenberg_step(loss, free, t, terms, lm_mu), 1}
                  : detail::acenl::lbfgs_chunk(loss, c, mask, lower, upper, end - done, t, terms, memory, done);
    // A ladder phase that converges hands over to the next one at its scheduled iteration, so
    // the phase stays a function of the iteration count (exact resume).
    done = converged && k < ladder.steps ? end : done + used;
    rep.converged = converged && k == ladder.steps;
    if (!c.checkpoint.empty()) detail::acenl::write_checkpoint(c.checkpoint, t, done, terms, memory, lm_mu);
    if (progress) progress(line(done, terms) + (levenberg ? ", damping " + std::to_string(lm_mu) : std::string()));
    if (rep.converged) break;
  }
  rep.iterations = done;
  rep.final_terms = terms;
  if (report) *report = rep;
  return loss.model(t);
}

}  // namespace pestle
