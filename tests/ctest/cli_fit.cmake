# `pestle fit / errors / predict / cv` end to end on the Zuo Mo data (tests/cli_fit_checks.py).
if(PESTLE_BUILD_EXAMPLES)
  find_program(PESTLE_PYTHON NAMES python3 REQUIRED)
  add_test(NAME cli_fit_errors_predict_cv
           COMMAND ${PESTLE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/cli_fit_checks.py $<TARGET_FILE:pestle_cli>
                   ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cli_fit)
  set_tests_properties(cli_fit_errors_predict_cv PROPERTIES LABELS cli PASS_REGULAR_EXPRESSION "all CLI fit checks passed")
endif()
