#pragma once
// Geometry relaxation with any Calculator: FIRE and L-BFGS, of the atomic positions alone or
// of positions and cell together under a hydrostatic target pressure p.
//
// Cell degrees of freedom follow ASE's UnitCellFilter: the cell is cell0·Fᵀ for a deformation
// gradient F (F = I at the start), positions are r_i = F·r0_i, and the optimiser moves the
// reference positions r0_i and the scaled deformation c·F (c = cell_factor, by default the number
// of atoms, which makes cell and atomic "forces" comparable). The quantity minimised is the
// enthalpy H = E + pV; its negative gradient is
//     −∂H/∂r0_i = Fᵀ f_i,      −∂H/∂(cF) = −(V/c) (σ + p I) F⁻ᵀ,
// with σ the stress (ASE sign), so the cell stops moving when σ = −p I. Derivation:
// docs/dynamics.md. Converged when every |f_i| ≤ fmax and (cell relaxation) every component of
// |σ + p I| ≤ stress_tolerance.
#include <algorithm>
#include <cmath>
#include <deque>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "pestle/dynamics/common.hpp"

namespace pestle {

struct RelaxOptions {
  double fmax = 0.01;               ///< eV/Å: largest force on any atom at convergence
  double stress_tolerance = 1e-4;   ///< eV/Å³: largest |σ + p I| component at convergence (≈ 0.016 GPa)
  std::size_t max_steps = 2000;     ///< optimiser iterations
  bool relax_cell = false;          ///< also relax the cell (needs a fully periodic structure)
  double pressure = 0.0;            ///< eV/Å³, hydrostatic target (1 GPa = 0.0062415 eV/Å³)
  double cell_factor = 0.0;         ///< scale of the cell coordinates; 0 = number of atoms
  double max_step = 0.2;            ///< Å: largest move of any atom (or cell row) in one step
  std::string trajectory;           ///< extended-XYZ file of the path ("" = none)
  std::size_t trajectory_every = 1; ///< write every k-th step

  void validate() const {
    if (!(fmax > 0) || !(stress_tolerance > 0) || !(max_step > 0) || !std::isfinite(pressure) || !(cell_factor >= 0) ||
        !std::isfinite(cell_factor) || !std::isfinite(fmax) || !std::isfinite(max_step))
      throw InputError("relaxation options: fmax, stress_tolerance and max_step must be positive, pressure finite");
  }
};

/// FIRE parameters (Bitzek et al., PRL 97, 170201 (2006); defaults as in ASE).
struct FireOptions {
  double dt = 0.1, dt_max = 1.0;
  std::size_t n_min = 5;
  double f_inc = 1.1, f_dec = 0.5, alpha_start = 0.1, f_alpha = 0.99;
};

/// L-BFGS parameters (Nocedal & Wright, Numerical Optimization, Alg. 7.4).
struct LbfgsOptions {
  std::size_t memory = 20;
  double initial_curvature = 70.0;  ///< eV/Å² for the first step and after resets (ASE's alpha)
};

struct RelaxResult {
  Structure structure;
  PotentialResult result;
  std::size_t steps = 0;
  bool converged = false;
  double max_force = 0.0;   ///< eV/Å
  double max_stress = 0.0;  ///< eV/Å³, largest |σ + p I| component (0 without cell relaxation)
  double enthalpy = 0.0;    ///< E + pV (E without cell relaxation), eV
};

namespace detail::relax {

/// The structure as a vector of generalized coordinates, with enthalpy and generalized forces.
template <Calculator C>
class System {
 public:
  System(const C& calc, Structure s, const RelaxOptions& o) : calc_(calc), o_(o), s_(std::move(s)) {
    o_.validate();
    s_.validate();
    if (s_.empty()) throw InputError("cannot relax a structure without atoms");
    if (o_.relax_cell && !(s_.pbc[0] && s_.pbc[1] && s_.pbc[2]))
      throw InputError("cell relaxation needs a structure periodic along all three axes");
    cell0_ = s_.cell;
    r0_ = s_.positions;
    c_ = o_.cell_factor > 0 ? o_.cell_factor : double(s_.size());
    evaluate_now();
  }

  std::size_t dim() const { return 3 * s_.size() + (o_.relax_cell ? 9 : 0); }

