#!/usr/bin/env bash
# Basis size for the Mo ladder fit, chosen on the training file only (docs/accuracy.md, "Nonlinear
# ACE"): the seeded 80/20 split of holdout_split.py, Mo_nonlinear_ladder.json fitted on the 80 % with
# its 569-function basis and with the 1268-function basis of Mo_1268.json, each scored on the held-out
# 20 %. About 40 min on 2 cores; scores go to out/ace_ladder_holdout/scores.txt.
#   PESTLE=build/bin/pestle bash examples/zuo2020/ace/ladder_holdout.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../../.."
pestle="$(realpath "${PESTLE:-$root/build/bin/pestle}")"
out="$root/out/ace_ladder_holdout"
mkdir -p "$out"
cd "$out"
/usr/bin/python3 "$here/holdout_split.py" "$root/../shared/data/zuo2020/Mo_train.xyz" Mo_fit80.xyz Mo_val20.xyz
/usr/bin/python3 - "$here" <<'PY'
import json, sys
here = sys.argv[1]
ladder = json.load(open(f'{here}/Mo_nonlinear_ladder.json'))
ladder['training'] = ['Mo_fit80.xyz']
json.dump(ladder, open('basis_569.json', 'w'), indent=1)
ladder['descriptor']['ranks'] = json.load(open(f'{here}/Mo_1268.json'))['descriptor']['ranks']
json.dump(ladder, open('basis_1268.json', 'w'), indent=1)
PY
rm -f scores.txt ./*.checkpoint.json
for name in basis_569 basis_1268; do
  /usr/bin/time -v "$pestle" fit "$name.json" -o "${name}_model.json" > "$name.out" 2> "$name.err"
  echo "$name $("$pestle" errors "${name}_model.json" Mo_val20.xyz | tail -1)" >> scores.txt
done
cat scores.txt
