# `pestle validate` end to end and the phonopy cross-check of its phonons, label `validate`.
# tests/validate/cli_check.py runs the SW-vs-Tersoff config (tests/validate/sw_vs_tersoff.json) into the
# build tree, checks the outputs and figures, the strict-key errors and a Zuo Mo qSNAP parity run;
# tests/validate/phonopy_check.py then feeds the force constants it wrote to phonopy (Debian's
# python3-phonopy under /usr/bin/python3) and compares frequencies to 1e-6 relative.
# The Catch2 [validate] cases also run under this label (catch_discover_tests labels them `unit`).
add_test(NAME validate_catch2 COMMAND pestle_tests "[validate]")
set_tests_properties(validate_catch2 PROPERTIES LABELS validate)

if(PESTLE_BUILD_EXAMPLES AND EXISTS "/usr/share/lammps/potentials/Si.sw")
  find_program(PESTLE_PYTHON NAMES python3 REQUIRED)
  get_filename_component(_validate_shared "${PROJECT_SOURCE_DIR}/../shared" ABSOLUTE)
  set(_validate_out ${CMAKE_CURRENT_BINARY_DIR}/validate_cli)
  add_test(NAME validate_cli
           COMMAND ${PESTLE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/validate/cli_check.py $<TARGET_FILE:pestle_cli>
                   ${CMAKE_CURRENT_SOURCE_DIR}/validate ${_validate_out} ${_validate_shared})
  set_tests_properties(validate_cli PROPERTIES LABELS validate FIXTURES_SETUP validate_outputs
                       PASS_REGULAR_EXPRESSION "all validate CLI checks passed")
  # phonopy must run under Debian's Python, where python3-phonopy is installed
  find_program(PESTLE_SYSTEM_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(PESTLE_SYSTEM_PYTHON)
    foreach(_tag potential reference)
      add_test(NAME validate_phonopy_${_tag}
               COMMAND ${PESTLE_SYSTEM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/validate/phonopy_check.py
                       ${_validate_out}/sw_vs_tersoff/phonons_${_tag}.json)
      set_tests_properties(validate_phonopy_${_tag} PROPERTIES LABELS validate FIXTURES_REQUIRED validate_outputs
                           PASS_REGULAR_EXPRESSION "phonopy agreement OK")
    endforeach()
  endif()
endif()

# The amorphous and liquid analyses (validate/amorphous.hpp, validate/liquid.hpp) against Debian's LAMMPS
# on one SW liquid-Si trajectory: pestle's g(r) and MSD against `compute rdf` and `compute msd`.
find_program(PESTLE_LMP_FOR_AMORPHOUS NAMES lmp)
find_program(PESTLE_PYTHON_FOR_AMORPHOUS NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(PESTLE_LMP_FOR_AMORPHOUS AND PESTLE_PYTHON_FOR_AMORPHOUS AND EXISTS "/usr/share/lammps/potentials/Si.sw")
  add_executable(pestle_amorphous_tool ${CMAKE_CURRENT_SOURCE_DIR}/amorphous_tool.cpp)
  target_link_libraries(pestle_amorphous_tool PRIVATE pestle::runtime_fit pestle_project_flags)
  set_target_properties(pestle_amorphous_tool PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bin")
  add_test(NAME validate_amorphous_lammps
           COMMAND ${PESTLE_PYTHON_FOR_AMORPHOUS} ${CMAKE_CURRENT_SOURCE_DIR}/validate/amorphous_lammps_check.py
                   $<TARGET_FILE:pestle_amorphous_tool> ${PESTLE_LMP_FOR_AMORPHOUS} /usr/share/lammps/potentials
                   ${CMAKE_CURRENT_BINARY_DIR}/amorphous_lammps)
  set_tests_properties(validate_amorphous_lammps PROPERTIES LABELS "validate;lammps"
                       PASS_REGULAR_EXPRESSION "amorphous LAMMPS agreement OK")
endif()
