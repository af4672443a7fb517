#!/usr/bin/env bash
# The SNAP examples LAMMPS ships (Debian's lammps-examples, /usr/share/lammps/examples/snap): each input
# run to step 0 twice in one binary (pestle_snap_lmp), once as shipped (LAMMPS ML-SNAP, with ZBL through
# pair_style hybrid/overlay where the potential's .snap file has it) and once with its `include X.snap`
# replaced by `pair_style pestle X.snap` (pestle reads the same .snap file). The step-0 thermo lines
# (Temp, E_pair per atom, TotEng, Press) are printed side by side with their largest relative difference.
#
# usage: bash benchmarks/lammps_examples_snap.sh [BUILD_DIR]       (from the project root; default build-race)
# Installs lammps-examples when it is missing (root); the driver is built by benchmarks/ml_snap_driver.sh.
# Left out: in.snap.compute* (compute snap, no pair style), in.snap.hybrid.WSNAP.HePair (a tabulated
# pair), in.snap.scale.Ni_Zuo_JCPA2020 (fix adapt scaling two snap sub-styles).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-build-race}"
cd "$root"
examples=/usr/share/lammps/examples/snap
[ -d "$examples" ] || apt-get install -y -qq lammps-examples >&2
lmp="$(bash benchmarks/ml_snap_driver.sh "$build")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -L "$examples"/* "$work"/ 2>/dev/null || true   # potential files are links into ../../potentials
cd "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

step0() {  # step0 INPUT: the thermo line of step 0
  "$lmp" -var nsteps 0 -in "$1" -log none > "$1.log" 2>&1 || { echo "failed: $1" >&2; tail -5 "$1.log" >&2; exit 1; }
  awk '/^ *Step/ {getline; print; exit}' "$1.log"
}

echo "## LAMMPS's SNAP examples at step 0: ML-SNAP vs pair_style pestle, same binary ($(date -u +%F\ %H:%M) UTC)"
echo
echo "| input | atoms | style | Step Temp E_pair E_mol TotEng Press | max rel. diff |"
echo "|---|---|---|---|---|"
for name in InP.JCPA2020 Mo_Chen Ta06A W.2940 WBe.PRB2019; do
  input=in.snap.$name
  snapfile=$(awk '/^include/ {print $2}' "$input")
  elements=$(awk '/pair_coeff[ \t]+\*[ \t]+\*/ {for (i = 1; i <= NF; i++) if ($i ~ /snapparam$/) {s = ""; for (k = i + 1; k <= NF; k++) s = s " " $k; print s}}' "$snapfile")
  # 15 significant digits in both runs, so agreement below LAMMPS's default 8 shows
  sed -i "s|^run|thermo_modify format float %.15g\nrun|" "$input"
  sed "s|^include .*|pair_style pestle $snapfile\npair_coeff * *$elements|" "$input" > "$input.pestle"
  ref=$(step0 "$input")
  ours=$(step0 "$input.pestle")
  atoms=$(awk '/^Created [0-9]+ atoms/ {print $2; exit}' "$input.log")
  diff=$(awk -v a="$ref" -v b="$ours" 'BEGIN {
    n = split(a, x); split(b, y); m = 0
    for (i = 2; i <= n; i++) { d = x[i] - y[i]; if (d < 0) d = -d; s = (x[i] < 0 ? -x[i] : x[i]); if (s > 0 && d / s > m) m = d / s }
    printf "%.1e", m }')
  echo "| $input | $atoms | ML-SNAP | $ref | |"
  echo "| | | pestle | $ours | $diff |"
done
