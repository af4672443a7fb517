# The installed package works for a downstream project: find_package(pestle) with pestle::pestle
# (header-only) and pestle::runtime (compiled); a SNAP file is loaded and evaluated both ways.
add_test(NAME install_consumer
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/consumer/run.sh ${PROJECT_BINARY_DIR}
          ${CMAKE_CURRENT_SOURCE_DIR}/consumer ${PROJECT_BINARY_DIR}/consumer-check)
# COST: CTest starts it first, so its ~80 s (two consumer builds) overlap the other tests instead of
# ending the run alone.
set_tests_properties(install_consumer PROPERTIES LABELS install COST 10000
  PASS_REGULAR_EXPRESSION "within 2.5 A: 6.*snap model, bcc Mo energy -1[01][.][0-9]+ eV/atom.*snap model, bcc Mo energy -1[01][.][0-9]+ eV/atom")
