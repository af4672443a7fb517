#pragma once
// Error metrics of a potential on labelled data, overall and per config_type:
//   energy per atom   RMSE / MAE of (E_pred - E_ref)/N        reported in meV/atom
//   force components  RMSE / MAE over all 3N components         eV/Å
//   force vectors     RMSE of |F_pred - F_ref| over atoms       eV/Å
//   stress            RMSE / MAE over the 6 Voigt components    GPa (1 eV/Å³ = 160.21766208 GPa)
// Only labels that exist are counted (stress: fully periodic structures with stress or virial).
#include <cmath>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <tbb/parallel_for.h>

#include "pestle/core/dataset.hpp"
#include "pestle/models/potential.hpp"

namespace pestle {

inline constexpr double gpa_per_ev_per_a3 = 160.21766208;

/// Running sums of errors.
struct ErrorStats {
  std::size_t count = 0;
  double sum_sq = 0.0, sum_abs = 0.0;

  void add(double e) {
    ++count;
    sum_sq += e * e;
    sum_abs += std::abs(e);
  }
  void merge(const ErrorStats& o) {
    count += o.count;
    sum_sq += o.sum_sq;
    sum_abs += o.sum_abs;
  }
  double rmse() const { return count ? std::sqrt(sum_sq / static_cast<double>(count)) : 0.0; }
  double mae() const { return count ? sum_abs / static_cast<double>(count) : 0.0; }
};

struct ErrorMetrics {
  std::size_t structures = 0;
  ErrorStats energy_per_atom;  ///< eV/atom (accessors below convert)
  ErrorStats force_component;  ///< eV/Å
  ErrorStats force_vector;     ///< |ΔF| per atom, eV/Å
  ErrorStats stress;           ///< eV/Å³

  double energy_rmse_meV_per_atom() const { return 1e3 * energy_per_atom.rmse(); }
  double energy_mae_meV_per_atom() const { return 1e3 * energy_per_atom.mae(); }
  double force_rmse() const { return force_component.rmse(); }
  double force_mae() const { return force_component.mae(); }
  double force_vector_rmse() const { return force_vector.rmse(); }
  double stress_rmse_GPa() const { return gpa_per_ev_per_a3 * stress.rmse(); }
  double stress_mae_GPa() const { return gpa_per_ev_per_a3 * stress.mae(); }

  void merge(const ErrorMetrics& o) {
    structures += o.structures;
    energy_per_atom.merge(o.energy_per_atom);
    force_component.merge(o.force_component);
    force_vector.merge(o.force_vector);
    stress.merge(o.stress);
  }

  /// Adds the errors of one prediction against its labels.
  void add(const Frame& f, const PotentialResult& p) {
    ++structures;
    const double n = static_cast<double>(f.size());
    if (f.labels.energy && n > 0) energy_per_atom.add((p.energy - *f.labels.energy) / n);
    if (f.labels.forces && f.labels.forces->size() == p.forces.size())
      for (std::size_t k = 0; k < p.forces.size(); ++k) {
        const Vec3 d = p.forces[k] - (*f.labels.forces)[k];
        for (int a = 0; a < 3; ++a) force_component.add(d[a]);
        force_vector.add(d.norm());
      }
    if (p.stress) {
      const auto ref = f.labels.stress_or_from_virial(f.structure.volume());
      if (ref) {
        static constexpr int va[6] = {0, 1, 2, 1, 0, 0}, vb[6] = {0, 1, 2, 2, 2, 1};
        for (int v = 0; v < 6; ++v) stress.add((*p.stress)(va[v], vb[v]) - (*ref)(va[v], vb[v]));
      }
    }
  }
};

struct ErrorReport {
  ErrorMetrics overall;
  std::map<std::string, ErrorMetrics> by_config_type;
};

/// Predicts every structure (in parallel) and collects the errors; sums are formed in
/// data-set order, so the report does not depend on scheduling.
template <class P>
ErrorReport error_report(const P& potential, const Dataset& data) {
  std::vector<PotentialResult> results(data.size());
  tbb::parallel_for(std::size_t{0}, data.size(), [&](std::size_t k) { results[k] = potential.compute(data[k].structure); });
  ErrorReport report;
  for (std::size_t k = 0; k < data.size(); ++k) {
    ErrorMetrics m;
    m.add(data[k], results[k]);
    report.overall.merge(m);
    report.by_config_type[data[k].labels.config_type].merge(m);
  }
  return report;
}

}  // namespace pestle