  Eigen::VectorXd x() const {
    Eigen::VectorXd v(dim());
    for (std::size_t i = 0; i < r0_.size(); ++i) v.segment<3>(Eigen::Index(3 * i)) = r0_[i];
    if (o_.relax_cell)
      for (int k = 0; k < 9; ++k) v[Eigen::Index(3 * r0_.size()) + k] = c_ * F_(k / 3, k % 3);
    return v;
  }

  void set(const Eigen::VectorXd& v) {
    for (std::size_t i = 0; i < r0_.size(); ++i) r0_[i] = v.segment<3>(Eigen::Index(3 * i));
    if (o_.relax_cell)
      for (int k = 0; k < 9; ++k) F_(k / 3, k % 3) = v[Eigen::Index(3 * r0_.size()) + k] / c_;
    s_.cell = o_.relax_cell ? Mat3(cell0_ * F_.transpose()) : cell0_;
    for (std::size_t i = 0; i < r0_.size(); ++i) s_.positions[i] = F_ * r0_[i];
    evaluate_now();
  }

  /// −∂H/∂x.
  const Eigen::VectorXd& forces() const { return g_; }
  double enthalpy() const { return h_; }
  double max_force() const { return fmax_; }
  double max_stress() const { return smax_; }
  bool converged() const { return fmax_ <= o_.fmax && (!o_.relax_cell || smax_ <= o_.stress_tolerance); }
  const Structure& structure() const { return s_; }
  const PotentialResult& result() const { return r_; }

 private:
  void evaluate_now() {
    r_ = evaluate(calc_, s_);
    g_.resize(Eigen::Index(dim()));
    fmax_ = 0.0;
    for (std::size_t i = 0; i < s_.size(); ++i) {
      g_.segment<3>(Eigen::Index(3 * i)) = F_.transpose() * r_.forces[i];
      fmax_ = std::max(fmax_, r_.forces[i].norm());
    }
    h_ = r_.energy;
    smax_ = 0.0;
    if (!o_.relax_cell) return;
    if (!r_.stress) throw InputError("cell relaxation needs a calculator that returns the stress");
    const double v = s_.volume();
    const Mat3 residual = *r_.stress + o_.pressure * Mat3::Identity();
    smax_ = residual.cwiseAbs().maxCoeff();
    const Mat3 cell_force = -(v / c_) * residual * F_.inverse().transpose();
    for (int k = 0; k < 9; ++k) g_[Eigen::Index(3 * s_.size()) + k] = cell_force(k / 3, k % 3);
    h_ += o_.pressure * v;
  }

