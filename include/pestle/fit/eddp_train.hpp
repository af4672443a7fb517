#pragma once
// Training an EDDP ensemble on energies (docs/eddp.md), the way Pickard's EDDPs are made:
//   1. EDDP features of every atom (descriptors/eddp_features.hpp), computed once, standardised per
//      species over the training atoms;
//   2. every member (a network per species, models/eddp.hpp) trained by Levenberg–Marquardt on the
//      per-atom energy residuals r_s = w_s (Σ_i E_i − E_s)/N_s (w_s the frame's Labels::weight, 1 by
//      default), damping λ·diag(JᵀJ), early stopping on a held-out validation set; members differ by
//      their random initial weights;
//   3. the ensemble weights by non-negative least squares of the members' validation predictions
//      against the labels (math/nnls.hpp); members with weight zero are dropped, except that at least
//      spread_members are kept (the best by validation RMSE, weight 0) for the ensemble's spread.
// Members train side by side with oneTBB, each with its own seeded generator, so the result does not
// depend on the thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "pestle/core/dataset.hpp"
#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/descriptors/eddp_features.hpp"
#include "pestle/math/nnls.hpp"
#include "pestle/models/eddp.hpp"
#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

struct EddpTrainSettings {
  EddpFeatureParams features;      ///< species empty: the data's species
  std::vector<int> hidden{16};     ///< widths of the hidden layers (one or two)
  int members = 8;                 ///< networks trained; NNLS keeps some of them
  int max_epochs = 400;            ///< Levenberg–Marquardt steps per member
  int patience = 40;               ///< stop after this many steps without a better validation loss
  double validation_fraction = 0.2;
  /// At least this many members are kept: after NNLS's choice, the members with the lowest validation
  /// RMSE join with weight 0, so the spread (models/eddp.hpp) stays a committee's disagreement.
  int spread_members = 3;
  std::uint64_t seed = 1;

  void validate() const {
    if (hidden.empty() || hidden.size() > 2) throw InputError("eddp: one or two hidden layers");
    for (int h : hidden)
      if (h < 1 || h > EddpNetwork::max_width) throw InputError("eddp: hidden widths must lie in 1..256");
    if (members < 1) throw InputError("eddp: members must be at least 1");
    if (spread_members < 1) throw InputError("eddp: spread_members must be at least 1");
    if (max_epochs < 1 || patience < 1) throw InputError("eddp: max_epochs and patience must be at least 1");
    if (!(validation_fraction >= 0.0 && validation_fraction < 1.0))
      throw InputError("eddp: validation_fraction must lie in [0, 1)");
  }
};

struct EddpMemberReport {
  int epochs = 0;
  double train_rmse = 0.0;       ///< eV/atom, at the kept parameters
  double validation_rmse = 0.0;  ///< eV/atom
  double weight = 0.0;           ///< NNLS weight (0: dropped)
};

struct EddpTrainReport {
  std::vector<EddpMemberReport> members;
  std::size_t train_structures = 0, validation_structures = 0;
  double ensemble_train_rmse = 0.0, ensemble_validation_rmse = 0.0;  ///< eV/atom
};

namespace eddp_detail {

using RowMatrix = EddpNetwork::RowMatrix;

/// One labelled structure as the trainer sees it: standardised features grouped by centre species.
struct Sample {
  std::vector<RowMatrix> by_species;
  double atoms = 0.0;
  double energy = 0.0;  ///< label, eV
  double weight = 1.0;  ///< the frame's fitting weight (Labels::weight): its residual is multiplied by it
};

inline std::uint64_t mix_seed(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Raw features of every atom of every frame, grouped by species (parallel over frames).
inline std::vector<Sample> raw_samples(const EddpFeatures& desc, const Dataset& data) {
  std::vector<Sample> out(data.size());
  const std::size_t S = desc.species_count(), n = desc.size();
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, data.size()), [&](const auto& range) {
    auto ws = desc.make_workspace();
    std::vector<double> q(n);
    for (std::size_t f = range.begin(); f != range.end(); ++f) {
      const Structure& s = data[f].structure;
      const NeighbourList nl = build_neighbour_list(s, desc.neighbour_options());
      std::vector<std::vector<double>> rows(S);
      for (std::size_t i = 0; i < s.size(); ++i) {
        const int sp = desc.species_index(s.numbers[i]);
        desc.compute(s, nl, i, ws, q);
        rows[std::size_t(sp)].insert(rows[std::size_t(sp)].end(), q.begin(), q.end());
      }
      Sample& sample = out[f];
      sample.by_species.resize(S);
      for (std::size_t sp = 0; sp < S; ++sp)
        sample.by_species[sp] = Eigen::Map<RowMatrix>(rows[sp].data(), Eigen::Index(rows[sp].size() / n), Eigen::Index(n));
      sample.atoms = double(s.size());
      sample.energy = *data[f].labels.energy;
      sample.weight = data[f].labels.weight;
    }
  });
  return out;
}

