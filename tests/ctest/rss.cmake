# `pestle rss` end to end on a tiny budget (tests/explore/cli_check.py): resume, interruption,
# bad input. Label: cli.
if(PESTLE_BUILD_EXAMPLES)
  find_program(PESTLE_PYTHON NAMES python3 REQUIRED)
  add_test(NAME cli_rss
           COMMAND ${PESTLE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/explore/cli_check.py $<TARGET_FILE:pestle_cli>
                   ${CMAKE_CURRENT_SOURCE_DIR}/explore ${CMAKE_CURRENT_BINARY_DIR}/cli_rss)
  set_tests_properties(cli_rss PROPERTIES LABELS cli PASS_REGULAR_EXPRESSION "all rss CLI checks passed")
endif()

# `pestle hull` (Tersoff's SiC hull against Debian's LAMMPS numbers, bad files) and the hulls of a
# tiny variable-composition `pestle rss --final-search` (tests/explore/cli_hull_check.py). Label: cli.
if(PESTLE_BUILD_EXAMPLES)
  add_test(NAME cli_hull
           COMMAND ${PESTLE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/explore/cli_hull_check.py $<TARGET_FILE:pestle_cli>
                   ${CMAKE_CURRENT_SOURCE_DIR}/explore ${CMAKE_CURRENT_BINARY_DIR}/cli_hull)
  set_tests_properties(cli_hull PROPERTIES LABELS cli PASS_REGULAR_EXPRESSION "all hull CLI checks passed")
endif()
