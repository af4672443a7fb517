#pragma once
// The members of FoldedNormalEquations (declared in fit/cross_validation.hpp):
// inline in the header-only mode, compiled once into pestle::runtime_fit otherwise (fit/compiled.hpp).
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "pestle/fit/cross_validation.hpp"

namespace pestle {

PESTLE_FIT_INLINE FoldedNormalEquations::FoldedNormalEquations(std::size_t columns, std::vector<int> fold_of_frame,
                                                               int folds, std::vector<std::size_t> atoms,
                                                               bool per_atom_energy) : FoldedNormalEquations(columns,
                                                               std::move(fold_of_frame), folds) {
  // per fold: energy and force sums (2 n×n); solving one fold: its system, a full copy and the solver's
  const double n = static_cast<double>(columns);
  require_memory(bytes_of_doubles((2.0 * folds + 5.0) * n * n),
                 std::to_string(folds) + "-fold cross-validation of " + std::to_string(columns) + " columns",
                 "use fewer folds or a smaller basis / descriptor");
  atoms_ = std::move(atoms);
  per_atom_energy_ = per_atom_energy;
  raw_force_.assign(static_cast<std::size_t>(folds), Part(n_));
  force_train_scale_.assign(static_cast<std::size_t>(folds), 0.0);
  force_groups_.resize(static_cast<std::size_t>(folds));
}

PESTLE_FIT_INLINE void FoldedNormalEquations::add(const RowBlock& r, std::size_t frame) {
  if (finished_) throw std::logic_error("FoldedNormalEquations: rows added after finish()");
  const int f = fold_of_.at(frame);
  if (tracking()) add_raw(r, f);
  keep_energy_row(r, frame);
  for (int k = 0; k < quantities; ++k) {
    if (tracking() && k == static_cast<int>(RowKind::force)) continue;  // grouped in add_raw
    std::vector<Eigen::Index> rows;
    for (Eigen::Index i = 0; i < r.A.rows(); ++i)
      if (static_cast<int>(r.kind[static_cast<std::size_t>(i)]) == k && r.w[i] > 0.0) rows.push_back(i);
    if (rows.empty()) continue;
    Eigen::MatrixXd Aw(static_cast<Eigen::Index>(rows.size()), n_);
    Eigen::VectorXd bw(static_cast<Eigen::Index>(rows.size()));
    for (std::size_t m = 0; m < rows.size(); ++m) {
      Aw.row(static_cast<Eigen::Index>(m)) = r.w[rows[m]] * r.A.row(rows[m]);
      bw[static_cast<Eigen::Index>(m)] = r.w[rows[m]] * r.b[rows[m]];
    }
    part(f, k).add(Aw, bw);
  }
}

PESTLE_FIT_INLINE std::vector<Eigen::VectorXd> FoldedNormalEquations::fold_coefficients(double we, double wf,
                                                                                        double wv,
                                                                                        const SolverOptions& solver) const {
  if (tracking() && !finished_) throw std::logic_error("FoldedNormalEquations: call finish() after the last add()");
  const double w2[quantities] = {we * we, wf * wf, wv * wv};
  std::vector<Eigen::VectorXd> out;
  for (int f = 0; f < folds_; ++f) {
    Eigen::MatrixXd G = Eigen::MatrixXd::Zero(n_, n_);
    Eigen::VectorXd h = Eigen::VectorXd::Zero(n_);
    double s = 0.0;
    std::size_t rows = 0;
    for (int g = 0; g < folds_; ++g)
      for (int k = 0; k < quantities; ++k) {
        if (g == f || w2[k] == 0.0) continue;
        const auto [p, scale] = training_part(g, k);
        if (p.rows == 0 || scale == 0.0) continue;
        G.triangularView<Eigen::Lower>() += (w2[k] * scale) * p.G;
        h += (w2[k] * scale) * p.h;
        s += w2[k] * scale * p.s;
        rows += p.rows;
      }
    LeastSquares ls(static_cast<std::size_t>(n_), solver);
    const Eigen::MatrixXd full = G.selfadjointView<Eigen::Lower>();
    ls.add_normal_equations(full, h, s, rows);
    out.push_back(ls.solve().coefficients);
  }
  return out;
}

PESTLE_FIT_INLINE CvScore FoldedNormalEquations::score(double we, double wf, double wv, SolverOptions solver) const {
  CvScore out;
  out.energy_weight = we, out.force_weight = wf, out.virial_weight = wv, out.ridge = solver.ridge;
  double sq[quantities] = {0, 0, 0};
  std::size_t count[quantities] = {0, 0, 0};
  std::vector<Eigen::VectorXd> betas;
  try {
    betas = fold_coefficients(we, wf, wv, solver);
  } catch (const NumericalError&) {
    out.solved = false;
    return out;
  }
  // held-out errors are unweighted: every structure's energy and (tracking) every force
  // component counts once, whatever its config_type or frame weight in the fit
  const std::vector<double> frame_errors = frame_energy_errors(betas);
  for (double e : frame_errors)
    if (!std::isnan(e)) sq[0] += e * e, ++count[0];
  for (int f = 0; f < folds_; ++f)
    for (int k = 1; k < quantities; ++k) {
      const bool force = k == static_cast<int>(RowKind::force);
      const Part& p = force && tracking() ? raw_force(f) : part(f, k);
      if (p.rows == 0) continue;
      sq[k] += p.residual_squares(betas[static_cast<std::size_t>(f)]);
      count[k] += p.rows;
    }
  auto rmse = [&](int k) { return count[k] ? std::sqrt(sq[k] / static_cast<double>(count[k])) : 0.0; };
  out.energy_rmse = rmse(0);
  out.force_rmse = rmse(1);
  out.virial_rmse = rmse(2);
  out.balanced_energy_rmse = out.energy_rmse;
  if (families_ > 0) score_families(frame_errors, out);
  out.frame_energy_error = frame_errors;
  return out;
}

PESTLE_FIT_INLINE void FoldedNormalEquations::set_families(std::vector<int> family_of, int count) {
  if (family_of.size() != fold_of_.size() || count < 1)
    throw std::invalid_argument("FoldedNormalEquations::set_families: one family per frame, at least one family");
  for (int g : family_of)
    if (g < 0 || g >= count) throw std::invalid_argument("FoldedNormalEquations::set_families: family out of range");
  family_of_ = std::move(family_of);
  families_ = count;
}

PESTLE_FIT_INLINE std::vector<double> FoldedNormalEquations::frame_energy_errors(const std::vector<Eigen::VectorXd>& betas) const {
  std::vector<double> out(fold_of_.size(), std::numeric_limits<double>::quiet_NaN());
  for (const auto& [frame, row] : energy_rows_) {
    const Eigen::VectorXd& beta = betas.at(static_cast<std::size_t>(fold_of_[frame]));
    out[frame] = row.head(n_).dot(beta) - row[n_];
  }
  return out;
}

PESTLE_FIT_INLINE void FoldedNormalEquations::finish() {
  if (!tracking() || finished_) return;
  for (int f = 0; f < folds_; ++f) {
    auto& groups = force_groups_[static_cast<std::size_t>(f)];
    Part& all = raw_force(f);
    if (groups.size() == 1) {
      force_train_scale_[static_cast<std::size_t>(f)] = groups[0].first * groups[0].first;
      all = std::move(groups[0].second);
    } else {
      force_train_scale_[static_cast<std::size_t>(f)] = std::numeric_limits<double>::quiet_NaN();  // explicit part
      Part& train = part(f, static_cast<int>(RowKind::force));
      for (const auto& [w, g] : groups) {
        all.add_scaled(g, 1.0);
        if (w != 0.0) train.add_scaled(g, w * w);
      }
    }
    groups.clear();
    groups.shrink_to_fit();
  }
  finished_ = true;
}

PESTLE_FIT_INLINE FoldedNormalEquations::FoldErrors FoldedNormalEquations::fold_errors(const std::vector<Eigen::VectorXd>& betas) const {
  if (!tracking() || !finished_) throw std::logic_error("FoldedNormalEquations: fold_errors needs tracking and finish()");
  FoldErrors e;
  // energies from the kept rows: (Ê − E)·scale per frame, scale = 1/n_at for per-atom rows
  const std::vector<double> errors = frame_energy_errors(betas);
  for (std::size_t frame = 0; frame < errors.size(); ++frame) {
    const double n = static_cast<double>(atoms_.at(frame));
    if (std::isnan(errors[frame]) || n == 0.0) continue;
    const double de = errors[frame] * (per_atom_energy_ ? n : 1.0);  // Ê − E, eV
    e.energy_sq_per_sqrt_atoms += de * de / n;
    e.energy_sq_per_atom += de * de / (n * n);
    ++e.energies;
  }
  for (int f = 0; f < folds_; ++f) {
    e.force_sq += raw_force(f).residual_squares(betas.at(static_cast<std::size_t>(f)));
    e.force_components += raw_force(f).rows;
  }
  return e;
}

PESTLE_FIT_INLINE void FoldedNormalEquations::keep_energy_row(const RowBlock& r, std::size_t frame) {
  for (Eigen::Index i = 0; i < r.A.rows(); ++i) {
    if (r.kind[static_cast<std::size_t>(i)] != RowKind::energy) continue;
    Eigen::VectorXd row(n_ + 1);
    row.head(n_) = r.A.row(i).transpose();
    row[n_] = r.b[i];
    energy_rows_.emplace_back(frame, std::move(row));
  }
}

PESTLE_FIT_INLINE void FoldedNormalEquations::reduce(const Communicator& comm) {
  if (comm.size() <= 1) return;
  if (finished_) throw std::logic_error("FoldedNormalEquations: reduce() after finish()");
  for (Part& p : parts_) p.reduce(comm);
  if (tracking())
    for (int f = 0; f < folds_; ++f) reduce_force_groups(f, comm);
  gather_energy_rows(comm);
}

namespace detail::cv {

/// Every rank's `mine` values on every rank, rank 0's first (sums of zero-padded buffers: the
/// Communicator has no gather).
inline std::vector<double> all_ranks(const std::vector<double>& mine, const Communicator& comm) {
  std::vector<double> counts(static_cast<std::size_t>(comm.size()), 0.0);
  counts[static_cast<std::size_t>(comm.rank())] = static_cast<double>(mine.size());
  comm.sum(counts.data(), counts.size());
  std::size_t offset = 0, total = 0;
  for (int r = 0; r < comm.size(); ++r) {
    if (r < comm.rank()) offset += static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]);
    total += static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]);
  }
  std::vector<double> all(total, 0.0);
  std::copy(mine.begin(), mine.end(), all.begin() + static_cast<std::ptrdiff_t>(offset));
  comm.sum(all.data(), all.size());
  return all;
}

}  // namespace detail::cv

