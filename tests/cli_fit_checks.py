"""End-to-end checks of `pestle fit`, `errors`, `predict` and `cv` on real Zuo data.

usage: cli_fit_checks.py PESTLE_BINARY TESTS_DIR SCRATCH_DIR
Each check asserts a property that fails if the command misbehaves; the script stops at the
first failure with a message saying which.
"""
import json
import sys
from pathlib import Path

from cli_common import pestle_runner  # tests/cli_common.py, beside this script

pestle, tests, scratch = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
scratch.mkdir(parents=True, exist_ok=True)
zuo = tests.resolve().parent.parent / "shared" / "data" / "zuo2020"
cli = tests / "data" / "cli"


run = pestle_runner(pestle)


model = scratch / "mo_snap.json"
run("fit", cli / "mo_snap.json", "-o", model)
saved = json.loads(model.read_text())
assert saved["model"] == "snap" and saved["descriptor"]["rcutfac"] == 4.6, "model file lacks the hyperparameters"
assert len(saved["coefficients"]["Mo"]) == 31, "linear twojmax-6 SNAP has 1 + 30 coefficients"

# errors --json: the documented keys, and an accuracy a working fit reaches on the test set
errors = json.loads(run("errors", model, zuo / "Mo_test.xyz", "--json").stdout)
for key in ("energy_rmse_meV_per_atom", "energy_mae_meV_per_atom", "force_rmse_eV_per_A", "force_mae_eV_per_A"):
    assert key in errors, f"errors --json lacks {key}"
assert errors["energy_mae_meV_per_atom"] <= errors["energy_rmse_meV_per_atom"]
assert errors["energy_rmse_meV_per_atom"] < 30.0, f"Mo SNAP test energy RMSE {errors['energy_rmse_meV_per_atom']}"
assert errors["force_rmse_eV_per_A"] < 0.6, f"Mo SNAP test force RMSE {errors['force_rmse_eV_per_A']}"

# predict writes the model's own energies and forces: errors of the model against them vanish
predicted = scratch / "mo_predicted.xyz"
run("predict", model, zuo / "Mo_test.xyz", "-o", predicted)
self_errors = json.loads(run("errors", model, predicted, "--json").stdout)
assert self_errors["energy_rmse_meV_per_atom"] < 1e-9, self_errors
assert self_errors["force_rmse_eV_per_A"] < 1e-12, self_errors
assert "energies:R:1" in predicted.read_text().splitlines()[1], "per-atom energies column missing"

# activeset + predict --active-set: gamma per atom, <= 1 (MaxVol's 1e-3 tolerance) on the training atoms
asi = scratch / "mo_snap.asi"
p = run("activeset", model, zuo / "Mo_train.xyz", "-o", asi)
assert json.loads(asi.read_text())["format"] == "pestle-active-set" and "Mo: " in p.stdout, p.stdout
graded = scratch / "mo_train_gamma.xyz"
run("predict", model, zuo / "Mo_train.xyz", "-o", graded, "--active-set", asi)
headers = [l for l in graded.read_text().splitlines() if "max_gamma=" in l]
gammas = [float(l.split("max_gamma=")[1].split()[0]) for l in headers]
assert len(gammas) > 100 and max(gammas) <= 1.001 + 1e-9 and "gamma:R:1" in headers[0], (len(gammas), max(gammas))
p = run("predict", model, zuo / "Mo_test.xyz", "-o", graded, "--active-set", scratch / "missing.asi", expect_ok=False)
assert "cannot open active-set file" in p.stderr, p.stderr

# export to LAMMPS snap files: the coefficient file holds every coefficient of the model
prefix = scratch / "mo_export"
run("export", model, "-o", prefix)
coeff_lines = [l for l in (scratch / "mo_export.snapcoeff").read_text().splitlines() if l.strip() and not l.startswith("#")]
assert coeff_lines[0].split() == ["1", "31"], coeff_lines[0]
assert [float(x) for x in coeff_lines[2:]] == saved["coefficients"]["Mo"], "snapcoeff coefficients differ from the model"
param = (scratch / "mo_export.snapparam").read_text()
assert "twojmax 6" in param and "rcutfac 4.6" in param and "bzeroflag 0" in param, param

