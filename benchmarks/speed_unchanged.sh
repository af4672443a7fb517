#!/usr/bin/env bash
# Did a restructuring change the speed of the kernels? Builds bench_bispectrum, bench_gap and bench_ace at
# an older commit (default ecb18d9, the tree before the runtime boundary) beside the current build, runs
# old and new alternately ROUNDS times in this one run, and prints every benchmark's fastest real time
# on both sides and their ratio (docs/architecture.md, "Runtime speed").
#   bash benchmarks/speed_unchanged.sh [BUILD_DIR] [OLD_COMMIT] [ROUNDS]    # defaults: build ecb18d9 3
# BENCHES (a space-separated list of programs) and FILTER (--benchmark_filter) narrow a rerun, e.g.
#   BENCHES=bench_gap FILTER=GapEnergyForces bash benchmarks/speed_unchanged.sh build-cost e56537c 5
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
old_commit="${2:-ecb18d9}"
rounds="${3:-3}"
read -r -a benches <<< "${BENCHES:-bench_bispectrum bench_gap bench_ace}"
filter="${FILTER:-.}"
old_tree="${TMPDIR:-/tmp}/pestle-speed-$old_commit"
old_build="$old_tree/build"

# the old tree's programs find the data at <tree>/../shared, as ours do
[ -e "$(dirname "$old_tree")/shared" ] || ln -s "$(cd "$root/../shared" && pwd)" "$(dirname "$old_tree")/shared"
if [ ! -x "$old_build/bin/bench_ace" ]; then
  rm -rf "$old_tree" && mkdir -p "$old_tree"
  git -C "$root" archive "$old_commit" | tar -x -C "$old_tree"
  cmake -S "$old_tree" -B "$old_build" -DCMAKE_BUILD_TYPE=Release -DPESTLE_BUILD_TESTS=OFF \
        -DPESTLE_BUILD_EXAMPLES=OFF -DPESTLE_BUILD_LAMMPS=OFF > /dev/null
  cmake --build "$old_build" -j "$(nproc)" --target "${benches[@]}" > /dev/null
fi
cmake --build "$build" -j "$(nproc)" --target "${benches[@]}" > /dev/null

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
for round in $(seq "$rounds"); do
  for b in "${benches[@]}"; do
    for side in old new; do
      dir=$([ $side = old ] && echo "$old_build" || echo "$build")
      # both programs find the shared data by the path compiled into them; run from the project root
      (cd "$root" && "$dir/bin/$b" --benchmark_format=csv "--benchmark_filter=$filter" 2> /dev/null) |
        awk -F, -v side=$side 'NR > 1 && $1 ~ /^"/ {gsub(/"/, "", $1); print side, $1, $3, $5}' >> "$results/all"
    done
  done
  echo "round $round of $rounds done" >&2
done

echo "| benchmark | old (${old_commit}) | new ($(git -C "$root" rev-parse --short HEAD)) | new / old |"
echo "|---|---|---|---|"
awk '{key = $2; t = $3 + 0; unit[key] = $4
      if ($1 == "old" && (!(key in o) || t < o[key])) o[key] = t
      if ($1 == "new" && (!(key in n) || t < n[key])) n[key] = t; if (!(key in seen)) {seen[key] = 1; order[++k] = key}}
     END {for (i = 1; i <= k; ++i) {key = order[i]; if ((key in o) && (key in n))
            printf "| `%s` | %.4g %s | %.4g %s | %.3f |\n", key, o[key], unit[key], n[key], unit[key], n[key] / o[key]
          else printf "| `%s` | %s | %s | (only on one side) |\n", key, (key in o) ? o[key] : "-", (key in n) ? n[key] : "-"}}' \
  "$results/all"
