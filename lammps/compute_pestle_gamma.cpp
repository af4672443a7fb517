// compute pestle/gamma: see compute_pestle_gamma.h.
#include "compute_pestle_gamma.h"

#include <mpi.h>

#include <algorithm>
#include <string>

#include "atom.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "pair_pestle.h"
#include "update.h"

using namespace LAMMPS_NS;

ComputePestleGamma::ComputePestleGamma(LAMMPS *lmp, int narg, char **arg) : Compute(lmp, narg, arg)
{
  if (narg != 3) error->all(FLERR, "compute pestle/gamma: expected compute ID GROUP pestle/gamma");
  peratom_flag = 1;
  size_peratom_cols = 0;  // one value per atom
  scalar_flag = 1;
  extscalar = 0;          // the largest γ does not grow with the number of atoms
}

ComputePestleGamma::~ComputePestleGamma()
{
  memory->destroy(grades_);
}

Compute *ComputePestleGamma::creator(LAMMPS *lmp, int narg, char **arg)
{
  return new ComputePestleGamma(lmp, narg, arg);
}

void ComputePestleGamma::init()
{
  pair_ = dynamic_cast<PairPestle *>(force->pair_match("pestle", 1, 0));
  if (pair_ == nullptr) error->all(FLERR, "compute pestle/gamma: needs pair_style pestle (alone, not in a hybrid)");
  if (!pair_->has_active_set())
    error->all(FLERR, "compute pestle/gamma: needs an active set: pair_style pestle MODEL activeset FILE.asi");
}

void ComputePestleGamma::compute_peratom()
{
  invoked_peratom = update->ntimestep;
  if (atom->nmax > nmax_) {
    memory->destroy(grades_);
    nmax_ = atom->nmax;
    memory->create(grades_, nmax_, "pestle/gamma:grades");
    vector_atom = grades_;
  }
  const int nlocal = atom->nlocal;
  pair_->owned_grades(grades_);
  const int *mask = atom->mask;
  for (int i = 0; i < nlocal; i++)
    if (!(mask[i] & groupbit)) grades_[i] = 0.0;
}

double ComputePestleGamma::compute_scalar()
{
  invoked_scalar = update->ntimestep;
  if (invoked_peratom != update->ntimestep) compute_peratom();
  double local = 0.0;  // a rank may own no atoms: its contribution is 0, never a stale value
  for (int i = 0; i < atom->nlocal; i++) local = std::max(local, grades_[i]);
  MPI_Allreduce(&local, &scalar, 1, MPI_DOUBLE, MPI_MAX, world);
  return scalar;
}

double ComputePestleGamma::memory_usage()
{
  return static_cast<double>(nmax_) * sizeof(double);
}
