// pestle_lmp: Debian's LAMMPS (liblammps) with pair_style pestle added, for systems whose
// lmp cannot load plugins. Same command line as lmp:
//   pestle_lmp -in in.melt [-log ...] [-var name value] ...
//   mpirun -np 4 pestle_lmp -in in.melt
#include <mpi.h>

#include "force.h"
#include "input.h"
#include "lammps.h"
#include "pair_pestle.h"

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  {
    LAMMPS_NS::LAMMPS lmp(argc, argv, MPI_COMM_WORLD);
    // the style becomes known under its name before the input script is read
    (*lmp.force->pair_map)["pestle"] = &LAMMPS_NS::PairPestle::creator;
    lmp.input->file();
  }
  MPI_Finalize();
  return 0;
}
