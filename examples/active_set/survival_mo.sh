#!/usr/bin/env bash
# Survival test (pestle survive; docs/validation.md) of three Mo models from the same hard-sphere starts:
# the published Zuo SNAP and qSNAP (Debian's lammps-data) and the 325-function linear ACE of
# examples/compile_time/, the ACE with its MaxVol grade from Mo_train.xyz. Small and short by default
# (128 atoms, 3000 K, 10 ps, 4 runs; the protocol's 1000 atoms and 500 ps take hours per run on 2 cores).
#   bash examples/active_set/survival_mo.sh [PESTLE] [OUT_DIR] [PS] [ATOMS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pestle="${1:-$root/build/bin/pestle}"
out="${2:-/tmp/pestle_survival_mo}"
ps="${3:-10}"
atoms="${4:-128}"
pots=/usr/share/lammps/potentials
mkdir -p "$out"
settings=(--atoms "$atoms" --temperature 3000 --ps "$ps" --runs 4 --volume 16 --hard-sphere 2.0 --seed 11)
"$pestle" activeset "$root/examples/compile_time/Mo_ace_325.json" "$root/../shared/data/zuo2020/Mo_train.xyz" -o "$out/ace.asi" > /dev/null
for model in "$pots/Mo_Zuo_JPCA2020.snapcoeff" "$pots/Mo_Zuo_JPCA2020.quadratic.snapcoeff" "$root/examples/compile_time/Mo_ace_325.json"; do
  name="$(basename "$model")"
  extra=()
  [[ "$name" == *.json ]] && extra=(--active-set "$out/ace.asi")
  start=$(date +%s)
  "$pestle" survive "$model" "${settings[@]}" "${extra[@]}" -o "$out/${name%.*}" 2> /dev/null
  echo "  ($name: $(( $(date +%s) - start )) s wall)"
done
for f in "$out"/*.md; do echo; sed -n '1,$p' "$f"; done
