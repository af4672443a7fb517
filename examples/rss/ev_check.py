#!/usr/bin/env python3
"""Energy-volume check of an RSS-fitted silicon potential against Stillinger-Weber (issue 7, item 7/8).

    /usr/bin/python3 ev_check.py PESTLE RSS_DIR [--reference /usr/share/lammps/potentials/Si.sw]

Builds diamond, beta-Sn, simple hexagonal, bcc and fcc Si with ASE, finds each phase's SW minimum
(lattice scan; c/a of beta-Sn and sh held at 0.5516 and 0.9370), evaluates both potentials with
`pestle predict` at 11 volumes over +-10 % around it, and prints per-phase max |E_model - E_SW|
(meV/atom) and Birch-Murnaghan E0, V0, B0 of both. It also reports the lowest-enthalpy minimum of the last RSS iteration
(RSS_DIR/iter_XXX/lowest.xyz) and its SW energy, and, when `pestle rss --final-search N` has run, the
lowest minima of that fresh search with their SW energies, coordination numbers and bond angles, to
tell whether the lowest one is diamond."""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.io import read, write
from ase.eos import EquationOfState

PHASES = {
    "diamond": lambda a: bulk("Si", "diamond", a=a),
    "beta-Sn": lambda a: Atoms("Si4", cell=[[a, 0, 0], [0, a, 0], [0, 0, 0.5516 * a]],
                               scaled_positions=[[0, 0, 0], [0.5, 0.5, 0.5], [0, 0.5, 0.25], [0.5, 0, 0.75]],
                               pbc=True),
    "sh": lambda a: Atoms("Si", cell=[[a, 0, 0], [-0.5 * a, np.sqrt(3) / 2 * a, 0], [0, 0, 0.9370 * a]], pbc=True),
    "bcc": lambda a: bulk("Si", "bcc", a=a),
    "fcc": lambda a: bulk("Si", "fcc", a=a),
}


def predict(pestle, model, frames, tmp, tag):
    src, dst = os.path.join(tmp, tag + "_in.xyz"), os.path.join(tmp, tag + "_out.xyz")
    write(src, frames, format="extxyz")
    subprocess.run([pestle, "predict", model, src, "-o", dst], check=True, capture_output=True)
    return np.array([a.get_potential_energy() / len(a) for a in read(dst, ":")])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pestle")
    p.add_argument("rss_dir")
    p.add_argument("--reference", default="/usr/share/lammps/potentials/Si.sw")
    a = p.parse_args()
    # the loop writes model.xml (GAP) or model.json (linear ACE)
    model = next((m for m in (os.path.join(a.rss_dir, f) for f in ("model.xml", "model.json")) if os.path.exists(m)), None)
    if model is None:
        sys.exit(f"no model.xml or model.json in {a.rss_dir}")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'phase':8} {'max|dE| meV/at':>15} {'V0 SW':>8} {'V0 fit':>8} {'E0 SW':>9} {'E0 fit':>9} {'B0 SW':>7} {'B0 fit':>7}")
        worst = 0.0
        for name, build in PHASES.items():
            # SW minimum by a coarse-to-fine lattice scan
            a0 = (20.0 * len(build(1.0)) / build(1.0).get_volume()) ** (1 / 3)
            scan = np.linspace(0.8 * a0, 1.25 * a0, 46)
            e = predict(a.pestle, a.reference, [build(x) for x in scan], tmp, name + "_scan")
            a_min = scan[int(np.argmin(e))]
            v_min = build(a_min).get_volume()
            vols = v_min * np.linspace(0.9, 1.1, 11)
            frames = [build(a_min * (v / v_min) ** (1 / 3)) for v in vols]
            e_ref = predict(a.pestle, a.reference, frames, tmp, name + "_ref")
            e_fit = predict(a.pestle, model, frames, tmp, name + "_fit")
            err = 1e3 * np.max(np.abs(e_fit - e_ref))
            worst = max(worst, err)
            n = len(frames[0])
            fits = []
            for e in (e_ref, e_fit):
                try:
                    v0, e0, b0 = EquationOfState(vols / n, e, eos="birchmurnaghan").fit()
                    fits.append((v0, e0, b0 * 160.21766208))
                except Exception:
                    fits.append((float("nan"),) * 3)
            print(f"{name:8} {err:15.1f} {fits[0][0]:8.2f} {fits[1][0]:8.2f} {fits[0][1]:9.4f} {fits[1][1]:9.4f} "
                  f"{fits[0][2]:7.1f} {fits[1][2]:7.1f}")
        print(f"worst E-V error {worst:.1f} meV/atom")
        # the last iteration's lowest minimum was found by RSS with the newest potential but one
        lows = sorted(glob.glob(os.path.join(a.rss_dir, "iter_*", "lowest.xyz")))
        if lows:
            at = read(lows[-1])
            h = at.info.get("enthalpy_per_atom", np.nan)
            e_sw = predict(a.pestle, a.reference, [at], tmp, "lowest")[0]
            e_dia = predict(a.pestle, a.reference, [bulk("Si", "diamond", a=5.431)], tmp, "dia")[0]
            print(f"lowest minimum of the last RSS iteration ({lows[-1]}): {len(at)} atoms, "
                  f"{at.get_volume() / len(at):.2f} A^3/atom, model H {h:.4f} eV/atom, SW E {e_sw:.4f} eV/atom "
                  f"(SW diamond at a = 5.431 A: {e_dia:.4f})")
        final = os.path.join(a.rss_dir, "final_search", "minima.xyz")
        if os.path.exists(final):
            report_final_search(a, read(final, ":"), tmp)
    return 0


def coordination(at, r_cut=2.8):
    """Neighbour counts within r_cut and the bond angles (degrees) at every atom."""
    from ase.neighborlist import neighbor_list
    i, j, d = neighbor_list("ijD", at, r_cut)
    counts = np.bincount(i, minlength=len(at))
    angles = []
    for c in range(len(at)):
        vecs = d[i == c]
        for p in range(len(vecs)):
            for q in range(p + 1, len(vecs)):
                cos = vecs[p] @ vecs[q] / np.linalg.norm(vecs[p]) / np.linalg.norm(vecs[q])
                angles.append(np.degrees(np.arccos(np.clip(cos, -1, 1))))
    return counts, np.array(angles)


def report_final_search(a, minima, tmp):
    """The fresh search of `pestle rss --final-search N`: its lowest minima (model enthalpy order)
    with their SW energies, coordination and bond angles; diamond is 4-fold with all angles 109.47."""
    e_sw = predict(a.pestle, a.reference, minima, tmp, "final")
    print("fresh RSS with the final model (final_search/minima.xyz), lowest first:")
    print(f"{'rank':>4} {'atoms':>5} {'V A^3/at':>9} {'H model':>9} {'E SW':>9} {'coord':>6} {'angles (deg)':>16}")
    for k, (at, e) in enumerate(zip(minima, e_sw)):
        counts, ang = coordination(at)
        span = f"{ang.min():6.1f}-{ang.max():6.1f}" if len(ang) else "-"
        coord = f"{counts.min()}" if counts.min() == counts.max() else f"{counts.min()}-{counts.max()}"
        print(f"{k:4d} {len(at):5d} {at.get_volume() / len(at):9.2f} {at.info.get('enthalpy_per_atom', np.nan):9.4f} "
              f"{e:9.4f} {coord:>6} {span:>16}")


if __name__ == "__main__":
    sys.exit(main())