/// Per-species mean and 1/std of the features over the given samples (1 for a constant feature).
inline std::pair<std::vector<Eigen::VectorXd>, std::vector<Eigen::VectorXd>> standardisation(
    const std::vector<Sample>& samples, const std::vector<std::size_t>& which, std::size_t S, std::size_t n) {
  std::vector<Eigen::VectorXd> shift(S, Eigen::VectorXd::Zero(Eigen::Index(n))), scale(S, Eigen::VectorXd::Ones(Eigen::Index(n)));
  for (std::size_t sp = 0; sp < S; ++sp) {
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(Eigen::Index(n)), sq = sum;
    double count = 0.0;
    for (std::size_t k : which) {
      const RowMatrix& X = samples[k].by_species[sp];
      sum += X.colwise().sum().transpose();
      sq += X.array().square().colwise().sum().matrix().transpose();
      count += double(X.rows());
    }
    if (count == 0.0) continue;
    shift[sp] = sum / count;
    for (Eigen::Index c = 0; c < Eigen::Index(n); ++c) {
      const double var = std::max(0.0, sq[c] / count - shift[sp][c] * shift[sp][c]);
      const double sd = std::sqrt(var);
      scale[sp][c] = sd > 1e-10 * (1.0 + std::abs(shift[sp][c])) ? 1.0 / sd : 1.0;
    }
  }
  return {shift, scale};
}

/// Per-species reference energies (eV/atom) from a least-squares fit of the labels to the atom counts.
inline std::vector<double> reference_energies(const std::vector<Sample>& samples, const std::vector<std::size_t>& which,
                                              std::size_t S) {
  Eigen::MatrixXd C(Eigen::Index(which.size()), Eigen::Index(S));
  Eigen::VectorXd e(Eigen::Index(which.size()));
  for (std::size_t r = 0; r < which.size(); ++r) {
    for (std::size_t sp = 0; sp < S; ++sp) C(Eigen::Index(r), Eigen::Index(sp)) = double(samples[which[r]].by_species[sp].rows());
    e[Eigen::Index(r)] = samples[which[r]].energy;
  }
  const Eigen::MatrixXd G = C.transpose() * C + 1e-8 * Eigen::MatrixXd::Identity(Eigen::Index(S), Eigen::Index(S));
  const Eigen::VectorXd ref = G.ldlt().solve(C.transpose() * e);
  return {ref.data(), ref.data() + ref.size()};
}

/// A member's networks as one parameter vector θ (species blocks in order).
struct Flat {
  std::vector<std::size_t> offsets;  ///< start of each species' block, plus the total at the end
};

inline Flat flat_layout(const EddpMember& m) {
  Flat f;
  f.offsets.push_back(0);
  for (const EddpNetwork& n : m.networks) f.offsets.push_back(f.offsets.back() + std::size_t(n.parameters().size()));
  return f;
}

/// Per-atom energy predictions (eV/atom) of the samples `which`.
inline Eigen::VectorXd predict(const EddpMember& m, const std::vector<Sample>& samples, const std::vector<std::size_t>& which) {
  Eigen::VectorXd p(Eigen::Index(which.size()));
  for (std::size_t r = 0; r < which.size(); ++r) {
    double e = 0.0;
    const Sample& s = samples[which[r]];
    for (std::size_t sp = 0; sp < m.networks.size(); ++sp)
      if (s.by_species[sp].rows() > 0) e += m.networks[sp].energies(s.by_species[sp]).sum();
    p[Eigen::Index(r)] = e / s.atoms;
  }
  return p;
}

inline Eigen::VectorXd per_atom_labels(const std::vector<Sample>& samples, const std::vector<std::size_t>& which) {
  Eigen::VectorXd y(Eigen::Index(which.size()));
  for (std::size_t r = 0; r < which.size(); ++r) y[Eigen::Index(r)] = samples[which[r]].energy / samples[which[r]].atoms;
  return y;
}

inline double rms(const Eigen::VectorXd& r) { return r.size() ? std::sqrt(r.squaredNorm() / double(r.size())) : 0.0; }

