#!/usr/bin/env bash
# The Mo hold-out study behind examples/zuo2020/ace/Mo_nonlinear.json (docs/accuracy.md, "Nonlinear ACE"):
# a seeded 80/20 split of the Mo training file (the test file is not touched), the linear ACE baseline,
# and nonlinear fits over l2 in {1e-8, 1e-7} (and the smooth-sqrt FinnisSinclair embedding) scored on the
# held-out 20 % after 20, 40 and 80 Levenberg-Marquardt iterations (each step resumes the previous fit
# from its checkpoint). About 45 min on 2 cores; scores go to out/ace_holdout/scores.txt.
#   PESTLE=build/bin/pestle bash examples/zuo2020/ace/nonlinear_holdout.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../../.."
pestle="$(realpath "${PESTLE:-$root/build/bin/pestle}")"
out="$root/out/ace_holdout"
mkdir -p "$out"
cd "$out"
/usr/bin/python3 "$here/holdout_split.py" "$root/../shared/data/zuo2020/Mo_train.xyz" Mo_fit80.xyz Mo_val20.xyz
/usr/bin/python3 - "$here" <<'PY'
import json, sys
here = sys.argv[1]
linear = json.load(open(f'{here}/Mo.json'))
linear['training'] = ['Mo_fit80.xyz']
json.dump(linear, open('linear.json', 'w'), indent=1)
base = json.load(open(f'{here}/Mo_nonlinear.json'))
base['training'] = ['Mo_fit80.xyz']
for name, l2, embedding in [('l2_1e-8', 1e-8, None), ('l2_1e-7', 1e-7, None), ('fs_l2_1e-7', 1e-7, 'FinnisSinclair')]:
    for it in (20, 40, 80):
        c = json.loads(json.dumps(base))
        c['loss']['l2'] = l2
        c['optimiser']['max_iterations'] = it
        if embedding:
            c['embedding']['type'] = embedding
        json.dump(c, open(f'{name}_{it}.json', 'w'), indent=1)
PY
rm -f scores.txt ./*.checkpoint.json
"$pestle" fit linear.json -o linear_model.json > linear.out 2>&1
echo "linear $("$pestle" errors linear_model.json Mo_val20.xyz | tail -1)" >> scores.txt
for name in l2_1e-8 l2_1e-7 fs_l2_1e-7; do
  for it in 20 40 80; do
    [ "$name" = fs_l2_1e-7 ] && [ "$it" != 40 ] && continue
    "$pestle" fit "${name}_$it.json" -o "$name.json" > "${name}_$it.out" 2> "${name}_$it.err"
    echo "$name $it $("$pestle" errors "$name.json" Mo_val20.xyz | tail -1)" >> scores.txt
  done
done
cat scores.txt
