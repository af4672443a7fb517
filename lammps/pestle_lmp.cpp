// pestle_lmp: Debian's LAMMPS (liblammps) with pair_style pestle added, for systems whose
// lmp cannot load plugins. Same command line as lmp:
//   pestle_lmp -in in.melt [-log ...] [-var name value] ...
//   mpirun -np 4 pestle_lmp -in in.melt
#include <mpi.h>

#include "compute_pestle_gamma.h"
#include "force.h"
#include "input.h"
#include "lammps.h"
#include "modify.h"
#include "pair_pestle.h"
#ifdef PESTLE_WITH_ML_SNAP
#include "pair_snap.h"  // LAMMPS ML-SNAP, compiled from a LAMMPS source tree (lammps/CMakeLists.txt)
#endif

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  {
    LAMMPS_NS::LAMMPS lmp(argc, argv, MPI_COMM_WORLD);
    // the style becomes known under its name before the input script is read
    (*lmp.force->pair_map)["pestle"] = &LAMMPS_NS::PairPestle::creator;
    (*lmp.modify->compute_map)["pestle/gamma"] = &LAMMPS_NS::ComputePestleGamma::creator;
#ifdef PESTLE_WITH_ML_SNAP
    (*lmp.force->pair_map)["snap"] = [](LAMMPS_NS::LAMMPS *l) -> LAMMPS_NS::Pair * { return new LAMMPS_NS::PairSNAP(l); };
#endif
    lmp.input->file();
  }
  MPI_Finalize();
  return 0;
}