inline Eigen::VectorXd weights_of(const std::vector<Sample>& samples, const std::vector<std::size_t>& which) {
  Eigen::VectorXd w(Eigen::Index(which.size()));
  for (std::size_t r = 0; r < which.size(); ++r) w[Eigen::Index(r)] = samples[which[r]].weight;
  return w;
}

/// Residuals (per-atom energy error) and their Jacobian with respect to θ over the samples `which`.
inline void residual_and_jacobian(const EddpMember& m, const Flat& layout, const std::vector<Sample>& samples,
                                  const std::vector<std::size_t>& which, const Eigen::VectorXd& y, Eigen::VectorXd& r,
                                  Eigen::MatrixXd& J) {
  r.resize(Eigen::Index(which.size()));
  J.setZero(Eigen::Index(which.size()), Eigen::Index(layout.offsets.back()));
  for (std::size_t row = 0; row < which.size(); ++row) {
    const Sample& s = samples[which[row]];
    double e = 0.0;
    for (std::size_t sp = 0; sp < m.networks.size(); ++sp) {
      const RowMatrix& X = s.by_species[sp];
      if (X.rows() == 0) continue;
      Eigen::VectorXd grad = Eigen::VectorXd::Zero(m.networks[sp].parameters().size());
      const Eigen::VectorXd per_atom_weight = Eigen::VectorXd::Constant(X.rows(), 1.0 / s.atoms);
      e += m.networks[sp].energies_and_gradient(X, per_atom_weight, grad).sum();
      J.block(Eigen::Index(row), Eigen::Index(layout.offsets[sp]), 1, grad.size()) = grad.transpose();
    }
    r[Eigen::Index(row)] = s.weight * (e / s.atoms - y[Eigen::Index(row)]);
    J.row(Eigen::Index(row)) *= s.weight;
  }
}

inline void set_flat(EddpMember& m, const Flat& layout, const Eigen::VectorXd& theta) {
  for (std::size_t sp = 0; sp < m.networks.size(); ++sp)
    m.networks[sp].parameters() = theta.segment(Eigen::Index(layout.offsets[sp]), m.networks[sp].parameters().size());
}
inline Eigen::VectorXd get_flat(const EddpMember& m, const Flat& layout) {
  Eigen::VectorXd theta(Eigen::Index(layout.offsets.back()));
  for (std::size_t sp = 0; sp < m.networks.size(); ++sp)
    theta.segment(Eigen::Index(layout.offsets[sp]), m.networks[sp].parameters().size()) = m.networks[sp].parameters();
  return theta;
}

/// Random initial weights (variance 1/fan-in, tanh's Xavier scale; the output layer ten times
/// smaller) and the output bias at the species' reference energy.
inline void initialise(EddpNetwork& net, double reference_energy, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::VectorXd& theta = net.parameters();
  const auto& sizes = net.sizes();
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    const std::size_t o = net.offset(l), n_w = std::size_t(sizes[l]) * std::size_t(sizes[l - 1]);
    const double sd = (l + 1 == sizes.size() ? 0.1 : 1.0) / std::sqrt(double(sizes[l - 1]));
    for (std::size_t k = 0; k < n_w; ++k) theta[Eigen::Index(o + k)] = sd * normal(rng);
    for (int u = 0; u < sizes[l]; ++u) theta[Eigen::Index(o + n_w + std::size_t(u))] = 0.0;
  }
  theta[theta.size() - 1] = reference_energy;
}

