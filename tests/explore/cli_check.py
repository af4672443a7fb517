#!/usr/bin/env python3
"""`pestle rss` end to end on a tiny budget: one iteration, resume to two, interruption (missing
DONE marker) resumes without relabelling, clear errors for bad input.
usage: cli_check.py PESTLE TESTS_EXPLORE_DIR OUT_DIR"""
import json
import os
import shutil
import subprocess
import sys

pestle, here, out = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
config = os.path.join(here, "tiny_rss.json")
run_dir = os.path.join(out, "run")


def run(*args, code=0):
    p = subprocess.run([pestle, "rss", *args], capture_output=True, text=True, timeout=120)
    if p.returncode != code:
        sys.exit(f"pestle rss {' '.join(args)}: exit {p.returncode}, expected {code}\n{p.stdout}\n{p.stderr}")
    return p


def csv_rows():
    with open(os.path.join(run_dir, "log.csv")) as f:
        return [line.rstrip("\n").split(",") for line in f][1:]


p = run(config, "-o", run_dir, "--max-iterations", "1")
assert "iteration 0/0" in p.stderr, p.stderr
assert os.path.exists(os.path.join(run_dir, "iter_000", "DONE"))
assert os.path.exists(os.path.join(run_dir, "model.xml"))
assert len(csv_rows()) == 1

p = run(config, "-o", run_dir, "--max-iterations", "2")
assert "resumed after 1" in p.stdout, p.stdout
assert "labels computed 3," in p.stdout, p.stdout  # only the 3 selected structures of iteration 1
rows = csv_rows()
assert len(rows) == 2 and rows[1][0] == "1", rows
assert int(rows[1][1]) == 13, rows  # 6 random + 1 atom + 3 dimers + 3 selected

# An iteration interrupted after its selection resumes from the saved selection (relaxations run in
# parallel and need not repeat bit for bit), so every label comes from the cache.
assert os.path.exists(os.path.join(run_dir, "iter_001", "selection.json"))
os.remove(os.path.join(run_dir, "iter_001", "DONE"))
p = run(config, "-o", run_dir, "--max-iterations", "2")
assert "reusing the 3 structures selected" in p.stderr, p.stderr
assert "labels computed 0," in p.stdout, p.stdout
assert "resumed after 1" in p.stdout, p.stdout
assert csv_rows() == rows or [r[:10] for r in csv_rows()] == [r[:10] for r in rows], (csv_rows(), rows)

# A fresh search with the final model: nothing left to fit, 4 new relaxations, the lowest labelled.
p = run(config, "-o", run_dir, "--max-iterations", "2", "--final-search", "4")
assert "labels computed 0," in p.stdout, p.stdout  # the loop itself has nothing left to label ...
summary = json.load(open(os.path.join(run_dir, "final_search", "summary.json")))
assert 1 <= summary["relaxed"] <= 4, summary
assert summary["lowest_reference_energy"] is not None, summary  # ... but the lowest minimum is labelled
enthalpies = [float(line.split("enthalpy_per_atom=")[1].split()[0])
              for line in open(os.path.join(run_dir, "final_search", "minima.xyz")) if "enthalpy_per_atom=" in line]
assert len(enthalpies) == summary["relaxed"] and enthalpies == sorted(enthalpies), enthalpies
assert abs(enthalpies[0] - summary["lowest_enthalpy"]) < 1e-6, (enthalpies, summary)
assert "final search:" in p.stdout, p.stdout
p = run(config, "-o", run_dir, "--final-search", "0", code=2)

# The final model against the labeller (examples/rss/ev_labeller_check.py), with `pestle predict` on
# Debian's Stillinger-Weber file standing in for a DFT code: SW against itself agrees exactly, the
# fitted GAP does not, the fresh search's lowest minimum is relabelled, and a rerun resumes.
sw = "/usr/share/lammps/potentials/Si.sw"
check = os.path.join(here, "..", "..", "examples", "rss", "ev_labeller_check.py")
labeller = f"{pestle} predict {sw} {{input}} -o {{output}}"
work = os.path.join(out, "ev")


def ev_check(model, *extra):
    # Debian's python3 (numpy, ASE from scripts/setup.sh), not whichever python3 runs this script
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    q = subprocess.run([python, check, pestle, model, "--command", labeller, "--work", work, *extra],
                       capture_output=True, text=True, timeout=300)
    if q.returncode != 0:
        sys.exit(f"ev_labeller_check.py {model}: exit {q.returncode}\n{q.stdout}\n{q.stderr}")
    return {line.split()[0]: line.split() for line in q.stdout.splitlines() if line.split()}


same = ev_check(sw)
for name in ("diamond", "beta-Sn"):
    assert float(same[name][-1]) == 0.0 and same[name][3] == same[name][4], same[name]
assert abs(float(same["diamond"][1]) - 20.02) < 0.05, same["diamond"]  # SW's diamond V0
fitted = ev_check(os.path.join(run_dir, "model.xml"), "--minima", os.path.join(run_dir, "final_search", "minima.xyz"),
                  "--top", "1")
assert float(fitted["diamond"][-1]) > 0.0, fitted["diamond"]
assert "0" in fitted and abs(float(fitted["0"][4]) - summary["lowest_reference_energy"]) < 1e-4, fitted["0"]
assert len(os.listdir(work)) >= 2 * 7 + 1  # one folder per labelled structure: kept, so a rerun resumes

bad = json.load(open(config))
bad["random_structures"][0]["min_separation"] = 5.0
bad_path = os.path.join(out, "bad.json")
json.dump(bad, open(bad_path, "w"))
p = run(bad_path, "-o", os.path.join(out, "bad"), code=1)
assert "densest packing" in p.stderr, p.stderr
p = run(config, "--max-iterations", "x", code=2)
p = run(code=2)
print("all rss CLI checks passed")
