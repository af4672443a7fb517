"""`mpirun -np 2 pestle fit` against the one-rank fit (docs/parallel_fits.md).

usage: cli_mpi_fit_check.py PESTLE_BINARY MPIRUN TESTS_DIR SCRATCH_DIR

Fits at one and at two ranks must give the same coefficients to round-off: SNAP on Zuo's Mo data with
the normal-equation (ridge) and the QR (svd) solver, and a two-species linear ACE on the first 80
structures of FitSNAP's InP training file. Commands that do not share their work refuse to run on two
ranks, and an error on the ranks ends the run instead of leaving it waiting.
"""
import json
import re
import os
import subprocess
import sys
from pathlib import Path

pestle, mpirun, tests, scratch = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
scratch.mkdir(parents=True, exist_ok=True)
shared = tests.resolve().parent.parent / "shared" / "data"
MPI_ENV = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}


def run(ranks, *args, expect_ok=True):
    cmd = [pestle, *map(str, args)]
    if ranks > 1:
        cmd = [mpirun, "--oversubscribe", "-np", str(ranks)] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, env=MPI_ENV, timeout=600)
    if expect_ok and p.returncode != 0:
        sys.exit(f"FAILED ({ranks} ranks): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    if not expect_ok and p.returncode == 0:
        sys.exit(f"FAILED ({ranks} ranks): {' '.join(cmd)} should have failed\n{p.stdout}")
    return p


def coefficients(*paths):
    """The fitted coefficients of each model: a JSON model's, or the alphas of a GAP XML's sparse points."""
    out = []
    for path in paths:
        text = Path(path).read_text()
        if path.suffix == ".xml":
            out.append([float(x) for x in re.findall(r'alpha="([^"]+)"', text)])
            continue
        c = json.loads(text)["coefficients"]
        out.append([x for e in sorted(c) for x in (c[e] if isinstance(c[e], list) else c[e]["values"])])
    return out


def check_same(name, config, data, tolerance, suffix=".json"):
    """Fits at 1 and 2 ranks: coefficients equal to `tolerance` of the largest (None: not compared; an
    ill-conditioned basis amplifies the round-off of a summation order), and the two models' energies
    and forces on the training data equal to round-off."""
    one, two = scratch / f"{name}_1{suffix}", scratch / f"{name}_2{suffix}"
    run(1, "fit", config, "-o", one)
    p = run(2, "fit", config, "-o", two)
    assert "over 2 ranks" in p.stderr, f"{name}: the fit did not report sharing its rows\n{p.stderr}"
    assert p.stdout.count("wrote ") == 1, f"{name}: only rank 0 writes and prints\n{p.stdout}"
    a, b = coefficients(one, two)
    assert len(a) == len(b) and len(a) > 10, (name, len(a), len(b))
    worst = max(abs(x - y) for x, y in zip(a, b)) / max(abs(x) for x in a)
    assert tolerance is None or worst < tolerance, \
        f"{name}: 2-rank coefficients differ from the 1-rank fit by {worst:.2e} of the largest"
    predicted = scratch / f"{name}_2_predicted.xyz"
    run(1, "predict", two, data, "-o", predicted)
    e = json.loads(run(1, "errors", one, predicted, "--json").stdout)
    # round-off of sums taken in another order, seen through the solve: 1e-9 eV/atom, 1e-9 eV/Å here,
    # six orders of magnitude below any fitting error
    assert e["energy_rmse_meV_per_atom"] < 1e-5 and e["force_rmse_eV_per_A"] < 1e-7, f"{name}: predictions differ: {e}"
    print(f"{name}: {len(a)} coefficients, 1 vs 2 ranks: coefficients {worst:.1e} of the largest apart, "
          f"energies {e['energy_rmse_meV_per_atom']:.1e} meV/atom, forces {e['force_rmse_eV_per_A']:.1e} eV/A")


def snap_config(solver):
    c = json.loads((tests / "data" / "cli" / "mo_snap.json").read_text())
    c["training"] = str(shared / "zuo2020" / "Mo_train.xyz")
    c["solver"] = solver
    path = scratch / f"mo_snap_{solver['type']}.json"
    path.write_text(json.dumps(c))
    return path


def first_frames(source, count, target):
    lines, out, at = Path(source).read_text().splitlines(keepends=True), [], 0
    for _ in range(count):
        n = int(lines[at])
        out += lines[at:at + n + 2]
        at += n + 2
    Path(target).write_text("".join(out))
    return target


mo = shared / "zuo2020" / "Mo_train.xyz"
# normal equations square the condition number: their coefficients agree to ~1e-9 (QR: ~1e-14)
check_same("snap_ridge", snap_config({"type": "ridge", "ridge": 1e-8}), mo, 1e-7)
check_same("snap_svd", snap_config({"type": "svd"}), mo, 1e-9)

inp = first_frames(shared / "inp2020" / "InP_train.xyz", 80, scratch / "inp_first80.xyz")
ace = {"model": "ace_linear", "training": [str(inp)],
       "descriptor": {"type": "ace", "elements": ["In", "P"], "cutoff": 5.0, "radial": "ChebExpCos", "lambda": 1.5,
                      "d_cut": 0.5, "ranks": {"1": {"n_max": 6}, "2": {"n_max": 4, "l_max": 2}}},
       "weights": {"energy": 100.0, "force": 1, "per_atom_energy": True},
       "solver": {"type": "ridge", "ridge": 1e-8}}
(scratch / "inp_ace.json").write_text(json.dumps(ace))
check_same("inp_ace_ridge", scratch / "inp_ace.json", inp, None)

gap = json.loads((tests / "data" / "cli" / "mo_gap.json").read_text())
gap["training"] = str(shared / "zuo2020" / "Mo_test.xyz")
(scratch / "mo_gap.json").write_text(json.dumps(gap))
# the GAP system is solved by a truncated SVD (rcond 1e-14) and its alphas move by ~1e-7 of the largest
check_same("mo_gap", scratch / "mo_gap.json", shared / "zuo2020" / "Mo_test.xyz", None, suffix=".xml")


def cv_table(ranks, config, *options):
    """The rows of `pestle cv`'s table (numbers) and the tuned config it writes."""
    tuned = scratch / f"cv_{Path(config).stem}_{ranks}.json"
    p = run(ranks, "cv", config, "--folds", "3", *options, "--write-config", tuned)
    rows = [[float(x) for x in line.split()[:-1] if x != "<-"] for line in p.stdout.splitlines()
            if line.strip() and line.split()[0][0].isdigit()]
    return rows, json.loads(tuned.read_text())


# cross-validation shares its rows over the ranks too: the same table and the same tuned config
for config, options in ((snap_config({"type": "ridge", "ridge": 1e-8}), ("--energy-weights", "10,100", "--ridges", "1e-8,1e-6")),
                        (scratch / "inp_ace.json", ("--energy-weights", "100", "--ridges", "1e-8,1e-6"))):
    one, tuned_one = cv_table(1, config, *options)
    two, tuned_two = cv_table(2, config, *options)
    settings = 4 if "10,100" in options else 2
    assert len(one) == len(two) == settings, (one, two)
    for a, b in zip(one, two):
        assert all(abs(x - y) <= 1e-3 * max(1.0, abs(x)) for x, y in zip(a, b)), (a, b)
    assert tuned_one == tuned_two, (tuned_one, tuned_two)
    print(f"cv over 2 ranks equals 1 rank: {Path(config).name}, {len(one)} settings")
p = run(2, "cv", scratch / "mo_gap.json", "--energy-sigmas", "0.01", expect_ok=False)
assert "a GAP cross-validation runs on one MPI rank" in p.stderr, p.stderr

# the commands and fits that do not share their work refuse to run on two ranks
p = run(2, "info", shared / "zuo2020" / "Mo_test.xyz", expect_ok=False)
assert "only 'pestle fit' and 'pestle cv'" in p.stderr, p.stderr
p = run(2, "fit", tests.parent / "examples" / "zuo2020" / "ace" / "Mo_nonlinear.json", "-o", scratch / "nl.json",
        expect_ok=False)
assert "a nonlinear ACE fit runs on one MPI rank" in p.stderr, p.stderr

# an error on the ranks (a training file that is not there) ends the run, with the message
broken = json.loads(snap_config({"type": "ridge", "ridge": 1e-8}).read_text())
broken["training"] = str(scratch / "missing.xyz")
(scratch / "broken.json").write_text(json.dumps(broken))
p = run(2, "fit", scratch / "broken.json", "-o", scratch / "broken_out.json", expect_ok=False)
assert "missing.xyz" in p.stderr, p.stderr
print("all MPI fit checks passed")
