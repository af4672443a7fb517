#!/usr/bin/env bash
# InP (FitSNAP's InP_JPCA2020 training set, two species): fits the configs of this folder on a seeded
# 90/10 split of the TRAINING file (stratified by config_type; the held-back test set is never read),
# scores each on the 10 % it did not see, then refits on the whole training file.
#   bash examples/inp2020/run.sh [ace snap gap]     (default: ace snap; outputs in out/inp2020/)
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
  /usr/bin/python3 - "$cfg" "$out/fit90.xyz" "$out/${model}_split.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["training"] = [sys.argv[2]] if isinstance(c["training"], list) else sys.argv[2]
c.pop("output", None)
json.dump(c, open(sys.argv[3], "w"), indent=1)
PY
  echo "== $model: fit on 90 % of the training file, errors on the other 10 %"
  "$pestle" fit "$out/${model}_split.json" -o "$out/${model}_split_model.$ext"
  "$pestle" errors "$out/${model}_split_model.$ext" "$out/val10.xyz" | tee "$out/${model}_val10.txt"
  echo "== $model: fit on the whole training file"
  "$pestle" fit "$cfg" -o "$out/InP_$model.$ext"
done
