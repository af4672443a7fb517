#!/usr/bin/env bash
# Side by side, in one run: LAMMPS's own ML-SNAP (compiled from Debian's lammps source package, which
# Debian's binary package leaves out) against pair_style pestle, in the same binary (pestle_snap_lmp),
# on the same input (the reference README's timing input: 2000-atom bcc Mo, 100 NVE steps) with the
# same potential (Zuo Mo SNAP, twojmax 6; the reference's twojmax-8 Mo file). Runs are interleaved
# and repeated; the table reports the fastest of the repeats and the CPU share LAMMPS measured.
#
# usage: bash benchmarks/ml_snap_race.sh [BUILD_DIR] [REPEATS]        (from the project root)
#   BUILD_DIR  default build-race (configured here with LAMMPS_SOURCE_DIR)
#   REPEATS    default 3
# Needs the packages of scripts/setup.sh; the driver is built by benchmarks/ml_snap_driver.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-build-race}"
repeats="${2:-3}"
cd "$root"
reference="$(cd ../shared/data/reference/lammps-snap/inputs/timing && pwd)"

# 1-2. the driver with both ML-SNAP and pair_style pestle
lmp="$(bash benchmarks/ml_snap_driver.sh "$build")"

# 3. inputs: the reference timing inputs verbatim, and the same with pair_style pestle
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$reference"/in.time.pair.tj6 "$reference"/in.time.pair.tj8 "$reference"/Mo_tj8.snap* "$work"/
cp /usr/share/lammps/potentials/Mo_Zuo_JPCA2020.snap* "$work"/
cd "$work"
for tj in 6 8; do
  coeff=$([ $tj = 6 ] && echo Mo_Zuo_JPCA2020.snapcoeff || echo Mo_tj8.snapcoeff)
  for threads in 1 2; do
    sed -e "s|^pair_style .*|pair_style      pestle $coeff threads $threads|" -e "s|^pair_coeff .*|pair_coeff      * * Mo|" \
      in.time.pair.tj$tj > in.pestle.tj$tj.t$threads
  done
done

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# µs per atom-step and %CPU from LAMMPS's "Loop time of T on P procs for S steps with N atoms" line
measure() {  # measure LABEL COMMAND...
  local log="$1.log"; shift
  "$@" -in "$input" -log none > "$log" 2>&1 || { echo "failed: $*" >&2; tail -5 "$log" >&2; exit 1; }
  awk '/^Loop time of/ {us = $4 * 1e6 / ($9 * $12)} /CPU use with/ {cpu = $1} END {printf "%.1f %s\n", us, cpu}' "$log"
}
last_thermo() { awk '/^Loop time/ {print prev} {prev = $0}' "$1.log"; }

declare -A best cpu
record() {  # record KEY "us cpu"
  local us="${2% *}"
  if [ -z "${best[$1]:-}" ] || awk "BEGIN {exit !($us < ${best[$1]})}"; then best[$1]=$us; cpu[$1]="${2#* }"; fi
}
for r in $(seq "$repeats"); do
  for tj in 6 8; do
    input=in.time.pair.tj$tj;  record "snap$tj-1"   "$(measure snap$tj-1 taskset -c 1 "$lmp")"
    input=in.pestle.tj$tj.t1;  record "pestle$tj-1" "$(measure pestle$tj-1 taskset -c 1 "$lmp")"
    input=in.time.pair.tj$tj;  record "snap$tj-2"   "$(measure snap$tj-2 mpirun -np 2 "$lmp")"
    input=in.pestle.tj$tj.t2;  record "pestle$tj-2" "$(measure pestle$tj-2 "$lmp")"
    input=in.pestle.tj$tj.t1;  record "pestle$tj-2r" "$(measure pestle$tj-2r mpirun -np 2 "$lmp")"
  done
  echo "repeat $r of $repeats done" >&2
done

echo "## ML-SNAP vs pair_style pestle, same binary and input ($(date -u +%F\ %H:%M) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| twojmax | LAMMPS ML-SNAP 1 core | pestle 1 core | ratio | ML-SNAP 2 ranks | pestle 2 threads | pestle 2 ranks | ratio (2 threads) | pestle 2 threads / 1 core |"
echo "|---|---|---|---|---|---|---|---|---|"
for tj in 6 8; do
  s1=${best[snap$tj-1]} p1=${best[pestle$tj-1]} s2=${best[snap$tj-2]} p2=${best[pestle$tj-2]} p2r=${best[pestle$tj-2r]}
  awk -v tj=$tj -v s1=$s1 -v p1=$p1 -v s2=$s2 -v p2=$p2 -v p2r=$p2r 'BEGIN {
    printf "| %d | %.1f | %.1f | %.2fx | %.1f | %.1f | %.1f | %.2fx | %.2fx |\n", tj, s1, p1, s1 / p1, s2, p2, p2r, s2 / p2, p1 / p2 }'
done
echo
echo "µs per atom-step (LAMMPS Loop time / (atoms × steps)), fastest of $repeats interleaved repeats; 1-core runs pinned with taskset -c 1."
echo "LAMMPS's %CPU of the fastest runs: $(for k in "${!cpu[@]}"; do printf '%s %s; ' "$k" "${cpu[$k]}"; done)"
echo
echo "Thermo line before 'Loop time' (step 100), both styles must agree:"
for tj in 6 8; do
  echo "  twojmax $tj snap:   $(last_thermo snap$tj-1)"
  echo "  twojmax $tj pestle: $(last_thermo pestle$tj-1)"
done
