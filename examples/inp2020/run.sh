#!/usr/bin/env bash
# InP (FitSNAP's InP_JPCA2020 training set, two species): fits the configs of this folder on a seeded
# 90/10 split of the TRAINING file (stratified by config_type; the held-back test set is never read),
# scores each on the 10 % it did not see, then refits on the whole training file.
#   bash examples/inp2020/run.sh [ace snap gap]     (default: ace snap; outputs in out/inp2020/)
#   ENERGY_WEIGHTS="3 10 30 100" bash examples/inp2020/run.sh snap   # only the split fit, once per energy weight
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
pestle="${PESTLE:-$root/build/bin/pestle}"
train="$root/../shared/data/inp2020/InP_train.xyz"
out="$root/out/inp2020"
mkdir -p "$out"
[ -f "$out/fit90.xyz" ] || /usr/bin/python3 "$here/../zuo2020/ace/holdout_split.py" "$train" "$out/fit90.xyz" "$out/val10.xyz" 0.1
for model in "${@:-ace snap}"; do
  cfg="$here/$model.json"
  ext=json; [ "$model" = gap ] && ext=xml
  # the same config, trained on the 90 % split
  for weight in ${ENERGY_WEIGHTS:-config}; do
    tag="$model"; [ "$weight" = config ] || tag="${model}_ew$weight"
    /usr/bin/python3 - "$cfg" "$out/fit90.xyz" "$out/${tag}_split.json" "$weight" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["training"] = [sys.argv[2]] if isinstance(c["training"], list) else sys.argv[2]
c.pop("output", None)
if sys.argv[4] != "config":
    c["weights"]["energy"] = float(sys.argv[4])
json.dump(c, open(sys.argv[3], "w"), indent=1)
PY
    echo "== $tag: fit on 90 % of the training file, errors on the other 10 %"
    "$pestle" fit "$out/${tag}_split.json" -o "$out/${tag}_split_model.$ext"
    "$pestle" errors "$out/${tag}_split_model.$ext" "$out/val10.xyz" | tee "$out/${tag}_val10.txt"
  done
  [ -z "${ENERGY_WEIGHTS:-}" ] || continue
  echo "== $model: fit on the whole training file"
  "$pestle" fit "$cfg" -o "$out/InP_$model.$ext"
done
