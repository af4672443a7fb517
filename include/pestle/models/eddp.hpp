#pragma once
// The model half of an EDDP (docs/eddp.md): an ensemble of small feed-forward networks, one network
// per centre species in every member, each mapping the standardised EDDP features of an atom to its
// energy. The ensemble energy is Σ_m w_m E_m with the non-negative weights that fit/eddp_train.hpp
// picks by NNLS; the spread of the members, σ = sqrt((1/M) Σ_m (E_m − Ē)²) with Ē their plain mean,
// is the uncertainty an EDDP search uses to decide what to label. The spread is unweighted because a
// member may hold weight 0: NNLS often gives all the weight to one or two correlated members, and the
// trainer then keeps a few more (weight 0) so that the committee still disagrees where the data end.
//
// A network: x = (q − shift) ⊙ scale, h_1 = tanh(W_1 x + b_1), …, E = w_L · h_{L−1} + b_L.
// Its parameters live in one flat vector θ, layer by layer: W_l row-major, then b_l. That is the
// vector Levenberg–Marquardt updates, and a model file stores.
#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "pestle/core/error.hpp"

namespace pestle {

class EddpNetwork {
 public:
  /// A sanity bound on the width of a layer (EDDP networks are a few tens of units wide).
  static constexpr int max_width = 256;

  EddpNetwork() = default;
  /// sizes = {inputs, hidden..., 1}; parameters zero, identity standardisation.
  explicit EddpNetwork(std::vector<int> sizes) : sizes_(std::move(sizes)) {
    if (sizes_.size() < 2 || sizes_.back() != 1) throw InputError("eddp network: layer sizes must end in one output");
    for (std::size_t l = 0; l < sizes_.size(); ++l) {
      if (sizes_[l] < 1) throw InputError("eddp network: every layer needs at least one unit");
      if (l > 0 && sizes_[l] > max_width) throw InputError("eddp network: hidden layers are at most 256 wide");
    }
    theta_ = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(count_parameters(sizes_)));
    shift_ = Eigen::VectorXd::Zero(sizes_[0]);
    scale_ = Eigen::VectorXd::Ones(sizes_[0]);
  }

  static std::size_t count_parameters(const std::vector<int>& sizes) {
    std::size_t n = 0;
    for (std::size_t l = 1; l < sizes.size(); ++l) n += std::size_t(sizes[l]) * std::size_t(sizes[l - 1] + 1);
    return n;
  }

  const std::vector<int>& sizes() const noexcept { return sizes_; }
  std::size_t inputs() const noexcept { return sizes_.empty() ? 0 : std::size_t(sizes_[0]); }
  std::size_t layers() const noexcept { return sizes_.size() - 1; }
  Eigen::VectorXd& parameters() noexcept { return theta_; }
  const Eigen::VectorXd& parameters() const noexcept { return theta_; }
  const Eigen::VectorXd& shift() const noexcept { return shift_; }
  const Eigen::VectorXd& scale() const noexcept { return scale_; }
  void set_standardisation(Eigen::VectorXd shift, Eigen::VectorXd scale) {
    if (shift.size() != Eigen::Index(inputs()) || scale.size() != Eigen::Index(inputs()))
      throw InputError("eddp network: standardisation has the wrong length");
    shift_ = std::move(shift);
    scale_ = std::move(scale);
  }

  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  /// W_l (sizes[l] × sizes[l−1]) and b_l of layer l = 1 … layers(), as views into θ.
  Eigen::Map<const RowMatrix> weight(std::size_t l) const {
    return {theta_.data() + offset(l), sizes_[l], sizes_[l - 1]};
  }
  Eigen::Map<const Eigen::VectorXd> bias(std::size_t l) const {
    return {theta_.data() + offset(l) + std::size_t(sizes_[l]) * std::size_t(sizes_[l - 1]), sizes_[l]};
  }
  /// Start of layer l's block in θ.
  std::size_t offset(std::size_t l) const {
    std::size_t o = 0;
    for (std::size_t k = 1; k < l; ++k) o += std::size_t(sizes_[k]) * std::size_t(sizes_[k - 1] + 1);
    return o;
  }

