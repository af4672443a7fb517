# `mpirun -np 2 pestle fit` equals the one-rank fit (tests/cli_mpi_fit_check.py; docs/parallel_fits.md).
# Only where the command line was built with MPI (apps/CMakeLists.txt). Label: mpi.
find_package(MPI QUIET COMPONENTS CXX)  # as apps/CMakeLists.txt does (processed after tests/)
if(PESTLE_BUILD_EXAMPLES AND MPI_CXX_FOUND)
  find_program(PESTLE_PYTHON NAMES python3 REQUIRED)
  find_program(PESTLE_MPIRUN NAMES mpirun)
  if(PESTLE_MPIRUN)
    add_test(NAME cli_mpi_fit
             COMMAND ${PESTLE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/cli_mpi_fit_check.py $<TARGET_FILE:pestle_cli>
                     ${PESTLE_MPIRUN} ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cli_mpi)
    set_tests_properties(cli_mpi_fit PROPERTIES LABELS "cli;mpi" PASS_REGULAR_EXPRESSION "all MPI fit checks passed")
  endif()
endif()
