#!/usr/bin/env bash
# CPU seconds and peak compiler memory of single source files compiled alone, with the CLI's flags
# (docs/architecture.md, "What falls short"): shows whether smaller unity batches or a lower -O level
# could bring a unit under the 2 GB of issue 25. Run from anywhere; one compile at a time.
#   bash benchmarks/unit_memory.sh [FILE:OPT ...]    default: the largest sources at the levels measured
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
flags=(-DBOOST_ALL_NO_LIB -DPESTLE_COMPILED_FIT -DPESTLE_COMPILED_RUNTIME -DPESTLE_WITH_MPI -Iinclude -isystem /usr/include/eigen3
       -isystem /usr/lib/x86_64-linux-gnu/openmpi/include -isystem /usr/lib/x86_64-linux-gnu/openmpi/include/openmpi
       -DNDEBUG -march=native -std=gnu++20 -w "-DPESTLE_SHARED_DIR=\"$root/../shared\"" "-DPESTLE_TEST_DIR=\"$root/tests\""
       "-DPESTLE_BINARY_DIR=\"/tmp\"")
specs=("$@")
[ ${#specs[@]} -eq 0 ] && specs=(apps/pestle/cmd_validate.cpp:-O3 apps/pestle/cmd_rss.cpp:-O3 apps/pestle/cmd_survive.cpp:-O3
  tests/test_validate.cpp:-O1 tests/test_survival.cpp:-O1 src/runtime/compile_calculators.cpp:-O3
  apps/pestle/cmd_validate.cpp:-O2 apps/pestle/cmd_validate.cpp:-O1)
out=$(mktemp -d)
for spec in "${specs[@]}"; do
  file=${spec%%:*}; opt=${spec##*:}
  /usr/bin/time -f "$file $opt %U CPU s, peak %M KB" g++ "${flags[@]}" "$opt" -c "$file" -o "$out/unit.o" 2>&1 | tail -1
done
rm -rf "$out"
