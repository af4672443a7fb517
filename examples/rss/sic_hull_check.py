#!/usr/bin/env python3
"""The SiC study's hull comparison (docs/exploration.md, "SiC on Tersoff").
usage: sic_hull_check.py PESTLE RUN_DIR [TERSOFF_FILE]

Prints, for the variable-composition run in RUN_DIR (after `pestle rss ... --final-search N`):
  1. Tersoff's own hull of the known phases (sic-known.xyz relaxed with Tersoff),
  2. the model's hull of the same known phases (relaxed with the model),
  3. the model's hull of its fresh-search minima (DIR/hull.csv) and Tersoff's energies of them,
  4. the fresh-search minima of each composition relaxed further with Tersoff: what the search found
     (energy, nearest-neighbour coordination), against the known phases.
"""
import csv
import os
import subprocess
import sys

import numpy as np
from ase.io import read
from ase.neighborlist import neighbor_list

pestle, run = sys.argv[1], sys.argv[2]
tersoff = sys.argv[3] if len(sys.argv) > 3 else "/usr/share/lammps/potentials/SiC.tersoff"
here = os.path.dirname(os.path.abspath(__file__))
known = os.path.join(here, "sic-known.xyz")
out = os.path.join(run, "hull_check")
os.makedirs(out, exist_ok=True)


def hull(xyz, model, prefix):
    subprocess.run([pestle, "hull", xyz, "--relax", model, "-o", os.path.join(out, prefix)], check=True,
                   capture_output=True, text=True)
    with open(os.path.join(out, prefix + ".csv")) as f:
        return list(csv.DictReader(f))


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def coordination(atoms):
    """Neighbours of each atom within 1.15 x the sum of covalent-ish radii (C 0.77, Si 1.17 Å)."""
    radius = {"C": 0.77, "Si": 1.17}
    i, j, d = neighbor_list("ijd", atoms, 2.8)
    sym = atoms.get_chemical_symbols()
    counts = np.zeros(len(atoms), int)
    for a, b, r in zip(i, j, d):
        if r < 1.15 * (radius[sym[a]] + radius[sym[b]]):
            counts[a] += 1
    return "".join(sorted(set(f"{s}{c}" for s, c in zip(sym, counts))))


def show(title, table, energy="formation_energy_eV_per_atom"):
    print(title)
    for r in table:
        if r["on_hull"] == "1":
            print(f"  {r['formula']:8s} x_C {float(r['x_C']):.3f}  E/N {float(r['energy_eV_per_atom']):9.4f}  "
                  f"E_f {1000 * float(r[energy]):8.1f} meV/atom  ({r['id']})")


names = [a.info.get("name", str(k)) for k, a in enumerate(read(known, ":"))]
model = os.path.join(run, "model.json")
ref_known = hull(known, tersoff, "tersoff_known")
model_known = hull(known, model, "model_known")
print("known phase              Tersoff E/N   model E/N   (eV/atom; relaxed with each)   E_f Tersoff / model (meV/atom)")
by_id_t = {int(r["id"]): r for r in ref_known}
by_id_m = {int(r["id"]): r for r in model_known}
for k, n in enumerate(names):
    t, m = by_id_t[k], by_id_m[k]
    print(f"  {n:22s} {float(t['energy_eV_per_atom']):10.4f} {float(m['energy_eV_per_atom']):10.4f}"
          f"   {1000 * float(t['formation_energy_eV_per_atom']):8.1f} / {1000 * float(m['formation_energy_eV_per_atom']):8.1f}")
show("Tersoff hull of the known phases:", ref_known)
show("model hull of the known phases:", model_known)
show("model hull of the fresh-search minima (DIR/hull.csv):", rows(os.path.join(run, "hull.csv")))
show("Tersoff energies of the lowest fresh-search minimum per composition (DIR/hull_labeller.csv):",
     rows(os.path.join(run, "hull_labeller.csv")))
found = hull(os.path.join(run, "final_search", "hull_labelled.xyz"), tersoff, "tersoff_found")
relaxed = read(os.path.join(out, "tersoff_found.xyz"), ":")
print("the lowest minimum of each composition, relaxed further with Tersoff:")
frames = {a.info.get("hull_id", str(k)): a for k, a in enumerate(relaxed)}
for r in found:
    coord = coordination(frames[r["id"]])
    print(f"  {r['formula']:8s} E/N {float(r['energy_eV_per_atom']):9.4f}  E_f {1000 * float(r['formation_energy_eV_per_atom']):8.1f}"
          f"  above hull {1000 * float(r['e_above_hull_eV_per_atom']):7.1f} meV/atom  coordination {coord}"
          f"{'  ON HULL' if r['on_hull'] == '1' else ''}")