# the exported .snap include file evaluates as the model does (pair_style snap), and a model with a
# ZBL "reference" block exports as hybrid/overlay zbl + snap with the same predictions
snap_predicted = scratch / "mo_snap_predicted.xyz"
run("predict", scratch / "mo_export.snap", predicted, "-o", snap_predicted)
same = json.loads(run("errors", model, snap_predicted, "--json").stdout)
assert same["energy_rmse_meV_per_atom"] < 1e-9 and same["force_rmse_eV_per_A"] < 1e-12, same
assert "pair_style snap" in (scratch / "mo_export.snap").read_text()
with_zbl = dict(saved, reference={"zbl": {"inner": 2.5, "outer": 3.0, "elements": ["Mo"]}})
(scratch / "mo_zbl.json").write_text(json.dumps(with_zbl))
run("export", scratch / "mo_zbl.json", "-o", scratch / "mo_zbl")
text = (scratch / "mo_zbl.snap").read_text()
assert "pair_style hybrid/overlay zbl 2.5 3.0 snap" in text and "pair_coeff 1 1 zbl 42.0 42.0" in text, text
zbl_by_model = scratch / "mo_zbl_model.xyz"
run("predict", scratch / "mo_zbl.json", predicted, "-o", zbl_by_model)
same = json.loads(run("errors", scratch / "mo_zbl.snap", zbl_by_model, "--json").stdout)
assert same["energy_rmse_meV_per_atom"] < 1e-9 and same["force_rmse_eV_per_A"] < 1e-12, same
differ = json.loads(run("errors", model, zbl_by_model, "--json").stdout)
assert differ["force_rmse_eV_per_A"] > 1e-4, "the ZBL term changed nothing: no pairs inside 3 Å?"

# -o overrides "output"; a config without either is a usage error
run("fit", cli / "mo_snap.json", expect_ok=False)

# bad configs fail with a message naming the problem
p = run("fit", cli / "unknown_key.json", "-o", scratch / "x.json", expect_ok=False)
assert "unknown key 'wieghts'" in p.stderr, p.stderr
p = run("fit", cli / "odd_twojmax.json", "-o", scratch / "x.json", expect_ok=False)
assert "twojmax must be even" in p.stderr, p.stderr
p = run("errors", scratch / "missing.json", zuo / "Mo_test.xyz", expect_ok=False)
assert "cannot open model file" in p.stderr, p.stderr

# cv picks a setting from the grid and writes a config that fits
tuned = scratch / "mo_tuned.json"
p = run("cv", cli / "mo_snap.json", "--folds", "3", "--rcutfac", "4.4,4.6", "--energy-weights", "100,1000",
        "--ridges", "1e-8", "--write-config", tuned)
assert "<- best" in p.stdout, p.stdout
t = json.loads(tuned.read_text())
assert t["descriptor"]["rcutfac"] in (4.4, 4.6) and t["weights"]["energy"] in (100, 1000)

# cv of a SNAP config with a ZBL reference block scores the fit on the labels minus the term (as fit does)
# and keeps the block in the tuned config; other families' cv refuses the block
zbl_config = json.loads((cli / "mo_snap.json").read_text())
zbl_config["training"] = str((cli / zbl_config["training"]).resolve())
zbl_config["reference"] = {"zbl": {"inner": 2.5, "outer": 3.0, "elements": ["Mo"]}}
(scratch / "mo_snap_zbl.json").write_text(json.dumps(zbl_config))
p = run("cv", scratch / "mo_snap_zbl.json", "--folds", "3", "--energy-weights", "300", "--ridges", "1e-8",
        "--write-config", scratch / "mo_snap_zbl_tuned.json")
