#!/usr/bin/env bash
# The phase-error curve of the silicon ACE-RSS on Stillinger-Weber (examples/rss/si-sw-ace.json, whose
# "phases" are the seven phases of the GPAW run), for two selection rules and several seeds: Boltzmann
# pool + CUR (the config's) and Boltzmann pool + the model's uncertainty (γ). SW lies inside the span of
# that ACE basis, so every phase is below 10 meV/atom after iteration 0; the study therefore uses a target
# of TARGET meV/atom (default 1). Prints, per rule and seed, the labelled training structures at which
# each phase first reached the target and at which diamond and β-Sn both had (docs/exploration.md,
# "Phase errors").
#   bash benchmarks/phase_curve_study.sh [PESTLE] [OUT] [SEEDS] [TARGET] [ITERATIONS]
#   defaults: build/bin/pestle, /tmp/pestle-phase-study, 5, 1.0, 10
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pestle="${1:-$root/build/bin/pestle}"
out="${2:-/tmp/pestle-phase-study}"
seeds="${3:-5}"
target="${4:-1.0}"
iterations="${5:-10}"
mkdir -p "$out"
start=$(date +%s)
for seed in $(seq 1 "$seeds"); do
  for rule in cur uncertainty; do
    config="$out/si-sw-ace-$rule-$seed.json"
    # the example config with selection, seed, iterations and target changed; the phase file's path made absolute
    /usr/bin/python3 - "$root/examples/rss/si-sw-ace.json" "$config" "$rule" "$seed" "$target" "$iterations" "$root/examples/rss" <<'PY'
import json, sys
src, dst, rule, seed, target, iterations, folder = sys.argv[1:]
j = json.load(open(src))
j["selection"] = rule
j["seed"] = int(seed)
j["iterations"] = int(iterations)
j["phases"]["target_meV"] = float(target)
for p in j["phases"]["structures"]:
    if isinstance(p, dict) and "file" in p:
        p["file"] = folder + "/" + p["file"]
json.dump(j, open(dst, "w"), indent=1)
PY
    "$pestle" rss "$config" -o "$out/run-$rule-$seed" 2> "$out/run-$rule-$seed.log"
  done
done
echo "wall time $(( $(date +%s) - start )) s for $(( 2 * seeds )) runs"
/usr/bin/python3 - "$out" "$seeds" "$target" <<'PY'
import csv, json, sys
out, seeds, target = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
def both(rule, seed):
    """labels at which diamond and beta-Sn were first both at or below the target"""
    by_iter = {}
    for r in csv.DictReader(open(f"{out}/run-{rule}-{seed}/phase_errors.csv")):
        by_iter.setdefault(int(r["iteration"]), (int(r["labelled_total"]), {}))[1][r["phase"]] = float(r["energy_rmse_meV_per_atom"])
    for k in sorted(by_iter):
        labels, e = by_iter[k]
        if e["diamond"] <= target and e["beta-Sn"] <= target:
            return labels
    return None
print(f"| rule | seed | diamond and β-Sn ≤ {target:g} meV/atom at | every phase's first crossing (labels) |")
print("|---|---|---|---|")
sums = {}
for rule in ("cur", "uncertainty"):
    for seed in range(1, seeds + 1):
        s = json.load(open(f"{out}/run-{rule}-{seed}/phase_errors.json"))
        b = both(rule, seed)
        sums.setdefault(rule, []).append(b)
        crossings = ", ".join(f"{p} {v if v is not None else '–'}" for p, v in s["crossed_at_labels"].items())
        print(f"| {rule} | {seed} | {b if b is not None else 'not reached'} | {crossings} |")
for rule, v in sums.items():
    reached = [x for x in v if x is not None]
    mean = sum(reached) / len(reached) if reached else float("nan")
    print(f"{rule}: reached in {len(reached)} of {len(v)} seeds, mean {mean:.1f} labels")
PY
