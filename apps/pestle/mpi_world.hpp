#pragma once
// The group of processes one pestle command runs in (docs/parallel_fits.md). Under mpirun (and when
// this pestle was built with MPI) it is MPI_COMM_WORLD, and `pestle fit` shares its rows over the
// ranks; otherwise it is the group of one and nothing of MPI is touched.
#include "pestle/core/communicator.hpp"

namespace pestle::cli {

/// Starts MPI when the process was started by an MPI launcher (mpirun sets OMPI_COMM_WORLD_SIZE,
/// PMI_SIZE or PMIX_RANK). Call once, first thing in main.
void start_world(int& argc, char**& argv);
/// Ends MPI if start_world started it.
void stop_world();
/// The ranks of this run (the group of one when not under an MPI launcher).
const Communicator& world();
/// Ends every rank after an error on one of them (MPI_Abort), so that no rank waits for it forever.
[[noreturn]] void abort_world(int code);

}  // namespace pestle::cli
