# pair_style pestle in LAMMPS (lammps/, docs/lammps.md) against pestle's own evaluation
# (tests/lammps_reference.cpp), at 1 rank and under mpirun -np 2. Label: lammps.
# Needs the pestle_lmp target (liblammps-dev + MPI found) and Debian's lammps-data potentials.
if(TARGET pestle_lmp)
  # Debian's python3 (numpy from python3-numpy), not a pyenv shim ahead of it in PATH
  find_program(PESTLE_PYTHON_FOR_LAMMPS NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT PESTLE_PYTHON_FOR_LAMMPS)
    find_program(PESTLE_PYTHON_FOR_LAMMPS NAMES python3)
  endif()
  find_program(PESTLE_MPIRUN NAMES mpirun)
  set(_potentials /usr/share/lammps/potentials)
  get_filename_component(_shared "${PROJECT_SOURCE_DIR}/../shared" ABSOLUTE)
  set(_mo_gap "${_shared}/data/reference/quip-gap/gap/Mo_gap.xml")

  add_executable(lammps_reference ${CMAKE_CURRENT_SOURCE_DIR}/lammps_reference.cpp)
  target_link_libraries(lammps_reference PRIVATE pestle::runtime pestle_project_flags)
  set_target_properties(lammps_reference PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bin")

  set(_check ${PESTLE_PYTHON_FOR_LAMMPS} ${CMAKE_CURRENT_SOURCE_DIR}/lammps_pair_check.py)
  set(_out ${CMAKE_CURRENT_BINARY_DIR}/lammps_pair)
  # name | model | element | lattice | a (Å) | repeats | rattle (Å) | seed | relative tolerance
  # The GAP cells are smaller than its 5.2 Å cutoff, so every atom sees its own images. In the
  # triclinic 2-atom cell the Mo GAP's own round-off is ~2e-10: translating all atoms rigidly
  # changes LAMMPS's forces by 1.5e-10 relative (docs/lammps.md), hence 1e-9 there.
  set(_cases
      "snap_mo|${_potentials}/Mo_Zuo_JPCA2020.snapcoeff|Mo|bcc|3.16|3x3x3|0.15|1|1e-10"
      "qsnap_mo|${_potentials}/Mo_Zuo_JPCA2020.quadratic.snapcoeff|Mo|bcc|3.16|2x2x2|0.15|2|1e-10"
      "gap_mo_small_cell|${_mo_gap}|Mo|bcc|3.16|1x1x1|0.15|3|1e-10"
      "gap_mo_triclinic_cell|${_mo_gap}|Mo|bcc-prim|3.16|2x1x1|0.15|3|1e-9"
      "ace_cu|${_potentials}/Cu-PBE-core-rep.ace|Cu|fcc|3.61|2x2x2|0.1|4|1e-10"
      "snap_zbl_ta|${_potentials}/Ta06A.snap|Ta|bcc|3.1|3x3x3|0.15|5|1e-10")
  set(_ranks 1)
  if(PESTLE_MPIRUN)
    list(APPEND _ranks 2)
  endif()
  foreach(_case IN LISTS _cases)
    string(REPLACE "|" ";" _c "${_case}")
    list(GET _c 0 _name)
    list(GET _c 1 _model)
    if(NOT EXISTS "${_model}")
      message(STATUS "lammps test ${_name}: skipped (${_model} not found)")
      continue()
    endif()
    list(SUBLIST _c 2 6 _geometry)
    list(GET _c 8 _tolerance)
    foreach(_np IN LISTS _ranks)
      add_test(NAME lammps_pair_${_name}_np${_np}
               COMMAND ${_check} compare $<TARGET_FILE:pestle_lmp> $<TARGET_FILE:lammps_reference>
                       ${_out}/${_name}_np${_np} ${_model} ${_geometry} ${_np} ${_tolerance})
      set_tests_properties(lammps_pair_${_name}_np${_np} PROPERTIES LABELS lammps PROCESSORS ${_np}
                           PASS_REGULAR_EXPRESSION "LAMMPS pair check passed")
    endforeach()
  endforeach()

  if(EXISTS "${_potentials}/Mo_Zuo_JPCA2020.snapcoeff")
    add_test(NAME lammps_pair_nve_drift
             COMMAND ${_check} nve $<TARGET_FILE:pestle_lmp> ${_out}/nve ${_potentials}/Mo_Zuo_JPCA2020.snapcoeff
                     Mo 3.16 3x3x3 1000 1e-4)
    add_test(NAME lammps_pair_errors
             COMMAND ${_check} errors $<TARGET_FILE:pestle_lmp> ${_out}/errors ${_potentials}/Mo_Zuo_JPCA2020.snapcoeff)
    set_tests_properties(lammps_pair_nve_drift lammps_pair_errors PROPERTIES LABELS lammps
                         PASS_REGULAR_EXPRESSION "LAMMPS pair check passed")
    # compute pestle/gamma and fix halt, with an active set from the Zuo Mo training data
    set(_mo_train "${_shared}/data/zuo2020/Mo_train.xyz")
    if(EXISTS "${_mo_train}")
      foreach(_np IN LISTS _ranks)
        add_test(NAME lammps_pair_gamma_np${_np}
                 COMMAND ${_check} gamma $<TARGET_FILE:pestle_lmp> $<TARGET_FILE:lammps_reference> $<TARGET_FILE:pestle_cli>
                         ${_out}/gamma_np${_np} ${_potentials}/Mo_Zuo_JPCA2020.snapcoeff ${_mo_train} Mo 3.16 3x3x3 0.2 7 ${_np})
        set_tests_properties(lammps_pair_gamma_np${_np} PROPERTIES LABELS lammps PROCESSORS ${_np}
                             PASS_REGULAR_EXPRESSION "LAMMPS pair check passed")
      endforeach()
    endif()
  endif()
  # the same with a GAP's local variance as the uncertainty (pair_style pestle MODEL.xml variance yes)
  if(EXISTS "${_mo_gap}")
    foreach(_np IN LISTS _ranks)
      add_test(NAME lammps_pair_gap_variance_np${_np}
               COMMAND ${_check} gamma $<TARGET_FILE:pestle_lmp> $<TARGET_FILE:lammps_reference> $<TARGET_FILE:pestle_cli>
                       ${_out}/gap_variance_np${_np} ${_mo_gap} - Mo 3.16 2x2x2 0.2 7 ${_np})
      set_tests_properties(lammps_pair_gap_variance_np${_np} PROPERTIES LABELS lammps PROCESSORS ${_np}
                           PASS_REGULAR_EXPRESSION "LAMMPS pair check passed")
    endforeach()
  endif()
endif()
