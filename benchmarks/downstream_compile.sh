#!/usr/bin/env bash
# Compile cost of a downstream program that loads a model file and evaluates it
# (tests/consumer/load_model.cpp): wall time, peak compiler memory and preprocessed lines, for
# the header-only mode (pestle::pestle) and the compiled runtime (pestle::runtime), with the flags
# a consumer uses (-O2 -std=c++20, no -march). Run after a build; both sides run in this one script.
#   bash benchmarks/downstream_compile.sh [BUILD_DIR]      # default build
#   OLD_TREE=DIR OLD_SOURCE=FILE bash benchmarks/downstream_compile.sh   # also an older checkout's include/
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
src="$root/tests/consumer/load_model.cpp"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
includes=(-I"$root/include" -I/usr/include/eigen3)
flags=(-std=c++20 -O2)

measure() {  # NAME, then the compiler arguments
  local name="$1"; shift
  local lines
  lines=$(g++ "${flags[@]}" "$@" -E -o - 2>/dev/null | grep -vc '^#' || true)
  /usr/bin/time -f "%e %M" -o "$scratch/t" g++ "${flags[@]}" "$@" -c -o "$scratch/o.o"
  read -r seconds kb < "$scratch/t"
  printf '| %s | %s | %d MB | %s |\n' "$name" "$seconds" $((kb / 1024)) "$lines"
}

echo "| mode | compile s | peak MB | preprocessed lines |"
echo "|---|---|---|---|"
measure "header-only (pestle::pestle)" "${includes[@]}" "$src"
measure "compiled runtime (pestle::runtime)" -DPESTLE_COMPILED_RUNTIME "${includes[@]}" "$src"
if [ -n "${OLD_TREE:-}" ]; then
  measure "before (io/potential_file.hpp)" -I"$OLD_TREE/include" -I/usr/include/eigen3 "${OLD_SOURCE:?}"
fi