assert "minus the ZBL reference" in p.stderr and "<- best" in p.stdout, p.stderr + p.stdout
assert json.loads((scratch / "mo_snap_zbl_tuned.json").read_text())["reference"] == zbl_config["reference"]
gap_zbl = {"model": "gap", "gap": "distance_2b cutoff=4", "training": zbl_config["training"],
           "default_sigma": [0.01, 0.1, 0.1], "reference": zbl_config["reference"]}
(scratch / "gap_zbl.json").write_text(json.dumps(gap_zbl))
p = run("cv", scratch / "gap_zbl.json", expect_ok=False)
assert "SNAP configs only" in p.stderr, p.stderr

# --by-family: Zuo's Mo training file splits into 185 bulk structures and 9 slabs; the balanced
# energy RMSE lies between the family RMSEs and ranks the settings
frame_errors = scratch / "frame_errors.csv"
p = run("cv", cli / "mo_snap.json", "--folds", "3", "--energy-weights", "100,1000", "--ridges", "1e-8", "--by-family",
        "--frame-errors", frame_errors)
assert "bulk 185 slab 9" in p.stderr, p.stderr
rows = [line.split() for line in p.stdout.splitlines()[1:] if line.strip()]
assert len(rows) == 2 and any("<-" in r for r in rows), p.stdout
for r in rows:
    balanced, bulk, slab = float(r[5]), float(r[6]), float(r[7])
    assert min(bulk, slab) <= balanced <= max(bulk, slab), r
    assert abs(balanced ** 2 - (bulk ** 2 + slab ** 2) / 2) < 1e-2 * balanced ** 2, r
# --frame-errors: one held-out error per structure; the slab rows reproduce the best line's slab RMSE
lines = frame_errors.read_text().splitlines()
assert lines[0] == "frame,family,atoms,energy_error_meV_per_atom" and len(lines) == 195, lines[:3]
slab = [float(l.split(",")[3]) for l in lines[1:] if l.split(",")[1] == "slab"]
best = next(r for r in rows if "<-" in r)
assert len(slab) == 9 and abs((sum(e * e for e in slab) / 9) ** 0.5 - float(best[7])) < 2e-3, (slab, best)
p = run("cv", cli / "mo_snap.json", "--by-family", "--bogus", expect_ok=False)

# a "reference" block (ZBL): fitted on top of the term, saved with it, evaluated with it; the
# printed training errors are those of the sum; a GAP cannot carry the block
cfg = json.loads((cli / "mo_snap.json").read_text())
cfg["training"] = str((cli / cfg["training"]).resolve())
cfg["reference"] = {"zbl": {"inner": 1.8, "outer": 2.6, "elements": ["Mo"]}}
(scratch / "mo_zbl.json").write_text(json.dumps(cfg))
zbl_model = scratch / "mo_zbl_model.json"
p = run("fit", scratch / "mo_zbl.json", "-o", zbl_model)
assert "minus the reference term" in p.stderr, p.stderr
saved = json.loads(zbl_model.read_text())
assert saved["reference"]["zbl"]["outer"] == 2.6 and len(saved["reference"]["zbl"]["pairs"]) == 1, saved["reference"]
with_zbl = json.loads(run("errors", zbl_model, zuo / "Mo_test.xyz", "--json").stdout)
assert with_zbl["energy_rmse_meV_per_atom"] < 30.0 and with_zbl["force_rmse_eV_per_A"] < 0.6, with_zbl
saved.pop("reference")
zbl_free = scratch / "mo_zbl_model_without_term.json"
zbl_free.write_text(json.dumps(saved))
without = json.loads(run("errors", zbl_free, zuo / "Mo_test.xyz", "--json").stdout)
assert without["force_rmse_eV_per_A"] != with_zbl["force_rmse_eV_per_A"], "the saved term changes nothing"
gap_cfg = {"model": "gap", "training": cfg["training"], "reference": cfg["reference"]}
(scratch / "gap_zbl.json").write_text(json.dumps(gap_cfg))
p = run("fit", scratch / "gap_zbl.json", "-o", scratch / "gap_zbl.xml", expect_ok=False)
assert "cannot carry one" in p.stderr, p.stderr
print("all CLI fit checks passed")
