#!/usr/bin/env bash
# Fits all twelve Zuo configs (snap and qsnap for Ni Cu Li Mo Si Ge) on the training files,
# evaluates each on the test file and writes the generated block of docs/accuracy.md beside the published figures.
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
# Only the generated block of docs/accuracy.md is replaced; the hand-written sections (optimiser, GAP,
# ACE) below it stay as they are.
python3 "$here/accuracy_table.py" "$out" "$here" > "$out/accuracy_generated.md"
python3 - "$root/docs/accuracy.md" "$out/accuracy_generated.md" <<'PY'
import sys
page, block = open(sys.argv[1]).read(), open(sys.argv[2]).read().rstrip("\n")
begin = page.index("<!-- BEGIN generated")
begin_end = page.index("\n", begin) + 1
end = page.index("<!-- END generated -->")
open(sys.argv[1], "w").write(page[:begin_end] + block + "\n" + page[end:])
PY
echo "replaced the generated block of docs/accuracy.md"
