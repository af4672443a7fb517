// pair_style pestle MODEL — evaluates any potential file pestle::runtime::load_calculator reads
// (SNAP/qSNAP .json or .snapcoeff, QUIP GAP .xml, pacemaker .ace, ...) inside LAMMPS.
//
//   pair_style pestle Mo_Zuo_JPCA2020.snapcoeff [threads N] [activeset Mo.asi]
//   pair_coeff * * Mo            # one element per LAMMPS atom type
//
// threads N: oneTBB threads per rank (default 1). activeset FILE: the model's active set (pestle
// activeset), which makes the extrapolation grade γ of every atom available to LAMMPS through
// compute pestle/gamma (compute_pestle_gamma.h): dumped per atom, reduced, and able to stop a run
// with fix halt, as ML-PACE's pace/extrapolation does.
//
// Each step the owned atoms and their ghost images are handed to pestle as one non-periodic
// structure with the owned atoms as the only centres (compute(s, nl, nlocal)). Built with LAMMPS's
// own headers (lammps/CMakeLists.txt), the style requests a full neighbour list and pestle reads it
// in place (no search of its own); without them, or for a model that cannot take a list (GAP, the
// reference potentials), pestle searches the owned and ghost atoms itself. Forces land on owned and ghost
// atoms and LAMMPS's reverse communication (newton_pair on, required) adds the ghost forces to
// their owners. Energies, per-atom energies and the global virial are supported; per-atom
// virials are not (docs/lammps.md).
//
// This header is free of pestle and C++20 so that it can sit in a LAMMPS src/ tree; the
// style-registration block below is what LAMMPS's build system looks for there.
#ifdef PAIR_CLASS
// clang-format off
PairStyle(pestle,PairPestle);
// clang-format on
#else

#ifndef LMP_PAIR_PESTLE_H
#define LMP_PAIR_PESTLE_H

#include <memory>
#include <string>
#include <vector>

#include "pair.h"

namespace LAMMPS_NS {

class PairPestle : public Pair {
 public:
  explicit PairPestle(LAMMPS *lmp);
  ~PairPestle() override;

  void compute(int eflag, int vflag) override;
  void settings(int narg, char **arg) override;
  void coeff(int narg, char **arg) override;
  void init_style() override;
  double init_one(int i, int j) override;

  /// Creator for Force::pair_map (what a driver program registers as "pestle").
  static Pair *creator(LAMMPS *lmp);

  /// Whether pair_style gave an active set (the extrapolation grade needs one).
  bool has_active_set() const;
  /// γ of every owned atom at the current positions (owned and ghost atoms as last communicated);
  /// gamma must hold atom->nlocal values. Errors end in a LAMMPS error naming the style.
  void owned_grades(double *gamma);

 private:
  struct Model;                    // the pestle side (pair_pestle.cpp)
  std::unique_ptr<Model> model_;
  std::vector<int> type_number_;   // atomic number of each LAMMPS type (index 1..ntypes)
  double cutoff_ = 0.0;            // Å, the model's interaction range

  void allocate();
  void gather_atoms();  // owned + ghost positions and elements into model_->atoms
  std::string neighbour_source() const;
  [[noreturn]] void fail(const std::string &message);
};

}    // namespace LAMMPS_NS

#endif
#endif
