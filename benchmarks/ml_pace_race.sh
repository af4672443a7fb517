#!/usr/bin/env bash
# Side by side, in one run: LAMMPS's own ML-PACE (pair_style pace, compiled from Debian's lammps source
# package plus the PACE evaluator library lammps-user-pace v.2021.4.9 that this LAMMPS version pins, at
# -O3 -march=native, linked to Debian's liblammps) against pestle's ACE evaluator (bench_ace), on the same
# potential (Cu-PBE-core-rep.ace) and structure size (2048-atom fcc Cu, a = 3.597 Å, 8x8x8 cells).
# LAMMPS runs the example input in.pace.* with the box enlarged to 8x8x8 and `run 10`, once with
# `pace recursive` and once with `pace product`; pestle runs bench_ace's energy_forces/1 (neighbour list +
# energy + forces + virial, one thread, 2048 atoms rattled 0.01 Å). Runs are interleaved, repeated and
# pinned to one core (taskset -c 0); the table gives µs per atom-step, best and median of the repeats.
# Before timing, the 256-atom example in.pace.product is run to check the build: its step-0 thermo must be
# E_pair -945.9873, Press 45359.818 (../shared/data/reference/lammps-pace/README.md).
#
# usage: bash benchmarks/ml_pace_race.sh [PACE_SRC] [REPEATS]        (from the project root)
#   PACE_SRC  the lammps-user-pace sources at tag v.2021.4.9: a directory holding USER-PACE/ (an extracted
#             tree), or a git directory of that repository (the tag is then extracted into ~/.cache/pestle/).
#             Also taken from the environment variable PACE_SRC; default ~/.cache/pestle/lammps-user-pace-v.2021.4.9.
#             (No internet here: get the repository some other way, e.g. a mirror of github.com/ICAMS/lammps-user-pace,
#             then `git --git-dir=MIRROR archive v.2021.4.9 | tar -x -C DIR`.)
#   REPEATS   default 3
# Environment (optional):
#   PESTLE_BENCH      pestle's bench_ace (default build/bin/bench_ace)
#   PESTLE_OLD_BENCH  a second bench_ace, e.g. of an older version (default /tmp/wt/build/bin/bench_ace; skipped if absent)
#   PAUSE_PIDS        process ids to stop (SIGSTOP) during the timed runs only and resume (SIGCONT) afterwards,
#                     also on error or interrupt, e.g. PAUSE_PIDS="$(pgrep -x pestle)" to quiet a long job
#   CORE              the core to pin to (default 0)
# Needs liblammps-dev, lammps-data, openmpi (mpicxx), g++; adds a deb-src line for bookworm to apt when none
# exists (root), downloads Debian's lammps source package (80 MB) into ~/.cache/pestle/lammps-src (shared with
# ml_snap_race.sh) and unpacks only what is needed. The driver is built in ~/.cache/pestle/ml-pace-build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pace_src="${1:-${PACE_SRC:-$HOME/.cache/pestle/lammps-user-pace-v.2021.4.9}}"
repeats="${2:-3}"
core="${CORE:-0}"
[ "$repeats" -ge 1 ] 2>/dev/null || { echo "REPEATS must be a positive integer" >&2; exit 1; }
cd "$root"
bench_new="$(realpath "${PESTLE_BENCH:-build/bin/bench_ace}")"
bench_old="${PESTLE_OLD_BENCH:-/tmp/wt/build/bin/bench_ace}"
potential=/usr/share/lammps/potentials/Cu-PBE-core-rep.ace
cache="${HOME}/.cache/pestle/lammps-src"
builddir="${HOME}/.cache/pestle/ml-pace-build"
pace_tag=v.2021.4.9
[ -x "$bench_new" ] || { echo "no pestle bench_ace at $bench_new (build it: cmake --build build-ct --target bench_ace)" >&2; exit 1; }
[ -f "$potential" ] || { echo "no $potential (apt-get install lammps-data)" >&2; exit 1; }

# 1. LAMMPS sources of the installed version (Debian bookworm: 20220106 = 29 Sep 2021 update 2)
src="$(ls -d "$cache"/lammps-*/ 2>/dev/null | head -1 || true)"
if [ -z "$src" ] || [ ! -f "$src/src/ML-PACE/pair_pace.cpp" ] || [ ! -f "$src/examples/PACKAGES/pace/in.pace.product" ]; then
  if ! ls "$cache"/lammps_*.orig.tar.xz >/dev/null 2>&1; then
    if ! grep -rqs "^Types: deb-src\|^deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
      printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        > /etc/apt/sources.list.d/pestle-deb-src.sources
      apt-get update -qq
    fi
    mkdir -p "$cache"
    (cd "$cache" && apt-get source --download-only lammps >/dev/null 2>&1)
  fi
  (cd "$cache" && tar -xf lammps_*.orig.tar.xz --wildcards '*/src/*.h' '*/src/ML-SNAP/*' '*/src/fmt/*' \
     '*/src/ML-PACE/*' '*/examples/PACKAGES/pace/in.pace.*')
  src="$(ls -d "$cache"/lammps-*/ | head -1)"
