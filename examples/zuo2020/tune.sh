#!/usr/bin/env bash
# Chooses rcutfac, the energy weight and the ridge parameter of every Zuo config by 5-fold
# cross-validation on its TRAINING file only, and writes the chosen values back into the
# config (the test files are never read here). twojmax stays at the published value.
#   bash examples/zuo2020/tune.sh [model ...]      # models: snap qsnap (default both)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pestle="${PESTLE:-$here/../../build/bin/pestle}"
models=("${@:-snap qsnap}")
for model in ${models[@]}; do
  for el in Ni Cu Li Mo Si Ge; do
    cfg="$here/$model/$el.json"
    rc=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['descriptor']['rcutfac'])" "$cfg")
    grid=$(python3 -c "import sys; r=float(sys.argv[1]); print(','.join(f'{r+d:.2f}' for d in (-0.4,-0.2,0,0.2,0.4)))" "$rc")
    echo "== $model $el: rcutfac grid $grid"
    "$pestle" cv "$cfg" --folds 5 --rcutfac "$grid" --energy-weights 10,30,100,300,1000,3000 \
      --ridges 1e-10,1e-8,1e-6 --write-config "$cfg" | grep -E 'best|wrote'
  done
done
