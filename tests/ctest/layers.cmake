# The include graph of include/pestle/ only points down the layer list include/pestle/LAYERS
# (docs/architecture.md); the self-test shows the checker does catch an upward include.
find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_Interpreter_FOUND)
  add_test(NAME layers_only_point_down COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/layers_check.py ${PROJECT_SOURCE_DIR})
  add_test(NAME layers_check_self_test COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/layers_check.py --self-test)
  set_tests_properties(layers_only_point_down layers_check_self_test PROPERTIES LABELS layers)
endif()
