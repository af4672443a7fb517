#!/usr/bin/env bash
# Ternary B-N-C study (issue 26, item 3): labels from Debian's BNC.tersoff (the complete ternary
# Tersoff file LAMMPS ships; SiCGe.tersoff has no C-Ge entries, docs/reference-potentials.md),
# a linear ACE and a GAP fitted to them, scored on a separate test set against pestle's labels
# AND against `lmp` itself. From a built tree:
#   bash examples/ternary/run.sh [OUT_DIR]          (default build/ternary; nothing is written into the repo)
#   TUNE=1 bash examples/ternary/run.sh              also re-run the `pestle cv` searches that chose the
#                                                    hyperparameters in ace.json / gap.json (training set only)
# Steps: 1. make_data.py: seeded structures (train.xyz, test.xyz); 2. pestle predict BNC.tersoff: labels;
# 3. [TUNE] pestle cv, then pestle fit of ace.json and gap.json on the training labels; 4. pestle errors on
# the test set; lmp_check.py: pestle's labels vs lmp, and both models vs lmp. Times go to OUT_DIR/times.txt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
pestle="${PESTLE:-$root/build/bin/pestle}"
potential="${LAMMPS_POTENTIALS:-/usr/share/lammps/potentials}/BNC.tersoff"
out="$(mkdir -p "${1:-$root/build/ternary}" && cd "${1:-$root/build/ternary}" && pwd)"
py=/usr/bin/python3
: > "$out/times.txt"
timed() {  # timed NAME COMMAND...: runs it, appends its wall time to times.txt
  local name=$1 start=$SECONDS
  shift
  "$@"
  echo "$name $((SECONDS - start)) s" | tee -a "$out/times.txt"
}

echo "== 1. structures"
timed make_data "$py" "$here/make_data.py" "$out"
echo "== 2. labels from the built-in Tersoff ($potential)"
timed label_train "$pestle" predict "$potential" "$out/train.xyz" -o "$out/train_labelled.xyz"
timed label_test "$pestle" predict "$potential" "$out/test.xyz" -o "$out/test_labelled.xyz"

# the configs of this folder, pointed at this run's training labels
for model in ace gap; do
  "$py" - "$here/$model.json" "$out/train_labelled.xyz" "$out/$model.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["training"] = [sys.argv[2]] if isinstance(c["training"], list) else sys.argv[2]
c.pop("output", None)
json.dump(c, open(sys.argv[3], "w"), indent=1)
PY
done

echo "== 3. fits (hyperparameters chosen on the training set only)"
if [ "${TUNE:-0}" = 1 ]; then
  timed cv_ace nice "$pestle" cv "$out/ace.json" --folds 5 --cutoffs 2.4 --energy-weights 30,100,300 \
    --ridges 1e-6,1e-4,1e-2 --write-config "$out/ace_cv.json" | tee "$out/cv_ace.txt"
  timed cv_gap nice "$pestle" cv "$out/gap.json" --folds 5 --energy-sigmas 0.001,0.003,0.01 \
    --force-sigmas 0.02,0.05,0.1 --write-config "$out/gap_cv.json" | tee "$out/cv_gap.txt"
fi
timed fit_ace nice "$pestle" fit "$out/ace.json" -o "$out/ace_model.json"
timed fit_gap nice "$pestle" fit "$out/gap.json" -o "$out/gap_model.xml"

echo "== 4. test set: errors against pestle's Tersoff labels, then everything against lmp"
for m in ace_model.json gap_model.xml; do
  "$pestle" errors "$out/$m" "$out/test_labelled.xyz" | tee "$out/errors_${m%%.*}.txt"
  "$pestle" predict "$out/$m" "$out/test.xyz" -o "$out/test_${m%%.*}.xyz"
done
timed lmp_check "$py" "$here/lmp_check.py" "$potential" B,N,C "$out/test_labelled.xyz" "$out/lmp" \
  "linear ACE=$out/test_ace_model.xyz" "GAP=$out/test_gap_model.xyz" | tee "$out/lmp_check.txt"
