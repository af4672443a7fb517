#!/usr/bin/env bash
# The whole test suite, from a fresh clone: set-up, release build, all CTest tests,
# then the unit tests once more under AddressSanitizer + UndefinedBehaviorSanitizer.
#   bash scripts/test.sh            # everything
#   PESTLE_SKIP_SANITIZERS=1 bash scripts/test.sh   # release build only
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${PESTLE_JOBS:-$(nproc)}"

bash scripts/setup.sh

echo "== release build =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs")

if [ -z "${PESTLE_SKIP_SANITIZERS:-}" ]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer =="
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPESTLE_SANITIZE=ON -DPESTLE_BUILD_BENCHMARKS=OFF -DPESTLE_BUILD_LAMMPS=OFF \
        -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g"
  cmake --build build-asan -j "$jobs"
  # The sanitizer pass repeats the unit and script tests, but not the slow numerical studies.
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j "$jobs" -LE 'slow|lammps|install')
fi
echo "== all tests passed =="
