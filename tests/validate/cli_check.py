"""`pestle validate` end to end (CTest label `validate`).

Usage: cli_check.py PESTLE CONFIG_DIR WORK_DIR SHARED_DIR
Runs the SW-vs-Tersoff config, checks that summary.json, report.md and the SVG plots exist and
parse, checks key figures against Debian lmp's (docs/validation.md), then checks the strict-key and
missing-file errors and a parity run of the Zuo Mo qSNAP model against labelled Zuo test frames.
"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

pestle, config_dir, work, shared = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def close(a, b, rel):
    return abs(a - b) <= rel * abs(b)


def run(config, out):
    return subprocess.run([pestle, "validate", config, "-o", out], capture_output=True, text=True)


# 1. the full SW-vs-Tersoff run
out = os.path.join(work, "sw_vs_tersoff")
r = run(os.path.join(config_dir, "sw_vs_tersoff.json"), out)
check(r.returncode == 0, "SW vs Tersoff run exits 0: " + r.stderr[-300:])
check("pestle validate: potential: elastic strain" in r.stderr, "progress is reported on stderr")
for f in ["summary.json", "report.md", "eos.svg", "phonons.svg", "rdf.svg", "phonons_potential.json", "phonons_reference.json"]:
    check(os.path.isfile(os.path.join(out, f)), f + " written")
for f in ["eos.svg", "phonons.svg", "rdf.svg"]:
    try:
        root = ET.parse(os.path.join(out, f)).getroot()
        check(root.tag.endswith("svg") and len(root) > 3, f + " is an SVG document with content")
    except Exception as e:  # noqa: BLE001
        check(False, f + " parses as XML: " + str(e))
s = json.load(open(os.path.join(out, "summary.json")))
p, ref = s["potential"], s["reference"]
# Debian lmp figures (docs/validation.md): SW a = 5.430950, E = -4.3366, C11/C12/C44 = 151.42/76.42/56.45;
# Tersoff (T2) a = 5.431231, E = -4.630412, C11/C12/C44 = 121.70/85.81/10.31 GPa
check(close(p["equilibrium"]["lattice_constant"], 5.430950, 1e-5), "SW lattice constant")
check(close(p["equilibrium"]["energy_per_atom"], -4.3366, 1e-5), "SW cohesive energy")
check(close(p["elastic"]["C11"], 151.42, 0.01) and close(p["elastic"]["C12"], 76.42, 0.01) and close(p["elastic"]["C44"], 56.45, 0.01), "SW C11, C12, C44")
check(close(p["eos"]["B0_GPa"], (151.42 + 2 * 76.42) / 3, 0.01), "SW Birch-Murnaghan B0")
check(close(ref["equilibrium"]["lattice_constant"], 5.431231, 1e-5), "Tersoff lattice constant")
check(close(ref["equilibrium"]["energy_per_atom"], -4.630412, 1e-5), "Tersoff cohesive energy")
check(close(ref["elastic"]["C11"], 121.70, 0.01) and close(ref["elastic"]["C12"], 85.81, 0.01) and close(ref["elastic"]["C44"], 10.31, 0.01), "Tersoff C11, C12, C44")
check(p["phases"]["diamond"]["E0_relative"] == 0.0 and p["phases"]["fcc"]["E0_relative"] > 0.1, "diamond is SW's lowest phase")
check(abs(p["phonons"]["gamma_THz"][0]) < 1e-3 and abs(p["phonons"]["gamma_THz"][2]) < 1e-3 and p["phonons"]["gamma_THz"][3] > 1, "three zero modes at Γ")
check(close(p["defects"]["vacancy"]["unrelaxed_eV"], 4.3366, 1e-4), "SW unrelaxed vacancy = E_coh")
check(p["stability"]["completed"] and p["stability"]["lost_atoms"] == 0 and p["stability"]["overlapping_pairs"] == 0, "SW stability run clean")
quenched = p["liquid"]["quenched"]
rings = quenched["rings_per_atom"]
# 0.5 ps at 2500 K does not melt 64 SW atoms (measured), so the quenched-structure analyses must see
# diamond again: SOAP-crystalline everywhere, exactly 2 six-rings per atom (2N shortest-path rings in a
# diamond cell) and no other ring, the energy of relaxed diamond
check(quenched["crystalline_fraction"] == 1.0, "re-relaxed crystal is SOAP-crystalline: %r" % quenched["crystalline_fraction"])
check(rings["6"] == 2.0 and sum(v for k, v in rings.items() if k != "6") == 0.0 and set(rings) == {str(n) for n in range(3, 13)},
      "diamond ring statistics: %r" % rings)
check(abs(quenched["energy_above_crystal"]) < 1e-3, "re-relaxed crystal at the crystal's energy: %r" % quenched["energy_above_crystal"])
check(len(quenched["sq_q"]) == len(quenched["sq"]) > 100, "S(Q) of the glass written")
md = open(os.path.join(out, "report.md")).read()
check("| C44 (GPa) | 56.45 | 10.31 |" in md, "report.md holds the C44 row")

# 2. strict keys and missing files
def bad(config, expect, what):
    path = os.path.join(work, "bad.json")
    json.dump(config, open(path, "w"))
    r = run(path, os.path.join(work, "bad_out"))
    check(r.returncode == 1 and expect in r.stderr, what + " -> " + r.stderr.strip()[-200:])


good = json.load(open(os.path.join(config_dir, "sw_vs_tersoff.json")))
c = json.loads(json.dumps(good)); c["tests"]["eos"]["pionts"] = 9
bad(c, "unknown key 'pionts' in tests.eos", "misspelt key is refused")
c = json.loads(json.dumps(good)); c["colour"] = "red"
bad(c, "unknown key 'colour' in the config", "unknown top-level key is refused")
c = json.loads(json.dumps(good)); c["potential"] = "/nonexistent/Si.sw"
bad(c, "does not exist", "missing potential file is refused")
c = json.loads(json.dumps(good)); c["crystal"]["lattice"] = "hcp"
bad(c, "unknown lattice 'hcp'", "unknown lattice is refused")
c = json.loads(json.dumps(good)); c["tests"]["eos"]["points"] = "nine"
bad(c, "wrong type", "mistyped value is refused")

# 3. parity of the Zuo Mo qSNAP model against labelled Zuo test frames
mo = "/usr/share/lammps/potentials/Mo_Zuo_JPCA2020.quadratic.snapcoeff"
path = os.path.join(work, "mo_parity.json")
json.dump({"potential": mo, "reference": os.path.join(shared, "data/zuo2020/Mo_test.xyz"),
           "crystal": {"element": "Mo", "lattice": "bcc", "a": 3.16, "supercell": 2},
           "tests": {"eos": {"points": 7, "volume_range": 0.05}, "parity": {"max_frames": 5}}}, open(path, "w"))
out = os.path.join(work, "mo_parity")
r = run(path, out)
check(r.returncode == 0, "Mo qSNAP parity run exits 0: " + r.stderr[-300:])
if r.returncode == 0:
    s = json.load(open(os.path.join(out, "summary.json")))
    check(s["parity"]["frames"] == 5 and s["parity"]["force_rmse_components"] < 0.5, "parity figures present and sane")
    check(os.path.isfile(os.path.join(out, "parity.svg")), "parity.svg written")
    check(3.1 < s["potential"]["equilibrium"]["lattice_constant"] < 3.2, "Mo qSNAP bcc lattice constant near 3.16 Å")

# 4. pestle survive: a short SW run survives and writes its reports; impossible settings are refused
prefix = os.path.join(work, "survive_sw")
r = subprocess.run([pestle, "survive", "/usr/share/lammps/potentials/Si.sw", "--atoms", "32", "--ps", "0.05",
                    "--runs", "2", "--temperature", "1500", "-o", prefix], capture_output=True, text=True)
check(r.returncode == 0 and "survived 100 %" in r.stdout, "pestle survive on SW Si: " + r.stdout + r.stderr[-300:])
if r.returncode == 0:
    report = json.load(open(prefix + ".json"))
    check(report["survived"] == 1.0 and len(report["runs"]) == 2, "survival JSON holds both runs")
    check("**Survived: 100 %**" in open(prefix + ".md").read(), "survival Markdown report")
r = subprocess.run([pestle, "survive", "/usr/share/lammps/potentials/Si.sw", "--hard-sphere", "4", "-o", prefix],
                   capture_output=True, text=True)
check(r.returncode != 0 and "fill" in r.stderr, "over-packed hard spheres are refused: " + r.stderr[-300:])

print("all validate CLI checks passed" if not failures else f"{len(failures)} validate CLI checks failed")
sys.exit(1 if failures else 0)
