#!/usr/bin/env bash
# The whole test suite, from a fresh clone: set-up, release build, all CTest tests,
# then the unit tests of the memory-level code once more under AddressSanitizer + UndefinedBehaviorSanitizer.
#   bash scripts/test.sh            # everything
#   PESTLE_SKIP_SANITIZERS=1 bash scripts/test.sh   # release build only
#   PESTLE_TEST_BENCHMARKS=1 bash scripts/test.sh   # also compile the 13 benchmark programs (no test runs
#                                                   # them; they cost ~3 min of a 2-core build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${PESTLE_JOBS:-$(nproc)}"

bash scripts/setup.sh

# Ninja starts a target's compiles before the libraries it links are built (make waits), which keeps
# both cores busy; an existing build folder keeps the generator it was made with.
generator=()
generator_for() { if command -v ninja > /dev/null && [ ! -f "$1/CMakeCache.txt" ]; then generator=(-G Ninja); else generator=(); fi; }

echo "== release build =="
generator_for build
benchmarks_in_all=OFF; [ -n "${PESTLE_TEST_BENCHMARKS:-}" ] && benchmarks_in_all=ON
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DPESTLE_BENCHMARKS_IN_ALL=$benchmarks_in_all
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs")

if [ -z "${PESTLE_SKIP_SANITIZERS:-}" ]; then
  # The sanitizer pass rebuilds the test files that exercise memory-level code (parsers of every
  # file format, neighbour lists, descriptors and their derivatives, model files, reference
  # potentials) with ASan + UBSan and runs their unit tests. It leaves out
  # the fitting/validation/CLI files: they reuse the same kernels, and compiling all of them a
  # second time doubled the CI time. PESTLE_SANITIZE_ALL=1 runs every unit test instead.
  # -Og -g1 (line tables: stack traces still name file and line) compiles in half the time of -O1 -g.
  sanitized="test_core;test_extxyz*;test_neighbours*;test_bispectrum*;test_soap*;test_ace"
  sanitized+=";test_gap_xml;test_gap_descriptors;test_snap_files;test_model_json;test_lammps_data;test_reference"
  sanitized+=";test_yace;test_ace_multi;test_snap_chem;test_optimise_core"
  if [ -n "${PESTLE_SANITIZE_ALL:-}" ]; then sanitized="test_*"; fi
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer: ${sanitized} =="
  generator_for build-asan
  cmake -S . -B build-asan "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug -DPESTLE_SANITIZE=ON -DPESTLE_BUILD_BENCHMARKS=OFF \
        -DPESTLE_BUILD_LAMMPS=OFF -DPESTLE_BUILD_EXAMPLES=OFF -DCMAKE_CXX_FLAGS_DEBUG="-Og -g1" -DPESTLE_TEST_OPT=-Og \
        "-DPESTLE_TEST_GLOB=${sanitized}" "-DPESTLE_TEST_FITTERS=$([ -n "${PESTLE_SANITIZE_ALL:-}" ] && echo ON || echo OFF)"
  cmake --build build-asan -j "$jobs" --target pestle_tests
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j "$jobs" -L unit)
fi
echo "== all tests passed =="
