#!/usr/bin/env python3
"""The final model of an exploration run against its labeller (a DFT code behind a command): E-V curves
of known silicon phases and the fresh search's minima relabelled (docs/exploration.md, "Phase errors").

    /usr/bin/python3 ev_labeller_check.py PESTLE MODEL --command "CMD {input} {output}" --work DIR
        [--phases diamond beta-Sn] [--points 7] [--range 0.06] [--minima FILE.xyz] [--top 5]

Each phase is built at the loop's built-in lattice constants (explore/phase_errors.hpp: approximate
PBE minima; beta-Sn and sh keep their c/a) and scaled to `points` volumes over +-`range` (a fraction of
the volume). The labeller command runs once per structure in DIR/<tag>/ (in.xyz -> out.xyz, as the
loop's command labeller runs it); a structure whose calculation finished is not recomputed, so an interrupted
check resumes. The model's energies come from `pestle predict`. Printed per phase: Birch-Murnaghan
V0 (A^3/atom), E0 (eV/atom) and B0 (GPa) of the labeller and of the model, the largest |E_model -
E_labeller| over the curve (meV/atom), and the energy of each phase's minimum above the first phase's
(the beta-Sn - diamond difference that decides the pressure of the transition). With --minima, the
`top` lowest structures of that file (e.g. DIR/final_search/minima.xyz) are labelled too and their
model and labeller energies per atom are listed. Exit status 1 when any labelling fails."""
import argparse
import os
import shutil
import subprocess
import sys

import numpy as np
from ase import Atoms
from ase.eos import EquationOfState
from ase.io import read, write

EV_PER_A3_IN_GPA = 160.21766208

# (a, c) of the built-in phases, as in explore/phase_errors.hpp (silicon_phase_lattices)
LATTICES = {"diamond": (5.469, 0.0), "beta-Sn": (4.83, 2.66), "sh": (2.58, 2.43), "bcc": (3.08, 0.0),
            "fcc": (3.87, 0.0), "hcp": (2.715, 4.48), "sc": (2.52, 0.0)}


def phase(name, scale):
    """The phase's unit cell with every length multiplied by `scale`."""
    a, c = (x * scale for x in LATTICES[name])
    cubic = {"diamond": [(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0), (.25, .25, .25), (.25, .75, .75),
                         (.75, .25, .75), (.75, .75, .25)],
             "fcc": [(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0)], "bcc": [(0, 0, 0), (.5, .5, .5)],
             "sc": [(0, 0, 0)]}
    if name in cubic:
        return Atoms("Si%d" % len(cubic[name]), cell=np.eye(3) * a, scaled_positions=cubic[name], pbc=True)
    if name == "beta-Sn":
        return Atoms("Si4", cell=[a, a, c], scaled_positions=[(0, 0, 0), (0, .5, .25), (.5, .5, .5), (.5, 0, .75)],
                     pbc=True)
    hexagonal = [[a, 0, 0], [-a / 2, a * np.sqrt(3) / 2, 0], [0, 0, c]]
    if name == "sh":
        return Atoms("Si", cell=hexagonal, scaled_positions=[(0, 0, 0)], pbc=True)
    return Atoms("Si2", cell=hexagonal, scaled_positions=[(1 / 3, 2 / 3, .25), (2 / 3, 1 / 3, .75)], pbc=True)


