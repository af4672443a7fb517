#!/bin/sh
# Times pestle's GAP evaluation (E+F) of QUIP's Mo GAP on the 2000-atom rattled bcc Mo cell and,
# when QUIP_BIN points at a QUIP build (the directory holding `quip`, built as
# ../shared/data/reference/quip-gap/README.md section 2 describes), times `quip` in the same run,
# the README's way (1 frame and 5 concatenated frames; the difference gives the per-frame cost).
#
#   benchmarks/gap_vs_quip.sh BUILD_DIR            # BUILD_DIR holds bin/gap_evaluate
#   QUIP_BIN=/path/to/build/linux_x86_64_gfortran benchmarks/gap_vs_quip.sh BUILD_DIR
#   THREADS=1 ... limits pestle to one thread (default: 1, then 2)
set -eu
build=${1:?usage: gap_vs_quip.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
ref=$(cd "$here/../../shared/data/reference/quip-gap" && pwd)
model="$ref/gap/Mo_gap.xml"
cell="$ref/timing/bcc_Mo_2000atom_rattled.xyz"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

pestle_us() {  # prints the mean µs/atom of 5 evaluations with $1 threads
  "$build/bin/gap_evaluate" "$model" "$cell" --repeat 5 --threads "$1" |
    awk 'NR == 2 { print $6 }'
}
for t in ${THREADS:-1 2}; do
  echo "pestle E+F, $t thread(s): $(pestle_us "$t") us/atom (mean of 5)"
done
/usr/bin/time -f "pestle peak RSS: %M kB" "$build/bin/gap_evaluate" "$model" "$cell" > /dev/null

if [ -n "${QUIP_BIN:-}" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cp "$ref"/gap/Mo_gap.xml* "$tmp"/
  cp "$cell" "$tmp/one.xyz"
  for k in 1 2 3 4 5; do cat "$cell"; done > "$tmp/five.xyz"
  cd "$tmp"
  # /usr/bin/time prints "seconds peak-kB" as the last line of stderr
  r1=$( { /usr/bin/time -f "%e %M" "$QUIP_BIN/quip" E=T F=T atoms_filename=one.xyz param_filename=Mo_gap.xml init_args="IP GAP" > /dev/null; } 2>&1 | tail -1)
  r5=$( { /usr/bin/time -f "%e %M" "$QUIP_BIN/quip" E=T F=T atoms_filename=five.xyz param_filename=Mo_gap.xml init_args="IP GAP" > /dev/null; } 2>&1 | tail -1)
  echo "quip E+F, 1 thread: $(echo "$r1 $r5" | awk '{ printf "%.0f", ($3 - $1) / 4 / 2000 * 1e6 }') us/atom (steady state, 1 vs 5 frames)"
  echo "quip peak RSS: $(echo "$r1" | awk '{ print $2 }') kB"
else
  echo "QUIP_BIN not set: quip not timed (README section 5 measured 1644 us/atom, 550 MB)"
fi
