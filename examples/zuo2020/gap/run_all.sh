#!/usr/bin/env bash
# Fits the six Zuo 2020 GAPs (authors' SOAP settings, sigma chosen by cross-validation; the published
# settings are <El>_published.json) and scores them on the test sets.
# usage: bash examples/zuo2020/gap/run_all.sh [PESTLE_BINARY]   (run from the project root; writes out/gap/)
set -euo pipefail
pestle=${1:-build/bin/pestle}
mkdir -p out/gap
for el in Ni Cu Li Mo Si Ge; do
  /usr/bin/time -v "$pestle" fit examples/zuo2020/gap/$el.json > out/gap/$el.fit.log 2> out/gap/$el.fit.err
  grep -E "Maximum resident|Elapsed|User time" out/gap/$el.fit.err
  "$pestle" errors out/gap/$el.xml ../shared/data/zuo2020/${el}_test.xyz --json > out/gap/$el.test.json
  echo "$el: $(grep -E 'energy_rmse|force_rmse_eV' out/gap/$el.test.json | tr -d '\n ')"
done