PESTLE_FIT_INLINE void FoldedNormalEquations::reduce_force_groups(int f, const Communicator& comm) {
  auto& groups = force_groups_[static_cast<std::size_t>(f)];
  std::vector<double> weights;
  for (const auto& [w, g] : groups) weights.push_back(w);
  std::vector<double> all = detail::cv::all_ranks(weights, comm);
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  for (double w : all) force_group(f, w);  // the groups a rank lacks, empty
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [w, g] : groups) g.reduce(comm);
}

PESTLE_FIT_INLINE void FoldedNormalEquations::gather_energy_rows(const Communicator& comm) {
  const auto width = static_cast<std::size_t>(n_ + 2);  // frame, row, target
  std::vector<double> mine;
  mine.reserve(energy_rows_.size() * width);
  for (const auto& [frame, row] : energy_rows_) {
    mine.push_back(static_cast<double>(frame));
    mine.insert(mine.end(), row.data(), row.data() + row.size());
  }
  const std::vector<double> all = detail::cv::all_ranks(mine, comm);
  energy_rows_.clear();
  for (std::size_t at = 0; at + width <= all.size(); at += width) {
    Eigen::VectorXd row = Eigen::Map<const Eigen::VectorXd>(all.data() + at + 1, n_ + 1);
    energy_rows_.emplace_back(static_cast<std::size_t>(all[at]), std::move(row));
  }
  std::stable_sort(energy_rows_.begin(), energy_rows_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

PESTLE_FIT_INLINE void FoldedNormalEquations::score_families(const std::vector<double>& errors, CvScore& out) const {
  std::vector<double> sq(static_cast<std::size_t>(families_), 0.0);
  std::vector<std::size_t> count(sq.size(), 0);
  for (std::size_t frame = 0; frame < errors.size(); ++frame) {
    if (std::isnan(errors[frame])) continue;
    const auto g = static_cast<std::size_t>(family_of_[frame]);
    sq[g] += errors[frame] * errors[frame];
    ++count[g];
  }
  double mean_square = 0.0;
  int present = 0;
  for (std::size_t g = 0; g < sq.size(); ++g) {
    out.family_energy_rmse.push_back(count[g] ? std::sqrt(sq[g] / static_cast<double>(count[g])) : 0.0);
    if (count[g] == 0) continue;
    mean_square += sq[g] / static_cast<double>(count[g]);
    ++present;
  }
  out.balanced_energy_rmse = present ? std::sqrt(mean_square / present) : 0.0;
}

PESTLE_FIT_INLINE void FoldedNormalEquations::add_raw(const RowBlock& r, int f) {
  std::vector<Eigen::Index> forces;  // energies: kept rows (keep_energy_row)
  for (Eigen::Index i = 0; i < r.A.rows(); ++i)
    if (r.kind[static_cast<std::size_t>(i)] == RowKind::force) forces.push_back(i);
  while (!forces.empty()) {  // one group per distinct row weight (usually a single one)
    const double w = std::max(0.0, r.w[forces.front()]);
    std::vector<Eigen::Index> same, rest;
    for (Eigen::Index i : forces) (std::max(0.0, r.w[i]) == w ? same : rest).push_back(i);
    Eigen::MatrixXd A(static_cast<Eigen::Index>(same.size()), n_);
    Eigen::VectorXd b(static_cast<Eigen::Index>(same.size()));
    for (std::size_t m = 0; m < same.size(); ++m) {
      A.row(static_cast<Eigen::Index>(m)) = r.A.row(same[m]);
      b[static_cast<Eigen::Index>(m)] = r.b[same[m]];
    }
    force_group(f, w).add(A, b);
    forces = std::move(rest);
  }
}

PESTLE_FIT_INLINE FoldedNormalEquations::Part& FoldedNormalEquations::force_group(int f, double w) {
  auto& groups = force_groups_[static_cast<std::size_t>(f)];
  for (auto& [gw, g] : groups)
    if (gw == w) return g;
  groups.emplace_back(w, Part(n_));
  return groups.back().second;
}

PESTLE_FIT_INLINE std::pair<const FoldedNormalEquations::Part&, double> FoldedNormalEquations::training_part(int f,
                                                                                                             int k) const {
  const double scale = force_train_scale_.empty() ? 1.0 : force_train_scale_[static_cast<std::size_t>(f)];
  if (tracking() && k == static_cast<int>(RowKind::force) && !std::isnan(scale)) return {raw_force(f), scale};
  return {part(f, k), 1.0};
}

}  // namespace pestle