  /// E(q); when dE_dq is not empty it receives ∂E/∂q. Allocates nothing after the first call on a thread.
  double energy(std::span<const double> q, std::span<double> dE_dq = {}) const {
    const int L = int(layers());
    thread_local std::vector<double> act, delta, prev;  // hidden activations; backward buffers
    const std::size_t width = std::max<std::size_t>(inputs(), max_width);
    act.resize(width * std::size_t(L));
    delta.resize(width);
    prev.resize(width);
    double* x = act.data();  // layer 0: the standardised input
    for (std::size_t c = 0; c < inputs(); ++c) x[c] = (q[c] - shift_[Eigen::Index(c)]) * scale_[Eigen::Index(c)];
    for (int l = 1; l < L; ++l) {
      const auto W = weight(std::size_t(l));
      const auto b = bias(std::size_t(l));
      const double* in = &act[std::size_t(l - 1) * width];
      double* out = &act[std::size_t(l) * width];
      for (int u = 0; u < sizes_[std::size_t(l)]; ++u) {
        double z = b[u];
        for (int v = 0; v < sizes_[std::size_t(l - 1)]; ++v) z += W(u, v) * in[v];
        out[u] = std::tanh(z);
      }
    }
    const auto W_out = weight(std::size_t(L));
    const double* top = &act[std::size_t(L - 1) * width];
    double e = bias(std::size_t(L))[0];
    for (int v = 0; v < sizes_[std::size_t(L - 1)]; ++v) e += W_out(0, v) * top[v];
    if (dE_dq.empty()) return e;
    // Backward: δ = ∂E/∂h_{L−1} = w_L; then ∂E/∂h_{l−1} = W_lᵀ (δ ⊙ (1 − h_l²)) down to h_0 = x.
    for (int v = 0; v < sizes_[std::size_t(L - 1)]; ++v) delta[std::size_t(v)] = W_out(0, v);
    for (int l = L - 1; l >= 1; --l) {
      const double* h = &act[std::size_t(l) * width];
      const auto W = weight(std::size_t(l));
      const int n_out = sizes_[std::size_t(l)], n_in = sizes_[std::size_t(l - 1)];
      for (int u = 0; u < n_out; ++u) delta[std::size_t(u)] *= 1.0 - h[u] * h[u];
      std::fill(prev.begin(), prev.begin() + n_in, 0.0);
      for (int u = 0; u < n_out; ++u)
        for (int v = 0; v < n_in; ++v) prev[std::size_t(v)] += W(u, v) * delta[std::size_t(u)];
      std::swap(delta, prev);
    }
    for (std::size_t c = 0; c < inputs(); ++c) dE_dq[c] = delta[c] * scale_[Eigen::Index(c)];
    return e;
  }

  /// Energies of many atoms at once, X holding standardised features one row per atom, and the
  /// gradient of Σ_a weight_a E_a with respect to θ added to grad (the Jacobian row of a structure).
  /// Returns the energies.
  Eigen::VectorXd energies_and_gradient(const RowMatrix& X, const Eigen::VectorXd& weight_of_atom,
                                        Eigen::VectorXd& grad) const {
    const std::size_t L = layers();
    std::vector<RowMatrix> A(L);  // A[0] = X, A[l] = tanh(Z_l) for hidden l
    A[0] = X;
    for (std::size_t l = 1; l < L; ++l)
      A[l] = ((A[l - 1] * weight(l).transpose()).rowwise() + bias(l).transpose()).array().tanh().matrix();
    Eigen::VectorXd e = (A[L - 1] * weight(L).transpose()).col(0).array() + bias(L)[0];
    RowMatrix D = weight_of_atom;  // ∂(Σ w_a E_a)/∂Z_L, one column
    for (std::size_t l = L; l >= 1; --l) {
      const std::size_t o = offset(l);
      const std::size_t n_w = std::size_t(sizes_[l]) * std::size_t(sizes_[l - 1]);
      Eigen::Map<RowMatrix>(grad.data() + o, sizes_[l], sizes_[l - 1]) += D.transpose() * A[l - 1];
      grad.segment(Eigen::Index(o + n_w), sizes_[l]) += D.colwise().sum().transpose();
      if (l == 1) break;
      D = ((D * weight(l)).array() * (1.0 - A[l - 1].array().square())).matrix();
    }
    return e;
  }

