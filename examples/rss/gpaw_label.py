#!/usr/bin/env python3
"""Labeller script for `pestle rss` (command labeller, docs/exploration.md): reads one structure
from IN.xyz, runs a GPAW PBE plane-wave calculation and writes OUT.xyz with energy, forces, stress
and converged=T/F. Needs ASE and GPAW with PAW setups (Debian: python3-ase, gpaw, gpaw-data).

    gpaw_label.py IN.xyz OUT.xyz [--ecut 350] [--kdensity 3.0] [--smearing 0.1] [--symmetry on|off]

k-points: a Monkhorst-Pack grid with at least `kdensity` points per Å^-1 of reciprocal length
(ASE's kpts={'density': ...}, Γ-centred). --symmetry off (the default) keeps every k-point: no point-group
reduction, only time reversal, so rattled and symmetric cells are treated alike. A structure with one atom in a box larger than 10 Å is
treated as an isolated atom: Γ only and spin polarised (Hund's-rule moment of the free atom).
The calculation's own failures (SCF not converged) give converged=F; pestle then skips the
structure. Exceptions make the script exit non-zero, which pestle records as a failed label."""
import argparse
import sys

import numpy as np
from ase.io import read, write
from ase.calculators.singlepoint import SinglePointCalculator

FREE_ATOM_MOMENT = {"Si": 2.0, "C": 2.0, "Ge": 2.0, "O": 2.0, "H": 1.0}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--ecut", type=float, default=350.0, help="plane-wave cutoff, eV")
    p.add_argument("--kdensity", type=float, default=3.0, help="k-points per reciprocal Å")
    p.add_argument("--smearing", type=float, default=0.1, help="Fermi-Dirac width, eV")
    p.add_argument("--symmetry", choices=["on", "off"], default="off", help="point-group k-point reduction")
    a = p.parse_args()

    from gpaw import GPAW, PW, FermiDirac
    from gpaw.scf import KohnShamConvergenceError

    atoms = read(a.input)
    isolated = len(atoms) == 1 and min(atoms.cell.lengths()) > 10.0
    kw = dict(mode=PW(a.ecut), xc="PBE", occupations=FermiDirac(a.smearing), txt="gpaw.txt")
    if a.symmetry == "off":
        kw["symmetry"] = {"point_group": False}
    if isolated:
        kw["kpts"] = (1, 1, 1)
        kw["spinpol"] = True
        atoms.set_initial_magnetic_moments([FREE_ATOM_MOMENT.get(atoms[0].symbol, 0.0)])
    else:
        kw["kpts"] = {"density": a.kdensity, "gamma": True}
    atoms.calc = GPAW(**kw)
    converged = True
    try:
        energy = atoms.get_potential_energy()
        forces = atoms.get_forces()
        stress = atoms.get_stress()  # Voigt order: ASE's extxyz writer takes stress that way
    except KohnShamConvergenceError:
        converged = False
        energy, forces, stress = np.nan, np.zeros((len(atoms), 3)), np.zeros(6)
    out = atoms.copy()
    out.calc = SinglePointCalculator(out, energy=energy, forces=forces, stress=stress)
    out.info["converged"] = converged
    write(a.output, out, format="extxyz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
