#!/usr/bin/env bash
# What a downstream code pays to compile one translation unit that loads a model file and evaluates
# it (docs/architecture.md, "Downstream compile cost"): CPU seconds, peak compiler memory, lines after
# preprocessing and pestle headers included, for
#   before    the tree before the runtime boundary (commit ecb18d9): io/potential_file.hpp's
#             load_potential and AnyCalculator, i.e. every model family instantiated in the unit;
#   header    today's tests/consumer/load_model.cpp against the header-only pestle::pestle;
#   compiled  the same file with PESTLE_COMPILED_RUNTIME (what linking pestle::runtime gives):
#             runtime/load.hpp only declares, the families live in libpestle_runtime.a.
# Each unit is compiled REPEAT times (default 3) and the median CPU time is printed. Flags are those of a
# consumer's CMake Release build (-O3 -DNDEBUG, C++20, no -march).
#   bash benchmarks/downstream_compile.sh [REPEAT]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repeat="${1:-3}"
before_commit=ecb18d9
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# the old tree's headers, and a program that does what tests/consumer/load_model.cpp does with them
mkdir -p "$work/before"
git -C "$root" archive "$before_commit" include | tar -x -C "$work/before"
cat > "$work/before/load_model.cpp" <<'CPP'
#include <cmath>
#include <iostream>

#include <pestle/core/lattices.hpp>
#include <pestle/io/potential_file.hpp>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const pestle::AnyCalculator model = pestle::load_potential(argv[1]);
  const pestle::Structure s = pestle::cubic_supercell(pestle::cubic_basis::bcc, 3.16, 2, 42);
  const double e = model.compute(s).energy / double(s.size());
  std::cout << "bcc Mo energy " << e << " eV/atom\n";
  return std::isfinite(e) ? 0 : 1;
}
CPP

flags=(-std=c++20 -O3 -DNDEBUG -isystem /usr/include/eigen3)

measure() {  # label include_dir source [extra flags...]
  local label="$1" inc="$2" src="$3"; shift 3
  local times=()
  for _ in $(seq "$repeat"); do
    /usr/bin/time -f "%U %M" -o "$work/t" c++ "${flags[@]}" -I "$inc" "$@" -c "$src" -o "$work/unit.o"
    times+=("$(cat "$work/t")")
  done
  local median mem
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk -v n="$repeat" 'NR == int((n + 1) / 2) {print $1}')
  mem=$(printf '%s\n' "${times[@]}" | awk '{if ($2 > m) m = $2} END {printf "%.2f", m / 1048576}')
  local lines headers
  lines=$(c++ "${flags[@]}" -I "$inc" "$@" -E "$src" | wc -l)
  headers=$(c++ "${flags[@]}" -I "$inc" "$@" -M "$src" | tr ' ' '\n' | grep -c '/pestle/' || true)
  printf '| %s | %s | %s | %s | %s |\n' "$label" "$median" "$mem" "$lines" "$headers"
}

echo "| unit | CPU s (median of $repeat) | peak GB | lines after preprocessing | pestle headers |"
echo "|---|---|---|---|---|"
measure "before ($before_commit), header-only" "$work/before/include" "$work/before/load_model.cpp"
measure "today, header-only (pestle::pestle)" "$root/include" "$root/tests/consumer/load_model.cpp"
measure "today, compiled (pestle::runtime)" "$root/include" "$root/tests/consumer/load_model.cpp" -DPESTLE_COMPILED_RUNTIME
