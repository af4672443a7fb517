# Extended-XYZ cross-checks and command-line tests (included from tests/CMakeLists.txt).
#   label ase : ASE writes, pestle reads; pestle writes, ASE reads (tests/ase_roundtrip.py)
#   label cli : `pestle info` and `pestle --help`
#   label fuzz: the libFuzzer target replays its stored corpus (only with PESTLE_BUILD_FUZZERS)

# A small driver that dumps what pestle reads as JSON and copies files with pestle's writer.
add_executable(pestle_extxyz_tool ${CMAKE_CURRENT_SOURCE_DIR}/extxyz_tool.cpp)
target_link_libraries(pestle_extxyz_tool PRIVATE pestle::runtime pestle_project_flags)

# Debian's python3-ase lives in the system interpreter; prefer it over other pythons on PATH.
find_program(PESTLE_PYTHON_FOR_ASE NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT PESTLE_PYTHON_FOR_ASE)
  find_program(PESTLE_PYTHON_FOR_ASE NAMES python3)
endif()
set(PESTLE_HAVE_ASE FALSE)
if(PESTLE_PYTHON_FOR_ASE)
  execute_process(COMMAND ${PESTLE_PYTHON_FOR_ASE} -c "import ase.io.extxyz"
                  RESULT_VARIABLE _pestle_ase_rc OUTPUT_QUIET ERROR_QUIET)
  if(_pestle_ase_rc EQUAL 0)
    set(PESTLE_HAVE_ASE TRUE)
  endif()
endif()
if(PESTLE_HAVE_ASE)
  add_test(NAME extxyz_ase_roundtrip
           COMMAND ${PESTLE_PYTHON_FOR_ASE} ${CMAKE_CURRENT_SOURCE_DIR}/ase_roundtrip.py
                   $<TARGET_FILE:pestle_extxyz_tool> ${CMAKE_CURRENT_BINARY_DIR}/ase_roundtrip)
  set_tests_properties(extxyz_ase_roundtrip PROPERTIES LABELS ase)
else()
  message(STATUS "pestle: python3 with ASE not found, skipping the extxyz ASE cross-check")
endif()

# `pestle info` on real and malformed data (needs the CLI from examples/).
if(PESTLE_BUILD_EXAMPLES)
  get_filename_component(_pestle_zuo "${PROJECT_SOURCE_DIR}/../shared/data/zuo2020" ABSOLUTE)
  set(_pestle_bad "${CMAKE_CURRENT_SOURCE_DIR}/data/extxyz/malformed/truncated_frame.xyz")
  add_test(NAME cli_help COMMAND $<TARGET_FILE:pestle_cli> --help)
  set_tests_properties(cli_help PROPERTIES LABELS cli PASS_REGULAR_EXPRESSION "usage: pestle <command>.*info")
  add_test(NAME cli_info_zuo COMMAND $<TARGET_FILE:pestle_cli> info ${_pestle_zuo}/Si_test.xyz)
  set_tests_properties(cli_info_zuo PROPERTIES LABELS cli
    PASS_REGULAR_EXPRESSION "frames +25\n.*atoms +1525 total, 24\\.\\.64 per frame\n.*Si +1525")
  add_test(NAME cli_info_json COMMAND $<TARGET_FILE:pestle_cli> info --json ${_pestle_zuo}/Mo_test.xyz ${_pestle_zuo}/Li_test.xyz)
  set_tests_properties(cli_info_json PROPERTIES LABELS cli
    PASS_REGULAR_EXPRESSION "\"frames\": 23,.*\"frames\": 29,")
  # A malformed file: non-zero exit ...
  add_test(NAME cli_info_malformed_fails COMMAND $<TARGET_FILE:pestle_cli> info ${_pestle_bad})
  set_tests_properties(cli_info_malformed_fails PROPERTIES LABELS cli WILL_FAIL TRUE)
  # ... and a message naming file, line and reason.
  add_test(NAME cli_info_malformed_message COMMAND $<TARGET_FILE:pestle_cli> info ${_pestle_bad})
  set_tests_properties(cli_info_malformed_message PROPERTIES LABELS cli
    PASS_REGULAR_EXPRESSION "error: .*truncated_frame\\.xyz:5: file ends inside a frame")
  add_test(NAME cli_info_no_files COMMAND $<TARGET_FILE:pestle_cli> info)
  set_tests_properties(cli_info_no_files PROPERTIES LABELS cli WILL_FAIL TRUE)
endif()

# libFuzzer target (clang only): tests/fuzz/fuzz_extxyz.cpp, see docs/extxyz.md.
option(PESTLE_BUILD_FUZZERS "Build the libFuzzer targets (clang only)" OFF)
if(PESTLE_BUILD_FUZZERS)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    add_executable(fuzz_extxyz ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_extxyz.cpp)
    target_link_libraries(fuzz_extxyz PRIVATE pestle::pestle pestle_project_flags)
    target_compile_options(fuzz_extxyz PRIVATE -g -O1 -fsanitize=fuzzer,address,undefined
                           -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(fuzz_extxyz PRIVATE -fsanitize=fuzzer,address,undefined)
    # Replays the stored corpus and the malformed files once (no new inputs are generated).
    add_test(NAME extxyz_fuzz_corpus
             COMMAND fuzz_extxyz -runs=0 ${CMAKE_CURRENT_SOURCE_DIR}/data/extxyz/fuzz_corpus
                     ${CMAKE_CURRENT_SOURCE_DIR}/data/extxyz/malformed ${CMAKE_CURRENT_SOURCE_DIR}/data/extxyz/valid)
    set_tests_properties(extxyz_fuzz_corpus PROPERTIES LABELS fuzz)
  else()
    message(WARNING "PESTLE_BUILD_FUZZERS needs clang (libFuzzer); fuzz targets are not built with ${CMAKE_CXX_COMPILER_ID}")
  endif()
endif()
