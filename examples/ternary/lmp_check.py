#!/usr/bin/env python3
"""Scores the ternary test set against Debian's LAMMPS (`lmp`, pair_style tersoff) itself.

    lmp_check.py POTENTIAL ELEMENTS TEST_LABELLED.xyz WORK_DIR [NAME=PREDICTED.xyz ...]

POTENTIAL is a LAMMPS tersoff file, ELEMENTS its pair_coeff element list ("B,N,C"). Each frame of
TEST_LABELLED.xyz (pestle's built-in Tersoff labels from `pestle predict`) is written as a LAMMPS
data file (ASE; triclinic cells are rotated into LAMMPS's frame and forces and stress rotated back),
evaluated by `lmp` with `run 0`, and
  1. pestle's labels are compared with lmp's energy, forces and stress: the worst |diff| / max(1, |lmp|)
     over the set is printed, and the script exits 1 if it exceeds 1e-8;
  2. every NAME=PREDICTED.xyz (a fitted model's `pestle predict` output on the same frames) is scored
     against lmp's numbers: energy RMSE (meV/atom) and force RMSE (eV/Å, per Cartesian component),
     per config_type and overall, as a Markdown table.
"""
import os
import subprocess
import sys

import numpy as np
from ase.calculators.lammps import Prism
from ase.data import atomic_masses, atomic_numbers
from ase.io import read
from ase.io.lammpsdata import write_lammps_data

NKTV2P = 1.6021765e6  # LAMMPS metal units: eV/Å³ -> bar (force->nktv2p), not CODATA's 1.602176634e6


def run_lmp(atoms, potential, elements, work):
    os.makedirs(work, exist_ok=True)
    prism = Prism(atoms.get_cell())
    write_lammps_data(os.path.join(work, "s.data"), atoms, specorder=elements, prismobj=prism, force_skew=True)
    masses = "".join(f"mass {t + 1} {atomic_masses[atomic_numbers[el]]}\n" for t, el in enumerate(elements))
    with open(os.path.join(work, "in.lmp"), "w") as f:
        f.write("units metal\natom_style atomic\natom_modify map array sort 0 0.0\nboundary p p p\nbox tilt large\n"
                f"read_data s.data\n{masses}pair_style tersoff\npair_coeff * * {potential} {' '.join(elements)}\n"
                "compute v all pressure NULL virial\nthermo_style custom step pe c_v[1] c_v[2] c_v[3] c_v[4] c_v[5] c_v[6]\n"
                "dump d all custom 1 f.dump id fx fy fz\ndump_modify d format float %.17g sort id\nrun 0\n"
                'print "$(pe:%.17g) $(c_v[1]:%.17g) $(c_v[2]:%.17g) $(c_v[3]:%.17g) $(c_v[4]:%.17g) '
                '$(c_v[5]:%.17g) $(c_v[6]:%.17g)" file result.txt\n')
    subprocess.run(["lmp", "-in", "in.lmp", "-log", "log.lammps", "-screen", "none"], cwd=work, check=True)
    values = np.loadtxt(os.path.join(work, "result.txt"))
    energy, (pxx, pyy, pzz, pxy, pxz, pyz) = values[0], values[1:]
    forces = np.loadtxt(os.path.join(work, "f.dump"), skiprows=9)[:, 1:4]
    stress = -np.array([[pxx, pxy, pxz], [pxy, pyy, pyz], [pxz, pyz, pzz]]) / NKTV2P
    rot = prism.rot_mat  # LAMMPS frame = ASE frame @ rot
    return energy, forces @ rot.T, rot @ stress @ rot.T


def worst(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.maximum(1.0, np.abs(np.asarray(b)))))


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    potential, elements, labelled, work = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4]
    models = [arg.split("=", 1) for arg in sys.argv[5:]]
    frames = read(labelled, ":")
    lmp = [run_lmp(a, potential, elements, os.path.join(work, f"frame{k:04d}")) for k, a in enumerate(frames)]

    dev = {"energy": 0.0, "forces": 0.0, "stress": 0.0}
    for a, (e, f, s) in zip(frames, lmp):
        dev["energy"] = max(dev["energy"], worst(a.get_potential_energy(), e))
        dev["forces"] = max(dev["forces"], worst(a.get_forces(), f))
        dev["stress"] = max(dev["stress"], worst(a.get_stress(voigt=False), s))
    print(f"pestle Tersoff labels vs lmp on {len(frames)} test structures, worst |diff|/max(1,|lmp|): "
          + ", ".join(f"{k} {v:.1e}" for k, v in dev.items()))

    groups = sorted({a.info.get("config_type", "(none)") for a in frames})
    for name, path in models:
        pred = read(path, ":")
        if len(pred) != len(frames):
            sys.exit(f"{path}: {len(pred)} frames, expected {len(frames)}")
        print(f"\n{name} against lmp ({path})\n\n| group | structures | E RMSE (meV/atom) | F RMSE (eV/Å) |\n|---|---|---|---|")
        for group in groups + ["all"]:
            idx = [k for k, a in enumerate(frames) if group in ("all", a.info.get("config_type", "(none)"))]
            de = [(pred[k].get_potential_energy() - lmp[k][0]) / len(frames[k]) for k in idx]
            df = np.concatenate([(pred[k].get_forces() - lmp[k][1]).ravel() for k in idx])
            print(f"| {group} | {len(idx)} | {1000 * np.sqrt(np.mean(np.square(de))):.2f} | {np.sqrt(np.mean(df ** 2)):.4f} |")
    sys.exit(0 if max(dev.values()) <= 1e-8 else 1)


if __name__ == "__main__":
    main()