def label(command, atoms, folder):
    """Energy per atom from the labeller command, run in `folder` (skipped when it finished before)."""
    out, done = os.path.join(folder, "out.xyz"), os.path.join(folder, "done")
    if not os.path.exists(done):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        # the bare structure: info such as converged=F of a relaxation must not reach the labeller
        bare = Atoms(numbers=atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
        write(os.path.join(folder, "in.xyz"), bare, format="extxyz")
        cmd = command.replace("{input}", "in.xyz").replace("{output}", "out.xyz")
        run = subprocess.run(cmd, shell=True, cwd=folder, capture_output=True, text=True)
        if run.returncode != 0 or not os.path.exists(out):
            raise RuntimeError(f"labeller failed in {folder}: {run.stderr.strip()[-500:]}")
        open(done, "w").write("finished\n")  # written last: out.xyz is complete
    result = read(out)
    if result.info.get("converged", True) is False:
        raise RuntimeError(f"labeller did not converge in {folder}")
    return result.get_potential_energy() / len(result)


def predict(pestle, model, frames, work, tag):
    src, dst = os.path.join(work, tag + "_in.xyz"), os.path.join(work, tag + "_model.xyz")
    write(src, frames, format="extxyz")
    subprocess.run([pestle, "predict", model, src, "-o", dst], check=True, capture_output=True)
    return np.array([a.get_potential_energy() / len(a) for a in read(dst, ":")])


def birch_murnaghan(volumes, energies):
    try:
        v0, e0, b0 = EquationOfState(volumes, energies, eos="birchmurnaghan").fit()
        return v0, e0, b0 * EV_PER_A3_IN_GPA
    except Exception:
        return (float("nan"),) * 3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pestle")
    p.add_argument("model")
    p.add_argument("--command", required=True, help="labeller command with {input} and {output}")
    p.add_argument("--work", required=True, help="folder of the labeller's calculations (kept: a rerun resumes)")
    p.add_argument("--phases", nargs="+", default=["diamond", "beta-Sn"], choices=sorted(LATTICES))
    p.add_argument("--points", type=int, default=7)
    p.add_argument("--range", type=float, default=0.06, help="volumes from (1 - range) V to (1 + range) V")
    p.add_argument("--minima", help="extended XYZ of minima to relabel (lowest first)")
    p.add_argument("--top", type=int, default=5)
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    print(f"{'phase':8} {'V0 lab':>7} {'V0 model':>8} {'E0 lab':>9} {'E0 model':>9} {'B0 lab':>7} {'B0 model':>8} "
          f"{'max|dE| meV/at':>15}")
    minima = {}
    for name in a.phases:
        scales = np.linspace(1 - a.range, 1 + a.range, a.points) ** (1 / 3)
        frames = [phase(name, s) for s in scales]
        n = len(frames[0])
        volumes = np.array([f.get_volume() / n for f in frames])
        e_lab = np.array([label(a.command, f, os.path.join(a.work, f"{name}_{k}")) for k, f in enumerate(frames)])
        e_fit = predict(a.pestle, a.model, frames, a.work, name)
        lab, fit = birch_murnaghan(volumes, e_lab), birch_murnaghan(volumes, e_fit)
        minima[name] = (lab[1], fit[1])
        print(f"{name:8} {lab[0]:7.2f} {fit[0]:8.2f} {lab[1]:9.4f} {fit[1]:9.4f} {lab[2]:7.1f} {fit[2]:8.1f} "
              f"{1e3 * np.max(np.abs(e_fit - e_lab)):15.1f}")
    first = a.phases[0]
    for name in a.phases[1:]:
        d_lab = 1e3 * (minima[name][0] - minima[first][0])
        d_fit = 1e3 * (minima[name][1] - minima[first][1])
        print(f"E0({name}) - E0({first}): labeller {d_lab:.1f} meV/atom, model {d_fit:.1f} meV/atom")
    if a.minima:
        structures = read(a.minima, ":")[: a.top]
        e_fit = predict(a.pestle, a.model, structures, a.work, "minima")
        print(f"{'rank':>4} {'atoms':>5} {'V A^3/at':>9} {'E model':>9} {'E labeller':>10}")
        for k, (s, e) in enumerate(zip(structures, e_fit)):
            e_lab = label(a.command, s, os.path.join(a.work, f"minimum_{k}"))
            print(f"{k:4d} {len(s):5d} {s.get_volume() / len(s):9.2f} {e:9.4f} {e_lab:10.4f}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        sys.exit(str(e))