/// Levenberg–Marquardt on one member; returns its report (θ left at the best validation loss).
inline EddpMemberReport train_member(EddpMember& m, int index, const std::vector<Sample>& samples,
                                     const std::vector<std::size_t>& train, const std::vector<std::size_t>& valid,
                                     const EddpTrainSettings& settings) {
  const Flat layout = flat_layout(m);
  const Eigen::VectorXd y_train = per_atom_labels(samples, train), y_valid = per_atom_labels(samples, valid);
  const Eigen::VectorXd w_train = weights_of(samples, train), w_valid = weights_of(samples, valid);
  const bool has_valid = !valid.empty();
  // Losses are weighted by the frames' weights; the reported RMSEs are plain.
  auto valid_loss = [&] {
    return has_valid ? rms((predict(m, samples, valid) - y_valid).cwiseProduct(w_valid))
                     : rms((predict(m, samples, train) - y_train).cwiseProduct(w_train));
  };
  Eigen::VectorXd theta = get_flat(m, layout), best = theta, r;
  Eigen::MatrixXd J;
  double best_valid = valid_loss(), lambda = 1e-2;
  int since_best = 0, epoch = 0;
  for (epoch = 1; epoch <= settings.max_epochs; ++epoch) {
    residual_and_jacobian(m, layout, samples, train, y_train, r, J);
    const double loss = r.squaredNorm();
    if (!std::isfinite(loss))
      throw NumericalError("eddp member " + std::to_string(index) + ": the training loss is not finite at step " +
                           std::to_string(epoch) + " (labels or features out of range?)");
    const Eigen::MatrixXd A = J.transpose() * J;
    const Eigen::VectorXd g = J.transpose() * r;
    const double floor = 1e-12 * (A.diagonal().sum() / double(A.rows()) + 1e-300);
    bool accepted = false;
    while (!accepted && lambda < 1e12) {
      Eigen::MatrixXd damped = A;
      damped.diagonal().array() += lambda * (A.diagonal().array() + floor);
      const Eigen::VectorXd step = damped.ldlt().solve(-g);
      set_flat(m, layout, theta + step);
      const double trial = (predict(m, samples, train) - y_train).cwiseProduct(w_train).squaredNorm();
      if (std::isfinite(trial) && trial < loss) {
        theta += step;
        lambda = std::max(lambda / 3.0, 1e-9);
        accepted = true;
      } else {
        lambda *= 5.0;
      }
    }
    set_flat(m, layout, theta);
    if (!accepted) break;  // not even a tiny gradient step lowers the loss: a minimum to round-off
    const double v = valid_loss();
    if (v < best_valid) {
      best_valid = v;
      best = theta;
      since_best = 0;
    } else if (++since_best >= settings.patience) {
      break;
    }
  }
  set_flat(m, layout, best);
  EddpMemberReport rep;
  rep.epochs = std::min(epoch, settings.max_epochs);
  rep.train_rmse = rms(predict(m, samples, train) - y_train);
  rep.validation_rmse = has_valid ? rms(predict(m, samples, valid) - y_valid) : rep.train_rmse;
  return rep;
}

}  // namespace eddp_detail

