# Gaussian-process surrogate of the optimiser against scikit-learn (label sklearn):
# tests/optimise_sklearn_check.py drives tests/optimise_gp_tool.cpp (included from tests/CMakeLists.txt).
add_executable(pestle_optimise_gp_tool ${CMAKE_CURRENT_SOURCE_DIR}/optimise_gp_tool.cpp)
target_link_libraries(pestle_optimise_gp_tool PRIVATE pestle::runtime_fit pestle_project_flags)

# Debian's python3-sklearn lives in the system interpreter; prefer it over other pythons on PATH.
find_program(PESTLE_PYTHON_FOR_SKLEARN NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT PESTLE_PYTHON_FOR_SKLEARN)
  find_program(PESTLE_PYTHON_FOR_SKLEARN NAMES python3)
endif()
set(PESTLE_HAVE_SKLEARN FALSE)
if(PESTLE_PYTHON_FOR_SKLEARN)
  execute_process(COMMAND ${PESTLE_PYTHON_FOR_SKLEARN} -c "import sklearn.gaussian_process, scipy.stats.qmc"
                  RESULT_VARIABLE _pestle_sklearn_rc OUTPUT_QUIET ERROR_QUIET)
  if(_pestle_sklearn_rc EQUAL 0)
    set(PESTLE_HAVE_SKLEARN TRUE)
  endif()
endif()
if(PESTLE_HAVE_SKLEARN)
  add_test(NAME optimise_gp_sklearn
           COMMAND ${PESTLE_PYTHON_FOR_SKLEARN} ${CMAKE_CURRENT_SOURCE_DIR}/optimise_sklearn_check.py
                   $<TARGET_FILE:pestle_optimise_gp_tool>)
  set_tests_properties(optimise_gp_sklearn PROPERTIES LABELS sklearn PASS_REGULAR_EXPRESSION "optimise sklearn check passed")
else()
  message(STATUS "pestle: python3 with scikit-learn not found, skipping the optimiser's GP cross-check")
endif()

# `pestle optimise` end to end (label cli): budget 2, then a rerun with budget 3 must fit exactly
# one more point.
if(PESTLE_BUILD_EXAMPLES)
  set(_pestle_opt_dir ${CMAKE_CURRENT_BINARY_DIR}/cli_optimise)
  set(_pestle_opt_cfg ${CMAKE_CURRENT_SOURCE_DIR}/data/optimise/tiny_search.json)
  add_test(NAME cli_optimise_clean COMMAND ${CMAKE_COMMAND} -E rm -rf ${_pestle_opt_dir})
  add_test(NAME cli_optimise_first COMMAND $<TARGET_FILE:pestle_cli> optimise ${_pestle_opt_cfg} -o ${_pestle_opt_dir} --budget 2)
  add_test(NAME cli_optimise_resume COMMAND $<TARGET_FILE:pestle_cli> optimise ${_pestle_opt_cfg} -o ${_pestle_opt_dir})
  set_tests_properties(cli_optimise_clean PROPERTIES LABELS cli FIXTURES_SETUP pestle_optimise_dir)
  set_tests_properties(cli_optimise_first PROPERTIES LABELS cli FIXTURES_REQUIRED pestle_optimise_dir
    FIXTURES_SETUP pestle_optimise_first PASS_REGULAR_EXPRESSION "2 evaluations \\(2 new, 0 failed\\).*wrote .*best\\.model\\.json")
  set_tests_properties(cli_optimise_resume PROPERTIES LABELS cli FIXTURES_REQUIRED "pestle_optimise_dir;pestle_optimise_first"
    PASS_REGULAR_EXPRESSION "3 evaluations \\(1 new, 0 failed\\)")
  add_test(NAME cli_optimise_bad_budget COMMAND $<TARGET_FILE:pestle_cli> optimise ${_pestle_opt_cfg} --budget 0)
  set_tests_properties(cli_optimise_bad_budget PROPERTIES LABELS cli WILL_FAIL TRUE)
endif()
