#pragma once
// Acquisition functions for minimisation, written as utilities to MAXIMISE, given the
// posterior mean μ and standard deviation σ at a point and the best observed value f*
// (formulas and references in docs/optimise.md):
//   EI  = (f* − ξ − μ) Φ(z) + σ φ(z),  z = (f* − ξ − μ)/σ        (Jones, Schonlau & Welch 1998)
//   PI  = Φ((f* − ξ − μ)/σ)                                         (Kushner 1964)
//   LCB = μ − κσ; the utility is −LCB                                (Srinivas et al. 2010)
// GP-hedge (Hoffman, Brochu & de Freitas 2011) chooses among their nominees; see optimiser.hpp.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "pestle/core/error.hpp"

namespace pestle::optimise {

enum class AcquisitionKind { ei, pi, lcb, hedge };

inline AcquisitionKind acquisition_from_name(const std::string& name) {
  if (name == "ei" || name == "EI") return AcquisitionKind::ei;
  if (name == "pi" || name == "PI") return AcquisitionKind::pi;
  if (name == "lcb" || name == "LCB") return AcquisitionKind::lcb;
  if (name == "hedge" || name == "gp_hedge") return AcquisitionKind::hedge;
  throw InputError("unknown acquisition '" + name + "' (expected ei, pi, lcb or hedge)");
}

inline const char* acquisition_name(AcquisitionKind k) {
  switch (k) {
    case AcquisitionKind::ei: return "ei";
    case AcquisitionKind::pi: return "pi";
    case AcquisitionKind::lcb: return "lcb";
    case AcquisitionKind::hedge: return "hedge";
  }
  return "?";
}

struct AcquisitionParams {
  double xi = 0.0;     ///< EI, PI: required improvement (the optimiser uses standardised units)
  double kappa = 1.96; ///< LCB: weight of the standard deviation
};

inline double normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi); }
inline double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

inline double expected_improvement(double mean, double sd, double best, double xi) {
  const double gain = best - xi - mean;
  if (!(sd > 0.0)) return std::max(gain, 0.0);
  const double z = gain / sd;
  return gain * normal_cdf(z) + sd * normal_pdf(z);
}

inline double probability_of_improvement(double mean, double sd, double best, double xi) {
  const double gain = best - xi - mean;
  if (!(sd > 0.0)) return gain > 0.0 ? 1.0 : 0.0;
  return normal_cdf(gain / sd);
}

inline double lower_confidence_bound(double mean, double sd, double kappa) { return mean - kappa * sd; }

/// The utility (larger is better) of one of EI, PI, LCB.
inline double acquisition_utility(AcquisitionKind k, double mean, double sd, double best, const AcquisitionParams& p) {
  switch (k) {
    case AcquisitionKind::ei: return expected_improvement(mean, sd, best, p.xi);
    case AcquisitionKind::pi: return probability_of_improvement(mean, sd, best, p.xi);
    case AcquisitionKind::lcb: return -lower_confidence_bound(mean, sd, p.kappa);
    case AcquisitionKind::hedge: break;
  }
  throw InputError("hedge is a strategy over acquisitions, not an acquisition utility");
}

}  // namespace pestle::optimise