/// Trains an EDDP ensemble on the energies of `data`; the features' species default to the data's.
/// Throws InputError for frames without energy or with species outside the feature species, and
/// NumericalError when a member's loss becomes non-finite (the message names the member).
inline EddpModel train_eddp(const Dataset& data, EddpTrainSettings settings, EddpTrainReport* report = nullptr,
                            std::ostream* progress = nullptr) {
  using namespace eddp_detail;
  settings.validate();
  if (data.empty()) throw InputError("eddp: no training structures");
  if (settings.features.species.empty()) settings.features.species = data.species();
  const EddpFeatures desc(settings.features);
  for (std::size_t f = 0; f < data.size(); ++f) {
    if (!data[f].labels.energy || !std::isfinite(*data[f].labels.energy))
      throw InputError("eddp: frame " + std::to_string(f) + " has no finite energy label");
    if (data[f].size() == 0) throw InputError("eddp: frame " + std::to_string(f) + " has no atoms");
    if (!(data[f].labels.weight >= 0.0) || !std::isfinite(data[f].labels.weight))
      throw InputError("eddp: frame " + std::to_string(f) + " has a negative or non-finite weight");
    for (int z : data[f].structure.numbers)
      if (desc.species_index(z) < 0)
        throw InputError("eddp: frame " + std::to_string(f) + " contains " + std::string(element_symbol(z)) +
                         ", which is not among the feature species");
  }
  std::vector<Sample> samples = raw_samples(desc, data);

  // One split for every member: the validation set stops training early and weighs the ensemble.
  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::mt19937_64 split_rng(mix_seed(settings.seed));
  std::shuffle(order.begin(), order.end(), split_rng);
  std::size_t n_valid = std::size_t(std::floor(settings.validation_fraction * double(data.size())));
  if (n_valid >= data.size()) n_valid = data.size() - 1;
  std::vector<std::size_t> valid(order.begin(), order.begin() + std::ptrdiff_t(n_valid));
  std::vector<std::size_t> train(order.begin() + std::ptrdiff_t(n_valid), order.end());
  std::sort(valid.begin(), valid.end());
  std::sort(train.begin(), train.end());

  const std::size_t S = desc.species_count(), n = desc.size();
  const auto [shift, scale] = standardisation(samples, train, S, n);
  for (Sample& s : samples)
    for (std::size_t sp = 0; sp < S; ++sp)
      if (s.by_species[sp].rows() > 0)
        s.by_species[sp] = ((s.by_species[sp].rowwise() - shift[sp].transpose()).array().rowwise() *
                            scale[sp].transpose().array()).matrix();
  const std::vector<double> reference = reference_energies(samples, train, S);

  std::vector<int> sizes{int(n)};
  sizes.insert(sizes.end(), settings.hidden.begin(), settings.hidden.end());
  sizes.push_back(1);
  std::vector<EddpMember> members(std::size_t(settings.members));
  std::vector<EddpMemberReport> reports(members.size());
  tbb::parallel_for(std::size_t(0), members.size(), [&](std::size_t k) {
    std::mt19937_64 rng(mix_seed(settings.seed * 1000003ULL + k + 1));
    for (std::size_t sp = 0; sp < S; ++sp) {
      EddpNetwork net(sizes);
      initialise(net, reference[sp], rng);
      members[k].networks.push_back(std::move(net));
    }
    reports[k] = train_member(members[k], int(k), samples, train, valid, settings);
  });
  if (progress)
    for (std::size_t k = 0; k < members.size(); ++k)
      *progress << "eddp: member " << k << ": " << reports[k].epochs << " steps, train " << 1000.0 * reports[k].train_rmse
                << " meV/atom, validation " << 1000.0 * reports[k].validation_rmse << " meV/atom\n";

  // Ensemble weights by NNLS on the validation predictions (the training set when there is none).
  const std::vector<std::size_t>& pick_on = valid.empty() ? train : valid;
  Eigen::MatrixXd P(Eigen::Index(pick_on.size()), Eigen::Index(members.size()));
  const Eigen::VectorXd row_weight = weights_of(samples, pick_on);
  for (std::size_t k = 0; k < members.size(); ++k)
    P.col(Eigen::Index(k)) = predict(members[k], samples, pick_on).cwiseProduct(row_weight);
  const NnlsResult w = nnls(P, per_atom_labels(samples, pick_on).cwiseProduct(row_weight));
  std::vector<char> keep(members.size(), 0);
  std::size_t kept_count = 0;
  for (std::size_t k = 0; k < members.size(); ++k) {
    reports[k].weight = w.x[Eigen::Index(k)];
    if (w.x[Eigen::Index(k)] > 0.0) keep[k] = 1, ++kept_count;
  }
  if (kept_count == 0) throw NumericalError("eddp: NNLS gave every member weight zero (the members predict nothing useful)");
  std::vector<std::size_t> by_rmse(members.size());
  std::iota(by_rmse.begin(), by_rmse.end(), std::size_t(0));
  std::stable_sort(by_rmse.begin(), by_rmse.end(),
                   [&](std::size_t a, std::size_t b) { return reports[a].validation_rmse < reports[b].validation_rmse; });
  for (std::size_t k : by_rmse)
    if (kept_count < std::size_t(settings.spread_members) && !keep[k]) keep[k] = 1, ++kept_count;
  std::vector<EddpMember> kept;
  std::vector<double> weights;
  for (std::size_t k = 0; k < members.size(); ++k) {
    if (!keep[k]) continue;
    for (std::size_t sp = 0; sp < S; ++sp) members[k].networks[sp].set_standardisation(shift[sp], scale[sp]);
    kept.push_back(members[k]);
    weights.push_back(w.x[Eigen::Index(k)]);
  }
  EddpModel model(settings.features.species, n, std::move(kept), std::move(weights));
  if (report) {
    report->members = reports;
    report->train_structures = train.size();
    report->validation_structures = valid.size();
    Eigen::VectorXd e_train = Eigen::VectorXd::Zero(Eigen::Index(train.size())), e_valid = Eigen::VectorXd::Zero(Eigen::Index(valid.size()));
    for (std::size_t k = 0; k < members.size(); ++k) {
      if (reports[k].weight <= 0.0) continue;
      e_train += reports[k].weight * predict(members[k], samples, train);
      if (!valid.empty()) e_valid += reports[k].weight * predict(members[k], samples, valid);
    }
    report->ensemble_train_rmse = rms(e_train - per_atom_labels(samples, train));
    report->ensemble_validation_rmse = valid.empty() ? report->ensemble_train_rmse : rms(e_valid - per_atom_labels(samples, valid));
  }
  if (progress)
    *progress << "eddp: " << std::count_if(model.weights().begin(), model.weights().end(), [](double x) { return x > 0.0; })
              << " of " << members.size() << " members weighted by NNLS, " << model.members().size() << " kept for the spread\n";
  return model;
}

}  // namespace pestle
