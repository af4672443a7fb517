# GAP XML potentials: the full comparison with QUIP's predictions through the example program
# (examples/gap/gap_evaluate.cpp --check), every frame of every *_pred.xyz file. Label: gap.
# One program for this test and the example (examples/gap/CMakeLists.txt makes it only when no test did).
if(NOT TARGET gap_evaluate)
  add_executable(gap_evaluate ${PROJECT_SOURCE_DIR}/examples/gap/gap_evaluate.cpp)
  target_link_libraries(gap_evaluate PRIVATE pestle::runtime pestle_project_flags)
endif()

get_filename_component(_pestle_quip_gap "${PROJECT_SOURCE_DIR}/../shared/data/reference/quip-gap" ABSOLUTE)
foreach(_case
    "train;gap/Mo_gap.xml;gap/Mo_train_GAP_pred.xyz"
    "test;gap/Mo_gap.xml;gap/Mo_test_GAP_pred.xyz"
    "timing2000;gap/Mo_gap.xml;timing/bcc_Mo_2000atom_rattled_GAP_pred.xyz"
    "timing2;gap/Mo_gap.xml;timing/bcc_Mo_2atom_rattled_GAP_pred.xyz"
    "jitter_test;gap/jitter1e-6/Mo_gap_jitter1e-6.xml;gap/jitter1e-6/Mo_test_GAP_jitter1e-6_pred.xyz")
  list(GET _case 0 _name)
  list(GET _case 1 _model)
  list(GET _case 2 _frames)
  add_test(NAME gap_quip_${_name}
           COMMAND gap_evaluate ${_pestle_quip_gap}/${_model} ${_pestle_quip_gap}/${_frames} --check)
  set_tests_properties(gap_quip_${_name} PROPERTIES LABELS gap)
endforeach()
# A bad file gives a non-zero exit and a message naming it.
add_test(NAME gap_missing_file COMMAND gap_evaluate ${_pestle_quip_gap}/gap/no_such.xml
                                       ${_pestle_quip_gap}/gap/Mo_test_GAP_pred.xyz)
set_tests_properties(gap_missing_file PROPERTIES LABELS gap WILL_FAIL TRUE)