fi
src="${src%/}"

# 2. the PACE evaluator library, tag v.2021.4.9 (what LAMMPS's cmake/Modules/Packages/ML-PACE.cmake downloads)
if [ ! -d "$pace_src/USER-PACE" ] && git --git-dir="$pace_src" rev-parse -q --verify "refs/tags/$pace_tag" >/dev/null 2>&1; then
  out="${HOME}/.cache/pestle/lammps-user-pace-$pace_tag"
  mkdir -p "$out"
  git --git-dir="$pace_src" archive "$pace_tag" | tar -x -C "$out"
  pace_src="$out"
fi
[ -f "$pace_src/USER-PACE/ace_evaluator.cpp" ] || {
  echo "no lammps-user-pace $pace_tag sources at '$pace_src' (pass PACE_SRC: a tree holding USER-PACE/ or a git dir)" >&2; exit 1; }
grep -q "$pace_tag" "$src/cmake/Modules/Packages/ML-PACE.cmake" 2>/dev/null ||
  (cd "$cache" && tar -xf lammps_*.orig.tar.xz --wildcards '*/cmake/Modules/Packages/ML-PACE.cmake' 2>/dev/null) || true
if [ -f "$src/cmake/Modules/Packages/ML-PACE.cmake" ] && ! grep -q "tags/$pace_tag.tar" "$src/cmake/Modules/Packages/ML-PACE.cmake"; then
  echo "warning: this LAMMPS pins $(grep -o 'tags/[^"]*' "$src/cmake/Modules/Packages/ML-PACE.cmake"), not $pace_tag" >&2
fi

# 3. the driver: Debian's liblammps + pair_pace.cpp (Debian source) + the PACE evaluator, pair style named `pace`
cxxflags=(-std=c++17 -O3 -march=native -DLAMMPS_SMALLBIG -w)
includes=(-I/usr/include/lammps -I"$src/src" -I"$src/src/ML-PACE" -I"$pace_src/USER-PACE")
lmp="$builddir/pace_lmp"
stamp="${cxxflags[*]} $src $pace_src"
if [ ! -x "$lmp" ] || [ "$(cat "$builddir/stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$builddir"; mkdir -p "$builddir"
  cat > "$builddir/pace_lmp.cpp" <<'EOF'
// Debian's LAMMPS (liblammps, built without ML-PACE) with LAMMPS's pair_style pace added under its name.
#include <mpi.h>
#include "force.h"
#include "input.h"
#include "lammps.h"
#include "pair_pace.h"
int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  {
    LAMMPS_NS::LAMMPS lmp(argc, argv, MPI_COMM_WORLD);
    (*lmp.force->pair_map)["pace"] = [](LAMMPS_NS::LAMMPS *l) -> LAMMPS_NS::Pair * { return new LAMMPS_NS::PairPACE(l); };
    lmp.input->file();
  }
  MPI_Finalize();
  return 0;
}
EOF
  sources=("$builddir/pace_lmp.cpp" "$src/src/ML-PACE/pair_pace.cpp")
  for f in "$pace_src"/USER-PACE/*.cpp; do [ "$(basename "$f")" = pair_pace.cpp ] || sources+=("$f"); done
  echo "building $lmp from ${#sources[@]} sources (${cxxflags[*]})" >&2
  printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c \
    'mpicxx "$@" -c "{}" -o "'"$builddir"'/$(basename "{}" .cpp).o"' _ "${cxxflags[@]}" "${includes[@]}"
  mpicxx -o "$lmp" "$builddir"/*.o -llammps
  echo "$stamp" > "$builddir/stamp"
fi

# 4. inputs: the 256-atom example verbatim (check), and the 2048-atom timing inputs (8x8x8, run 10)
work="$(mktemp -d)"
paused=""
cleanup() {
  if [ -n "$paused" ]; then kill -CONT $paused 2>/dev/null || true; echo "resumed $paused" >&2; paused=""; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cp "$src"/examples/PACKAGES/pace/in.pace.product "$src"/examples/PACKAGES/pace/in.pace.recursive "$potential" "$work"/
cd "$work"
for ev in recursive product; do
  sed -e 's/^region\(\s\+\)box block 0 4 0 4 0 4/region\1box block 0 8 0 8 0 8/' -e 's/^run\(\s\+\)100/run\110/' \
      -e "s/^pair_style\(\s\+\)pace .*/pair_style\1pace $ev/" in.pace.product > in.time.$ev
  grep -q "block 0 8 0 8 0 8" in.time.$ev && grep -q "^run\s\+10$" in.time.$ev || { echo "could not edit in.pace.product" >&2; exit 1; }
done

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# check of the build (not timed): step-0 and step-100 thermo of the official log (README)
"$lmp" -in in.pace.product -log none > check.log 2>&1 || { tail -20 check.log >&2; exit 1; }
step0="$(awk '$1 == "0" && NF == 7' check.log | head -1)"
step100="$(awk '$1 == "100" && NF == 7' check.log | head -1)"
if awk -v l="$step0" -v m="$step100" 'BEGIN {split(l, a); split(m, b);
      exit !(a[3] == "-945.9873" && a[5] == "45359.818" && b[2] == "161.73598" && b[3] == "-941.42945" && b[5] == "51114.997")}'; then
  check="match"