  /// Energies of many atoms at once (standardised features, one row per atom); forward pass only.
  Eigen::VectorXd energies(const RowMatrix& X) const {
    RowMatrix A = X;
    for (std::size_t l = 1; l < layers(); ++l)
      A = ((A * weight(l).transpose()).rowwise() + bias(l).transpose()).array().tanh().matrix();
    return (A * weight(layers()).transpose()).col(0).array() + bias(layers())[0];
  }

  /// Standardised features of raw feature rows.
  RowMatrix standardise(const RowMatrix& Q) const {
    return ((Q.rowwise() - shift_.transpose()).array().rowwise() * scale_.transpose().array()).matrix();
  }

 private:
  std::vector<int> sizes_;
  Eigen::VectorXd theta_, shift_, scale_;
};

/// One ensemble member: a network per centre species (same order as EddpModel::species()).
struct EddpMember {
  std::vector<EddpNetwork> networks;
};

/// The ensemble as a pestle Model (models/potential.hpp): atom_energy = Σ_m w_m E_m(q).
class EddpModel {
 public:
  EddpModel() = default;
  EddpModel(std::vector<int> species, std::size_t features, std::vector<EddpMember> members, std::vector<double> weights)
      : species_(std::move(species)), features_(features), members_(std::move(members)), weights_(std::move(weights)) {
    if (members_.empty()) throw InputError("eddp model: the ensemble has no members");
    if (weights_.size() != members_.size()) throw InputError("eddp model: one weight per member is needed");
    double total = 0.0;
    for (double w : weights_) {
      if (!(w >= 0.0) || !std::isfinite(w)) throw InputError("eddp model: member weights must be finite and >= 0");
      total += w;
    }
    if (!(total > 0.0)) throw InputError("eddp model: the member weights are all zero");
    for (const EddpMember& m : members_) {
      if (m.networks.size() != species_.size()) throw InputError("eddp model: every member needs one network per species");
      for (const EddpNetwork& n : m.networks)
        if (n.inputs() != features_) throw InputError("eddp model: a network does not take the descriptor's features");
    }
  }

  std::size_t feature_count() const noexcept { return features_; }
  const std::vector<int>& species() const noexcept { return species_; }
  const std::vector<EddpMember>& members() const noexcept { return members_; }
  const std::vector<double>& weights() const noexcept { return weights_; }
  int species_index(int z) const noexcept {
    for (std::size_t a = 0; a < species_.size(); ++a)
      if (species_[a] == z) return int(a);
    return -1;
  }

  double atom_energy(std::size_t species, std::span<const double> q, std::span<double> g) const {
    thread_local std::vector<double> member_g;
    member_g.resize(q.size());
    std::fill(g.begin(), g.end(), 0.0);
    double e = 0.0;
    for (std::size_t m = 0; m < members_.size(); ++m) {
      if (weights_[m] == 0.0) continue;
      e += weights_[m] * members_[m].networks[species].energy(q, member_g);
      for (std::size_t c = 0; c < q.size(); ++c) g[c] += weights_[m] * member_g[c];
    }
    return e;
  }

  /// Member m's energy of one atom (no gradient).
  double member_energy(std::size_t m, std::size_t species, std::span<const double> q) const {
    return members_[m].networks[species].energy(q);
  }

  /// Ensemble value Σ w_m E_m and spread σ of member values E_m (see the file comment).
  struct Spread {
    double energy = 0.0;  ///< Σ w_m E_m
    double sigma = 0.0;   ///< standard deviation of the E_m over the members, unweighted
  };
  Spread spread(std::span<const double> member_values) const {
    const double M = double(members_.size());
    double value = 0.0, mean = 0.0;
    for (std::size_t m = 0; m < members_.size(); ++m) {
      value += weights_[m] * member_values[m];
      mean += member_values[m] / M;
    }
    double var = 0.0;
    for (std::size_t m = 0; m < members_.size(); ++m) var += (member_values[m] - mean) * (member_values[m] - mean) / M;
    return {value, std::sqrt(var)};
  }

 private:
  std::vector<int> species_;
  std::size_t features_ = 0;
  std::vector<EddpMember> members_;
  std::vector<double> weights_;
};

}  // namespace pestle
