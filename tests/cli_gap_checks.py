"""End-to-end checks of the GAP side of the CLI: `errors` on QUIP's Mo GAP XML, `describe` against
QUIP's SOAP reference CSVs, a small `fit` of a 2b + SOAP GAP written as XML and read back, and bad input.

usage: cli_gap_checks.py PESTLE_BINARY TESTS_DIR SCRATCH_DIR
"""
import csv
import json
import sys
from pathlib import Path

from cli_common import pestle_runner  # tests/cli_common.py, beside this script

pestle, tests, scratch = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
scratch.mkdir(parents=True, exist_ok=True)
shared = tests.resolve().parent.parent / "shared"
quip = shared / "data" / "reference" / "quip-gap"
zuo = shared / "data" / "zuo2020"


run = pestle_runner(pestle)


# 1. errors on QUIP's Mo GAP reproduce the reference README's test RMSEs
e = json.loads(run("errors", quip / "gap" / "Mo_gap.xml", zuo / "Mo_test.xyz", "--json").stdout)
assert abs(e["energy_rmse_meV_per_atom"] - 4.528) < 5e-4, e
assert abs(e["force_rmse_eV_per_A"] - 0.1796) < 5e-5, e


# 2. describe writes QUIP's CSV layout and numbers (values and gradients)
def read_rows(path, keys):
    with open(path) as f:
        lines = [l for l in f if not l.startswith("#")]
    rows = list(csv.reader(lines))
    header, body = rows[0], rows[1:]
    return header, {tuple(r[:keys]): [float(x) for x in r[keys:]] for r in body}


string = "soap cutoff=5.2 cutoff_transition_width=0.5 n_max=4 l_max=3 atom_sigma=0.5"
out = scratch / "mo2.desc.csv"
run("describe", string, quip / "soap" / "bcc_Mo_2atom_rattled.xyz", "-o", out, "--gradients")
for kind, keys in (("desc", 2), ("grad", 5)):
    ref_header, ref = read_rows(quip / "soap" / f"bcc_Mo_2atom_rattled.soap_n4l3.{kind}.csv", keys)
    got_header, got = read_rows(scratch / f"mo2.{kind}.csv", keys)
    assert got_header == ref_header, f"{kind} header differs"
    for key, values in ref.items():
        assert key in got, f"{kind}: row {key} missing"
        worst = max(abs(a - b) for a, b in zip(values, got[key]))
        assert worst < 1e-10, f"{kind} row {key}: differs by {worst}"
first = (scratch / "mo2.desc.csv").read_text().splitlines()[3].split(",")[2]
assert first.startswith("+") and first[-5] == "E" and len(first) == 24, f"number format {first}"
run("describe", "soap_turbo cutoff=5", quip / "soap" / "bcc_Mo_2atom_rattled.xyz", "-o", out, expect_ok=False)

# 3. a small GAP fit, written as QUIP XML, read back by errors and predict
model = scratch / "mo_gap.xml"
fit = run("fit", tests / "data" / "cli" / "mo_gap.json", "-o", model)
assert model.exists() and "wrote" in fit.stdout, fit.stdout
e = json.loads(run("errors", model, zuo / "Mo_test.xyz", "--json").stdout)
assert e["energy_rmse_meV_per_atom"] < 5.0 and e["force_rmse_eV_per_A"] < 0.5, e
run("predict", model, zuo / "Mo_test.xyz", "-o", scratch / "pred.xyz")
assert "energy=" in (scratch / "pred.xyz").read_text()[:2000]

# 3b. cv on the same config: a σ grid scored by 3-fold cross-validation; the tuned config is a valid
# fit config whose default_sigma is the best grid point
cv_config = scratch / "mo_gap_cv.json"
cv = run("cv", tests / "data" / "cli" / "mo_gap.json", "--folds", "3", "--energy-sigmas", "0.001,0.01",
         "--force-sigmas", "0.05,0.2", "--write-config", cv_config)
rows = [line.split() for line in cv.stdout.splitlines() if line.split() and line.split()[0][0].isdigit()]
assert len(rows) == 4, cv.stdout
best = [r for r in rows if r[-1] == "best"]
assert len(best) == 1, cv.stdout
tuned = json.loads(cv_config.read_text())["default_sigma"]
assert abs(tuned[0] - float(best[0][0])) < 1e-12 and abs(tuned[1] - float(best[0][1])) < 1e-12, (tuned, best)
assert len({r[4] for r in rows}) > 1, "different σ must give different force errors: " + cv.stdout
bad = run("cv", tests / "data" / "cli" / "mo_gap.json", "--ridges", "1e-6", expect_ok=False)
assert "SNAP options" in bad.stderr, bad.stderr

# 4. convert: GAP XML -> XML gives identical predictions; a SNAP file -> pestle JSON; refusals
conv = scratch / "converted.xml"
run("convert", quip / "gap" / "Mo_gap.xml", conv)
a = json.loads(run("errors", conv, zuo / "Mo_test.xyz", "--json").stdout)
assert abs(a["energy_rmse_meV_per_atom"] - 4.528) < 5e-4 and abs(a["force_rmse_eV_per_A"] - 0.1796) < 5e-5, a
run("convert", "/usr/share/lammps/potentials/Mo_Zuo_JPCA2020.quadratic.snapcoeff", scratch / "mo_qsnap.json")
assert json.loads((scratch / "mo_qsnap.json").read_text())["model"] == "qsnap"
bad = run("convert", quip / "gap" / "Mo_gap.xml", scratch / "gap.json", expect_ok=False)
assert "cannot write a gap model" in bad.stderr, bad.stderr

# 5. bad input: a GAP written to .json, a missing model, an unknown model kind
bad = run("fit", tests / "data" / "cli" / "mo_gap.json", "-o", scratch / "mo_gap.json", expect_ok=False)
assert ".xml" in bad.stderr, bad.stderr
bad = run("errors", scratch / "missing.xml", zuo / "Mo_test.xyz", expect_ok=False)
assert "does not exist" in bad.stderr, bad.stderr
(scratch / "model.txt").write_text("hello\n")
bad = run("errors", scratch / "model.txt", zuo / "Mo_test.xyz", expect_ok=False)
assert "unknown model file type" in bad.stderr, bad.stderr
print("all CLI GAP checks passed")
