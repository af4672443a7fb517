#!/usr/bin/env bash
# The phase-error curve of the silicon ACE-RSS on Stillinger-Weber (examples/rss/si-sw-ace.json, whose
# "phases" are the seven phases of the GPAW run), once per selection rule: Boltzmann pool + CUR (the
# config's) and Boltzmann pool + the model's uncertainty (γ). Prints, per rule and phase, the labelled
# training structures at which the phase's energy RMSE first reached 10 meV/atom, and the last errors
# (docs/exploration.md, "Phase errors").
#   bash benchmarks/phase_curve_study.sh [PESTLE] [OUT]   defaults: build/bin/pestle, /tmp/pestle-phase-study
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pestle="${1:-$root/build/bin/pestle}"
out="${2:-/tmp/pestle-phase-study}"
mkdir -p "$out"
for rule in cur uncertainty; do
  config="$out/si-sw-ace-$rule.json"
  # the example config with only "selection" changed; relative paths (si-bc8.xyz) stay the example folder's
  /usr/bin/python3 - "$root/examples/rss/si-sw-ace.json" "$config" "$rule" "$root/examples/rss" <<'PY'
import json, sys
src, dst, rule, folder = sys.argv[1:]
j = json.load(open(src))
j["selection"] = rule
for p in j["phases"]["structures"]:
    if isinstance(p, dict) and "file" in p:
        p["file"] = folder + "/" + p["file"]
json.dump(j, open(dst, "w"), indent=1)
PY
  start=$(date +%s)
  "$pestle" rss "$config" -o "$out/run-$rule" 2> "$out/run-$rule.log"
  echo "$rule: $(( $(date +%s) - start )) s"
done
/usr/bin/python3 - "$out" <<'PY'
import csv, json, sys
out = sys.argv[1]
rows = {}
for rule in ("cur", "uncertainty"):
    s = json.load(open(f"{out}/run-{rule}/phase_errors.json"))
    last = {e["phase"]: e for e in s["last"]}
    labels = list(csv.DictReader(open(f"{out}/run-{rule}/phase_errors.csv")))[-1]["labelled_total"]
    rows[rule] = (s["crossed_at_labels"], last, labels)
phases = list(rows["cur"][1])
print("| phase | CUR: labels at 10 meV/atom | CUR: last E RMSE (meV/atom) | uncertainty: labels at 10 meV/atom | uncertainty: last E RMSE |")
print("|---|---|---|---|---|")
for p in phases:
    cells = []
    for rule in ("cur", "uncertainty"):
        crossed, last, _ = rows[rule]
        cells += [str(crossed[p]) if crossed[p] is not None else "not reached", "%.2f" % last[p]["energy_rmse_meV"]]
    print(f"| {p} | " + " | ".join(cells) + " |")
print("labelled training structures at the end: " + ", ".join(f"{r} {rows[r][2]}" for r in rows))
PY
