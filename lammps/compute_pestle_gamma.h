// compute ID GROUP pestle/gamma — the extrapolation grade γ of pair_style pestle's model
// (docs/lammps.md "Extrapolation grade"), from the active set given to the pair style:
//   pair_style pestle Mo.json activeset Mo.asi
//   compute gamma all pestle/gamma
//   dump d all custom 100 gamma.dump id type x y z c_gamma     # per-atom γ (0 outside the group)
//   thermo_style custom step temp pe c_gamma                   # the scalar: max γ over the group
//   variable max_gamma equal c_gamma
//   fix stop all halt 10 v_max_gamma > 5 error soft            # end the run when γ leaves the trusted range
// γ is evaluated when LAMMPS asks for it (a dump, thermo or fix halt step), at the positions of the
// last force evaluation, for every owned atom of every rank.
//
// Like pair_pestle.h, this header is free of pestle and C++20 so that it can sit in a LAMMPS src/ tree.
#ifdef COMPUTE_CLASS
// clang-format off
ComputeStyle(pestle/gamma,ComputePestleGamma);
// clang-format on
#else

#ifndef LMP_COMPUTE_PESTLE_GAMMA_H
#define LMP_COMPUTE_PESTLE_GAMMA_H

#include "compute.h"

namespace LAMMPS_NS {

class PairPestle;

class ComputePestleGamma : public Compute {
 public:
  ComputePestleGamma(LAMMPS *lmp, int narg, char **arg);
  ~ComputePestleGamma() override;

  void init() override;
  void compute_peratom() override;
  double compute_scalar() override;
  double memory_usage() override;

  /// Creator for Modify::compute_map (what a driver program registers as "pestle/gamma").
  static Compute *creator(LAMMPS *lmp, int narg, char **arg);

 private:
  PairPestle *pair_ = nullptr;
  int nmax_ = 0;            // atoms vector_atom has room for
  double *grades_ = nullptr; // one value per owned atom (vector_atom)
};

}    // namespace LAMMPS_NS

#endif
#endif
