# `pestle errors / describe / fit / predict` on GAP models (tests/cli_gap_checks.py). Label: cli.
if(PESTLE_BUILD_EXAMPLES)
  find_program(PESTLE_PYTHON NAMES python3 REQUIRED)
  add_test(NAME cli_gap_errors_describe_fit
           COMMAND ${PESTLE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/cli_gap_checks.py $<TARGET_FILE:pestle_cli>
                   ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cli_gap)
  set_tests_properties(cli_gap_errors_describe_fit PROPERTIES LABELS cli PASS_REGULAR_EXPRESSION "all CLI GAP checks passed")
endif()