  const C& calc_;
  RelaxOptions o_;
  Structure s_;
  Mat3 cell0_;
  Mat3 F_ = Mat3::Identity();
  std::vector<Vec3> r0_;
  double c_ = 1.0;
  PotentialResult r_;
  Eigen::VectorXd g_;
  double h_ = 0.0, fmax_ = 0.0, smax_ = 0.0;
};

/// Scales a step so that no 3-block moves further than max_step.
inline void limit_step(Eigen::VectorXd& dx, double max_step) {
  double longest = 0.0;
  for (Eigen::Index b = 0; b + 2 < dx.size(); b += 3) longest = std::max(longest, dx.segment<3>(b).norm());
  if (longest > max_step) dx *= max_step / longest;
}

template <class Sys>
RelaxResult finish(const Sys& sys, std::size_t steps) {
  return RelaxResult{sys.structure(), sys.result(), steps, sys.converged(), sys.max_force(), sys.max_stress(), sys.enthalpy()};
}

template <class Sys>
void record(TrajectoryWriter& traj, std::size_t step, const Sys& sys) {
  Info info;
  info.set("enthalpy", sys.enthalpy());
  traj.write(step, sys.structure(), sys.result(), nullptr, info);
}

}  // namespace detail::relax

/// FIRE relaxation (positions, and the cell when options.relax_cell).
template <Calculator C>
RelaxResult relax_fire(const C& calc, Structure s, const RelaxOptions& options = {}, const FireOptions& fire = {}) {
  if (!(fire.dt > 0) || !(fire.dt_max >= fire.dt) || !(fire.f_dec > 0 && fire.f_dec < 1) || !(fire.f_inc >= 1))
    throw InputError("FIRE options: need 0 < dt <= dt_max, 0 < f_dec < 1, f_inc >= 1");
  detail::relax::System<C> sys(calc, std::move(s), options);
  TrajectoryWriter traj(options.trajectory, options.trajectory_every);
  Eigen::VectorXd v = Eigen::VectorXd::Zero(Eigen::Index(sys.dim()));
  double dt = fire.dt, alpha = fire.alpha_start;
  std::size_t since_reset = 0, step = 0;
  detail::relax::record(traj, 0, sys);
  for (; step < options.max_steps && !sys.converged(); ++step) {
    const Eigen::VectorXd& f = sys.forces();
    const double power = f.dot(v);
    if (power > 0.0) {
      // steer the velocity towards the force, and speed up after n_min good steps
      const double fn = f.norm();
      if (fn > 0) v = (1.0 - alpha) * v + alpha * v.norm() / fn * f;
      if (since_reset > fire.n_min) {
        dt = std::min(dt * fire.f_inc, fire.dt_max);
        alpha *= fire.f_alpha;
      }
      ++since_reset;
    } else {
      // uphill: stop, slow down, and start mixing again
      v.setZero();
      alpha = fire.alpha_start;
      dt *= fire.f_dec;
      since_reset = 0;
    }
    v += dt * f;
    Eigen::VectorXd dx = dt * v;
    detail::relax::limit_step(dx, options.max_step);
    sys.set(sys.x() + dx);
    detail::relax::record(traj, step + 1, sys);
  }
  return detail::relax::finish(sys, step);
}

/// L-BFGS relaxation (positions, and the cell when options.relax_cell), with a step limited to
/// options.max_step and halved while the enthalpy rises.
template <Calculator C>
RelaxResult relax_lbfgs(const C& calc, Structure s, const RelaxOptions& options = {}, const LbfgsOptions& lbfgs = {}) {
  if (lbfgs.memory == 0 || !(lbfgs.initial_curvature > 0))
    throw InputError("L-BFGS options: memory must be positive and initial_curvature > 0");
  detail::relax::System<C> sys(calc, std::move(s), options);
  TrajectoryWriter traj(options.trajectory, options.trajectory_every);
  struct Pair {
    Eigen::VectorXd s, y;
    double rho;
  };
  std::deque<Pair> memory;
  std::size_t step = 0;
  detail::relax::record(traj, 0, sys);
  for (; step < options.max_steps && !sys.converged(); ++step) {
    const Eigen::VectorXd x = sys.x();
    const Eigen::VectorXd g = -sys.forces();
    const double h = sys.enthalpy();
    // two-loop recursion: d = −H⁻¹ g
    Eigen::VectorXd q = g;
    std::vector<double> a(memory.size());
    for (std::size_t k = memory.size(); k-- > 0;) {
      a[k] = memory[k].rho * memory[k].s.dot(q);
      q -= a[k] * memory[k].y;
    }
    const double gamma = memory.empty() ? 1.0 / lbfgs.initial_curvature
                                        : memory.back().s.dot(memory.back().y) / memory.back().y.squaredNorm();
    Eigen::VectorXd d = gamma * q;
    for (std::size_t k = 0; k < memory.size(); ++k) d += memory[k].s * (a[k] - memory[k].rho * memory[k].y.dot(d));
    d = -d;
    if (!(d.dot(g) < 0.0)) {  // not a descent direction: forget the curvature history
      memory.clear();
      d = -g / lbfgs.initial_curvature;
    }
    detail::relax::limit_step(d, options.max_step);
    // backtrack while the enthalpy rises (beyond round-off)
    bool accepted = false;
    for (int halving = 0; halving < 10 && !accepted; ++halving, d *= 0.5) {
      sys.set(x + d);
      accepted = sys.enthalpy() <= h + 1e-12 * std::max(1.0, std::abs(h));
    }
    if (!accepted) memory.clear();
    const Eigen::VectorXd sk = sys.x() - x, yk = -sys.forces() - g;
    const double sy = sk.dot(yk);
    if (sy > 1e-14 * sk.norm() * yk.norm() && sy > 0.0) {
      memory.push_back({sk, yk, 1.0 / sy});
      if (memory.size() > lbfgs.memory) memory.pop_front();
    }
    detail::relax::record(traj, step + 1, sys);
  }
  return detail::relax::finish(sys, step);
}

}  // namespace pestle
