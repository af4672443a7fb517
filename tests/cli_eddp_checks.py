"""End-to-end checks of the EDDP and datum commands of the CLI: `pestle fit` of a small EDDP ensemble on
Zuo's Si energies, `errors` and `predict --variance` on it (the member spread per atom), `generate --datum`
on a diamond datum (with a relaxation by the built-in Stillinger-Weber file), and bad input.

usage: cli_eddp_checks.py PESTLE_BINARY TESTS_DIR SCRATCH_DIR
"""
import json
import sys
from pathlib import Path

from cli_common import pestle_runner  # tests/cli_common.py, beside this script

pestle, tests, scratch = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
scratch.mkdir(parents=True, exist_ok=True)
shared = tests.resolve().parent.parent / "shared"
zuo = shared / "data" / "zuo2020"


run = pestle_runner(pestle)


def frames(path):
    """(comment line, atom lines) of every frame of a small extended-XYZ file."""
    lines, out, k = Path(path).read_text().splitlines(), [], 0
    while k < len(lines):
        n = int(lines[k])
        out.append((lines[k + 1], lines[k + 2:k + 2 + n]))
        k += 2 + n
    return out


# 1. fit: an EDDP on Zuo's Si energies (small, so it takes seconds), read back by errors
config = {"model": "eddp", "training": [str(zuo / "Si_train.xyz")], "output": "si.eddp.json",
          "features": {"cutoff": 5.0, "two_body": 6, "three_body": 3}, "hidden": [8], "members": 4,
          "max_epochs": 80, "seed": 2}
(scratch / "eddp.json").write_text(json.dumps(config))
run("fit", scratch / "eddp.json")
model = scratch / "si.eddp.json"
document = json.loads(model.read_text())
assert document["model"] == "eddp" and document["species"] == ["Si"], document.keys()
assert 3 <= len(document["members"]) <= 4, len(document["members"])  # NNLS's choice, topped up to spread_members
e = json.loads(run("errors", model, zuo / "Si_test.xyz", "--json").stdout)
assert e["energy_rmse_meV_per_atom"] < 60.0, e  # rough on purpose: energies only, 4 small members

# 2. predict --variance: the member spread per atom and its largest value per frame
run("predict", model, zuo / "Si_test.xyz", "-o", scratch / "pred.xyz", "--variance")
first_comment, first_atoms = frames(scratch / "pred.xyz")[0]
assert "eddp_spread:R:1" in first_comment and "max_eddp_spread=" in first_comment, first_comment
spreads = [float(a.split()[-1]) for a in first_atoms]
assert min(spreads) >= 0.0 and max(spreads) > 0.0, spreads[:5]
p = run("predict", model, zuo / "Si_test.xyz", "-o", scratch / "bad.xyz", "--active-set", "x.asi", expect_ok=False)

# 3. generate --datum: datum-derived Si8 cells, then relaxed with SW; bad compositions refused
datum = scratch / "diamond.xyz"
a = 5.43
basis = [(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0), (.25, .25, .25), (.25, .75, .75), (.75, .25, .75), (.75, .75, .25)]
datum.write_text("8\nLattice=\"%g 0 0 0 %g 0 0 0 %g\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n" % (a, a, a) +
                 "".join("Si %g %g %g\n" % (a * x, a * y, a * z) for x, y, z in basis))
sw = Path("/usr/share/lammps/potentials/Si.sw")
run("generate", "--datum", datum, "--composition", "Si8", "--count", "3", "--seed", "4", "--relax", sw,
    "-o", scratch / "generated.xyz")
generated = frames(scratch / "generated.xyz")
assert len(generated) == 3 and all(len(atoms) == 8 for _, atoms in generated), len(generated)
p = run("generate", "--datum", datum, "--composition", "Ge8", "--count", "1", "-o", scratch / "x.xyz", expect_ok=False)
assert "Ge" in p.stderr, p.stderr
p = run("generate", "--composition", "Si8", "--count", "1", "-o", scratch / "x.xyz", expect_ok=False)
assert "datum" in p.stderr, p.stderr

print("all CLI EDDP checks passed")
