# The installed package works for a downstream project: find_package(pestle) + pestle::pestle.
add_test(NAME install_consumer
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/consumer/run.sh ${PROJECT_BINARY_DIR}
          ${CMAKE_CURRENT_SOURCE_DIR}/consumer ${PROJECT_BINARY_DIR}/consumer-check)
set_tests_properties(install_consumer PROPERTIES LABELS install PASS_REGULAR_EXPRESSION "within 2.5 A: 6")
