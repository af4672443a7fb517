#!/usr/bin/env bash
# Runs the six XPOT-style qSNAP searches (5-fold CV on the training files, 150 evaluations each) and
# scores every best model on its test set. A killed run continues where it stopped when rerun.
# usage: bash examples/zuo2020/optimise/run_all.sh [PESTLE_BINARY] [ELEMENTS...]   (from the project root)
set -euo pipefail
pestle=${1:-build/bin/pestle}
shift || true
elements=${*:-Mo Li Ge Cu Ni Si}
mkdir -p out/optimise
for el in $elements; do
  "$pestle" optimise examples/zuo2020/optimise/$el.json -o out/optimise/$el --threads 1 > out/optimise/$el.out 2> out/optimise/$el.log
  "$pestle" errors out/optimise/$el/best.model.json ../shared/data/zuo2020/${el}_test.xyz --json > out/optimise/$el.test.json
  echo "$el: CV $(grep -E 'energy RMSE' out/optimise/$el.out) | test $(grep -E 'energy_rmse|force_rmse_eV' out/optimise/$el.test.json | tr -d '\n ')"
done
