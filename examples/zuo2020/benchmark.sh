#!/usr/bin/env bash
# Fits all twelve Zuo configs (snap and qsnap for Ni Cu Li Mo Si Ge) on the training files,
# evaluates each on the test file and writes docs/accuracy.md beside the published figures.
#   bash examples/zuo2020/benchmark.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
pestle="${PESTLE:-$root/build/bin/pestle}"
out="$root/out/zuo2020"
mkdir -p "$out"
for model in snap qsnap; do
  for el in Ni Cu Li Mo Si Ge; do
    start=$(date +%s.%N)
    "$pestle" fit "$here/$model/$el.json" -o "$out/${el}_$model.json" > /dev/null
    end=$(date +%s.%N)
    "$pestle" errors "$out/${el}_$model.json" "$root/../shared/data/zuo2020/${el}_test.xyz" --json > "$out/${el}_$model.test.json"
    python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.1f}')" "$start" "$end" > "$out/${el}_$model.seconds"
    echo "$model $el done"
  done
done
python3 "$here/accuracy_table.py" "$out" "$here" > "$root/docs/accuracy.md"
echo "wrote docs/accuracy.md"
