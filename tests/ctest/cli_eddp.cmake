# `pestle fit / errors / predict --variance` on an EDDP and `pestle generate --datum` (tests/cli_eddp_checks.py). Label: cli.
if(PESTLE_BUILD_EXAMPLES)
  find_program(PESTLE_PYTHON NAMES python3 REQUIRED)
  add_test(NAME cli_eddp_fit_predict_generate
           COMMAND ${PESTLE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/cli_eddp_checks.py $<TARGET_FILE:pestle_cli>
                   ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cli_eddp)
  set_tests_properties(cli_eddp_fit_predict_generate PROPERTIES LABELS cli PASS_REGULAR_EXPRESSION "all CLI EDDP checks passed")
endif()
