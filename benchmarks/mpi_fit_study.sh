#!/usr/bin/env bash
# Time and peak memory of `pestle fit` on one core, on two cores (one rank, two oneTBB threads) and
# on two MPI ranks (one core each), all in one run on this machine (docs/parallel_fits.md).
#   bash benchmarks/mpi_fit_study.sh [OUT_DIR] [CONFIG.json ...]
# Defaults: build/mpi-study; Zuo's Ni qSNAP and FitSNAP's InP linear ACE (2050 functions).
# Prints one Markdown row per config and setting; the fits' models land in OUT_DIR.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(realpath -m "${1:-$root/build/mpi-study}")"; shift || true
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=("$root/examples/zuo2020/qsnap/Ni.json" "$root/examples/inp2020/ace.json")
pestle="${PESTLE:-$root/build/bin/pestle}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$out"

# one line "wall_s peak_KB" per process, from GNU time
timed() { /usr/bin/time -f "%e %M" -a -o "$1" "${@:2}"; }

echo "| config | setting | wall s | peak memory per process, MB | speed-up vs one core |"
echo "|---|---|---|---|---|"
for config in "${configs[@]}"; do
  name="$(basename "$(dirname "$config")")_$(basename "$config" .json)"
  base=""
  ext=json; grep -q '"model": *"gap"' "$config" && ext=xml  # a GAP is written as QUIP XML
  for setting in one_core two_threads two_ranks; do
    log="$out/$name.$setting.time"; rm -f "$log"
    model="$out/$name.$setting.$ext"
    case $setting in
      one_core) timed "$log" taskset -c 0 "$pestle" fit "$config" -o "$model" > /dev/null 2> "$out/$name.$setting.err" ;;
      two_threads) timed "$log" "$pestle" fit "$config" -o "$model" > /dev/null 2> "$out/$name.$setting.err" ;;
      two_ranks) mpirun --bind-to core -np 2 /usr/bin/time -f "%e %M" -a -o "$log" "$pestle" fit "$config" -o "$model" \
                   > /dev/null 2> "$out/$name.$setting.err" ;;
    esac
    wall="$(awk '{ if ($1 > w) w = $1 } END { print w }' "$log")"
    mem="$(awk '{ m = m (m ? " + " : "") int($2 / 1024) } END { print m }' "$log")"
    [ -n "$base" ] || base="$wall"
    echo "| $name | $setting | $wall | $mem | $(awk -v b="$base" -v w="$wall" 'BEGIN { printf "%.2f", b / w }') |"
  done
  # the two-rank model against the one-core model: the two-rank model's predictions on the training
  # data, scored with the one-core model (both RMSEs are round-off when the fits agree)
  training="$(python3 -c 'import json,sys,pathlib; c=json.load(open(sys.argv[1])); t=c["training"]; t=t[0] if isinstance(t,list) else t; print(pathlib.Path(sys.argv[1]).parent / t)' "$config")"
  "$pestle" predict "$out/$name.two_ranks.$ext" "$training" -o "$out/$name.two_ranks.predicted.xyz" > /dev/null
  "$pestle" errors "$out/$name.one_core.$ext" "$out/$name.two_ranks.predicted.xyz" --json > "$out/$name.agreement.json"
  echo "<!-- $name: one core vs two ranks, $(tr -d '\n ' < "$out/$name.agreement.json" | cut -c1-200) -->"
done
