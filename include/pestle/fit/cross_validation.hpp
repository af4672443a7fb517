#pragma once
// k-fold cross-validation of a linear-in-parameters fit over the quantity weights and the
// ridge parameter, at the cost of ONE descriptor pass per descriptor setting.
//
// The rows of every structure are assembled once with unit quantity weights (per-structure
// and config_type weights still apply) and summarised, per fold f and quantity k (energy,
// force, virial), by their normal equations
//     G_fk = A_fkᵀA_fk,  h_fk = A_fkᵀb_fk,  s_fk = b_fkᵀb_fk,  n_fk rows.
// Weights (w_E, w_F, w_V) then only rescale these summaries: training on every fold but f is
//     G = Σ_{g≠f} Σ_k w_k² G_gk   (likewise h, s),
// solved with the same ridge solver as a real fit, and the validation error on fold f is
// exact without touching the rows again:
//     Σ_rows (a·β − b)² = βᵀG_fkβ − 2βᵀh_fk + s_fk.
// Energy rows should be per atom (weights.per_atom_energy) so the energy RMSE is per atom.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include <Eigen/Dense>

#include "pestle/core/dataset.hpp"
#include "pestle/fit/design_matrix.hpp"
#include "pestle/fit/solvers.hpp"

namespace pestle {

/// Validation errors of one (weights, ridge) setting, averaged over folds by pooling rows.
struct CvScore {
  double energy_weight = 1.0, force_weight = 1.0, virial_weight = 0.0, ridge = 0.0;
  double energy_rmse = 0.0;  ///< per-atom energy, eV/atom (energy rows must be per atom)
  double force_rmse = 0.0;   ///< force components, eV/Å
  double virial_rmse = 0.0;  ///< eV (rows as assembled)
  bool solved = true;        ///< false if some fold's system was singular
};

/// Assigns each of n structures to one of k folds: a seeded shuffle, then round robin.
inline std::vector<int> assign_folds(std::size_t n, int folds, unsigned seed = 2020) {
  if (folds < 2) throw InputError("cross-validation needs at least 2 folds");
  if (n < static_cast<std::size_t>(folds))
    throw InputError("cross-validation: " + std::to_string(n) + " structures cannot fill " + std::to_string(folds) + " folds");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<int> fold(n);
  for (std::size_t r = 0; r < n; ++r) fold[order[r]] = static_cast<int>(r % static_cast<std::size_t>(folds));
  return fold;
}

/// Per-fold, per-quantity normal equations (see the file comment).
class FoldedNormalEquations {
 public:
  static constexpr int quantities = 3;  // RowKind energy, force, virial

  FoldedNormalEquations(std::size_t columns, std::vector<int> fold_of_frame, int folds)
      : n_(static_cast<Eigen::Index>(columns)), folds_(folds), fold_of_(std::move(fold_of_frame)),
        parts_(static_cast<std::size_t>(folds * quantities), Part(n_)) {}

  /// Adds the rows of one structure (a RowBlock from assemble_design).
  void add(const RowBlock& r) {
    const int f = fold_of_.at(r.frame);
    for (int k = 0; k < quantities; ++k) {
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
      Part& p = part(f, k);
      p.G.selfadjointView<Eigen::Lower>().rankUpdate(Aw.transpose());
      p.h.noalias() += Aw.transpose() * bw;
      p.s += bw.squaredNorm();
      p.rows += rows.size();
    }
  }

  /// Trains on all folds but each f in turn with the given weights and ridge, and pools
  /// the validation residuals of every fold.
  CvScore score(double we, double wf, double wv, SolverOptions solver) const {
    CvScore out{we, wf, wv, solver.ridge};
    const double w2[quantities] = {we * we, wf * wf, wv * wv};
    double sq[quantities] = {0, 0, 0};
    std::size_t count[quantities] = {0, 0, 0};
    for (int f = 0; f < folds_; ++f) {
      Eigen::MatrixXd G = Eigen::MatrixXd::Zero(n_, n_);
      Eigen::VectorXd h = Eigen::VectorXd::Zero(n_);
      double s = 0.0;
      std::size_t rows = 0;
      for (int g = 0; g < folds_; ++g)
        for (int k = 0; k < quantities; ++k) {
          if (g == f || w2[k] == 0.0) continue;
          const Part& p = part(g, k);
          G.triangularView<Eigen::Lower>() += w2[k] * p.G;
          h += w2[k] * p.h;
          s += w2[k] * p.s;
          rows += p.rows;
        }
      LeastSquares ls(static_cast<std::size_t>(n_), solver);
      const Eigen::MatrixXd full = G.selfadjointView<Eigen::Lower>();
      ls.add_normal_equations(full, h, s, rows);
      Eigen::VectorXd beta;
      try {
        beta = ls.solve().coefficients;
      } catch (const NumericalError&) {
        out.solved = false;
        return out;
      }
      for (int k = 0; k < quantities; ++k) {
        const Part& p = part(f, k);
        if (p.rows == 0) continue;
        const Eigen::MatrixXd Gf = p.G.selfadjointView<Eigen::Lower>();
        sq[k] += std::max(0.0, beta.dot(Gf * beta) - 2.0 * beta.dot(p.h) + p.s);
        count[k] += p.rows;
      }
    }
    auto rmse = [&](int k) { return count[k] ? std::sqrt(sq[k] / static_cast<double>(count[k])) : 0.0; };
    out.energy_rmse = rmse(0);
    out.force_rmse = rmse(1);
    out.virial_rmse = rmse(2);
    return out;
  }

 private:
  struct Part {
    explicit Part(Eigen::Index n) : G(Eigen::MatrixXd::Zero(n, n)), h(Eigen::VectorXd::Zero(n)) {}
    Eigen::MatrixXd G;  // lower triangle used
    Eigen::VectorXd h;
    double s = 0.0;
    std::size_t rows = 0;
  };
  Part& part(int f, int k) { return parts_[static_cast<std::size_t>(f * quantities + k)]; }
  const Part& part(int f, int k) const { return parts_[static_cast<std::size_t>(f * quantities + k)]; }

  Eigen::Index n_;
  int folds_;
  std::vector<int> fold_of_;
  std::vector<Part> parts_;
};

/// Builds the folded normal equations of a data set for feature map Map.
template <class Map, Descriptor D>
FoldedNormalEquations folded_normal_equations(const D& d, const Dataset& data, const DesignLayout& layout,
                                              DesignOptions opt, int folds, unsigned seed = 2020) {
  opt.weights.energy = opt.weights.force = opt.weights.virial = 1.0;  // applied later, per setting
  FoldedNormalEquations ne(layout.columns(), assign_folds(data.size(), folds, seed), folds);
  assemble_design<Map>(d, data, layout, opt, [&](const RowBlock& r) { ne.add(r); });
  return ne;
}

}  // namespace pestle
