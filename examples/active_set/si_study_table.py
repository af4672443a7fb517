#!/usr/bin/env python3
"""Tables of examples/active_set/si_study.sh (docs/exploration.md): labels and validation error of the three
loops, survival of every model, and the a-Si melt-quench of the two continued models against SW.
Usage: si_study_table.py DIR (default si-study)."""
import csv
import json
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "si-study"


def last_row(run):
    with open(os.path.join(out, run, "log.csv")) as f:
        return list(csv.DictReader(f))[-1]


def md_rows(run):
    with open(os.path.join(out, run, "log.csv")) as f:
        return [r for r in csv.DictReader(f) if int(r["md_runs"]) > 0]


def survival(tag):
    s = json.load(open(os.path.join(out, "survival_%s.json" % tag)))
    runs = s["runs"]
    failed = [r for r in runs if not r["survived"]]
    closest = min(r["min_distance"] for r in runs)
    why = "; ".join("run %d: %s at %.2f ps" % (r["run"], r["failure"], r["time_ps"]) for r in failed) or "-"
    return "%d/%d" % (len(runs) - len(failed), len(runs)), closest, why


print("| model | labelled | validation E RMSE (meV/atom) | survived (64 atoms, 3000 K, 10 ps) | closest pair (Å) | failures |")
print("|---|---|---|---|---|---|")
for run, name in [("rss", "README ACE-RSS (16 it.)"), ("rss_plain", "+ 4 plain RSS it."), ("rss_md", "+ 4 RSS + γ-MD it.")]:
    row = last_row(run)
    s, closest, why = survival(run)
    print("| %s | %s | %.2f | %s | %.2f | %s |" % (name, row["labelled_total"], float(row["validation_energy_rmse_meV_per_atom"]),
                                              s, closest, why))
s, closest, why = survival("sw")
print("| SW itself | - | - | %s | %.2f | %s |" % (s, closest, why))

print("\n| γ-MD iteration | runs | stopped above γ_high | candidates | labelled | largest γ |")
print("|---|---|---|---|---|---|")
for r in md_rows("rss_md"):
    print("| %s | %s | %s | %s | %s | %.3g |" % (r["iteration"], r["md_runs"], r["md_stopped"], r["md_candidates"],
                                               r["md_selected"], float(r["md_max_gamma"])))

print("\n| a-Si (216 atoms, 1e14 K/s) | model | SW | difference |")
print("|---|---|---|---|")
for tag in ["plain", "md"]:
    path = os.path.join(out, "amorphous_%s" % tag, "summary.json")
    if not os.path.exists(path):
        continue
    j = json.load(open(path))
    p, r = j["potential"]["liquid"], j["reference"]["liquid"]
    pq, rq = p["quenched"], r["quenched"]
    rows = [("energy above diamond (eV/atom)", pq["energy_above_crystal"], rq["energy_above_crystal"], 4),
            ("mean coordination (2.85 Å)", p["mean_coordination"], r["mean_coordination"], 3),
            ("crystalline fraction", pq["crystalline_fraction"], rq["crystalline_fraction"], 3)]
    rows += [("%s-rings per atom" % n, pq["rings_per_atom"][n], rq["rings_per_atom"][n], 3) for n in ("4", "5", "6", "7", "8")]
    for name, a, b, d in rows:
        print("| %s: %s | %.*f | %.*f | %+.*f |" % (tag, name, d, a, d, b, d, a - b))