else
  check="MISMATCH"
fi

# µs per atom-step from LAMMPS's "Loop time of T on P procs for S steps with N atoms" line
measure_lmp() {  # measure_lmp LABEL INPUT
  taskset -c "$core" "$lmp" -in "$2" -log none > "$1.log" 2>&1 || { echo "failed: $lmp -in $2" >&2; tail -5 "$1.log" >&2; return 1; }
  awk '/^Loop time of/ {us = $4 * 1e6 / ($9 * $12)} END {if (us == "") exit 1; printf "%.1f\n", us}' "$1.log"
}
# µs per atom-step from bench_ace's counter us_per_atom (printed as seconds, with an SI prefix when large/small)
measure_bench() {  # measure_bench LABEL BINARY
  taskset -c "$core" "$2" --benchmark_filter='energy_forces/1' --benchmark_counters_tabular=true > "$1.log" 2>&1 ||
    { echo "failed: $2" >&2; tail -5 "$1.log" >&2; return 1; }
  awk '/^BM_ace_energy_forces\/1\// {v = $NF; sub(/s$/, "", v); f = 1
         if (v ~ /k$/) {f = 1e3} else if (v ~ /m$/) {f = 1e-3} else if (v ~ /u$/) {f = 1e-6}
         sub(/[kmu]$/, "", v); us = v * f}
       END {if (us == "") exit 1; printf "%.1f\n", us}' "$1.log"
}

labels=("ML-PACE recursive" "ML-PACE product" "pestle ($(basename "$(dirname "$(dirname "$bench_new")")"))")
keys=(recursive product pestle)
if [ -x "$bench_old" ]; then labels+=("pestle old ($bench_old)"); keys+=(pestle_old); fi
declare -A times
if [ -n "${PAUSE_PIDS:-}" ]; then
  paused="$PAUSE_PIDS"; kill -STOP $paused; echo "paused $paused for the timed runs" >&2
fi
t0=$SECONDS
load="$(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$repeats"); do
  v=$(measure_lmp recursive-$r in.time.recursive); times[recursive]+="$v "
  v=$(measure_bench pestle-$r "$bench_new");      times[pestle]+="$v "
  v=$(measure_lmp product-$r in.time.product);     times[product]+="$v "
  if [ -x "$bench_old" ]; then v=$(measure_bench pestle_old-$r "$bench_old"); times[pestle_old]+="$v "; fi
  echo "repeat $r of $repeats done ($((SECONDS - t0)) s)" >&2
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$paused" ]; then kill -CONT $paused; echo "resumed $paused after $((SECONDS - t0)) s" >&2; paused=""; fi

echo "## ML-PACE (LAMMPS 20220106 + lammps-user-pace $pace_tag, -O3 -march=native) vs pestle ACE ($(date -u +%F\ %H:%M) UTC)"
echo
echo "| evaluator | best µs/atom-step | median | runs | vs ML-PACE recursive (best) |"
echo "|---|---|---|---|---|"
rbest=$(tr ' ' '\n' <<<"${times[recursive]}" | grep . | sort -g | head -1)
for i in "${!keys[@]}"; do
  tr ' ' '\n' <<<"${times[${keys[$i]}]}" | grep . | sort -g |
    awk -v label="${labels[$i]}" -v ref="$rbest" '{a[NR] = $1; all = all (NR > 1 ? ", " : "") $1}
      END {med = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
           printf "| %s | %.1f | %.1f | %s | %.2fx |\n", label, a[1], med, all, ref / a[1]}'
done
echo
echo "2048 atoms (fcc Cu 8x8x8, a = 3.597 Å, Cu-PBE-core-rep.ace), one thread pinned with taskset -c $core, $repeats interleaved repeats."
echo "ML-PACE: LAMMPS Loop time / (atoms × 10 steps) of in.pace.* enlarged to 8x8x8 and run 10 (Loop time includes neighbour"
echo "lists and integration, ~all of it in the pair style). pestle: bench_ace energy_forces/1 counter us_per_atom"
echo "(AcePotential::compute: neighbour list + energy + forces + virial, structure rattled 0.01 Å)."
echo "Load average (1/5/15 min) at start of timing: $load; at end: $load_end${PAUSE_PIDS:+ (paused during timing: $PAUSE_PIDS)}"
echo
echo "Build check, 256-atom in.pace.product: $check (want step 0 E_pair -945.9873 Press 45359.818; step 100 T 161.73598 E_pair -941.42945 Press 51114.997)"
echo "  step   0: $step0"
echo "  step 100: $step100"
echo "Step-10 thermo of the 2048-atom runs (recursive and product must agree):"
echo "  recursive: $(awk '$1 == "10" && NF == 7' recursive-1.log)"
echo "  product:   $(awk '$1 == "10" && NF == 7' product-1.log)"
