# Reference potentials (include/pestle/reference/) against Debian's LAMMPS, label `lammps`.
# tests/reference_lammps_check.cpp writes each structure with pestle's LAMMPS data writer,
# runs `lmp` on a generated input (pair styles sw, tersoff, eam, eam/alloy, lj/cut, zbl, and
# hybrid/overlay zbl + tersoff), and
# compares energy, per-atom energies, forces and stress to 1e-8. LAMMPS output is generated
# at test time under the build tree, never stored in the repository.
add_executable(pestle_reference_lammps_check ${CMAKE_CURRENT_SOURCE_DIR}/reference_lammps_check.cpp)
target_link_libraries(pestle_reference_lammps_check PRIVATE pestle::runtime pestle_project_flags)

find_program(PESTLE_LMP NAMES lmp lmp_serial)
set(PESTLE_LAMMPS_POTENTIALS "/usr/share/lammps/potentials" CACHE PATH "LAMMPS potential files (Debian lammps-data)")
if(PESTLE_LMP AND EXISTS "${PESTLE_LAMMPS_POTENTIALS}/Si.sw")
  foreach(_case sw_diamond sw_triclinic sw_small_cell sw_compressed
                tersoff_si tersoff_si_small_cell tersoff_sic tersoff_sic_triclinic tersoff_c tersoff_c_triclinic
                tersoff_bnc_alloy tersoff_bnc_triclinic tersoff_sicge_sic tersoff_sicge_sige
                tersoff_sicge_sige_triclinic tersoff_sicge_ge eam_alloy_nialh eam_alloy_nialh_compressed
                eam_cu eam_cu_small_cell eam_cu_compressed eam_cu_ni_funcfl
                eam_alloy_cuni eam_alloy_cuni_small_cell eam_alloy_cuni_compressed zbl_sic zbl_tersoff_overlay
                lj_ar lj_ar_kr_shifted)
    add_test(NAME reference_lammps_${_case}
             COMMAND pestle_reference_lammps_check ${PESTLE_LMP} ${PESTLE_LAMMPS_POTENTIALS}
                     ${CMAKE_CURRENT_BINARY_DIR}/reference_lammps ${_case})
    set_tests_properties(reference_lammps_${_case} PROPERTIES LABELS lammps)  # exit code 0 = agreement
  endforeach()
else()
  message(STATUS "pestle: lmp or the LAMMPS potential files not found, skipping the reference-potential LAMMPS checks")
endif()
