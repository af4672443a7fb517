#!/usr/bin/env bash
# Compile cost of every translation unit of a fresh Release build: CPU seconds, wall seconds and peak
# compiler memory, largest first, and the totals (docs/architecture.md, "Build cost").
#   bash benchmarks/build_cost.sh [BUILD_DIR] [JOBS]       # default: build-cost, nproc jobs
# The compiler runs under /usr/bin/time through CMAKE_CXX_COMPILER_LAUNCHER; with several jobs the
# wall figures include the contention of the other jobs, the CPU figures do not.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-cost}"
jobs="${2:-$(nproc)}"
rm -rf "$build" && mkdir -p "$build"
log="$build/unit_times.txt"
launcher="$build/time_unit.sh"
cat > "$launcher" <<LAUNCH
#!/usr/bin/env bash
out=""; prev=""
for a in "\$@"; do if [ "\$prev" = "-o" ]; then out="\$a"; fi; prev="\$a"; done
exec /usr/bin/time -f "%U %e %M \$out" -a -o "$log" "\$@"
LAUNCH
chmod +x "$launcher"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" > /dev/null
start=$(date +%s)
cmake --build "$build" -j "$jobs" > "$build/build.log"
wall=$(( $(date +%s) - start ))
echo "| unit | CPU s | wall s | peak GB |"
echo "|---|---|---|---|"
grep -v '^Command' "$log" | sort -rn | awk '{printf "| `%s` | %.0f | %.0f | %.2f |\n", $4, $1, $2, $3 / 1048576}'
awk '!/^Command/ {cpu += $1; n += 1; if ($3 > peak) peak = $3} END {printf "\n%d units, %.0f CPU s in all, largest peak %.2f GB; ", n, cpu, peak / 1048576}' "$log"
echo "build wall time ${wall} s with ${jobs} jobs"
