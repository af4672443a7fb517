#!/usr/bin/env python3
"""Unlabelled training and test structures for the ternary B-N-C study (examples/ternary/run.sh).

    make_data.py OUT_DIR [--seed 2026]   ->  OUT_DIR/train.xyz, OUT_DIR/test.xyz (extended XYZ, ASE)

All structures sit on the diamond lattice (8-atom cubic cell, 16-atom 2x1x1, a few 64-atom 2x2x2)
or, for the test set only, on wurtzite. Labels come afterwards from BNC.tersoff (pestle predict).
Every structure has a config_type, the group docs/accuracy.md reports errors for:

  training: alloy (random B/N/C at the compositions TRAIN_COMPOSITIONS, four lattice constants,
            rattled), strained (alloys and ordered phases under a random strain up to 4 %),
            zb_BN / zb_BC / zb_CN (each binary ordered as zincblende), diamond_B / diamond_N /
            diamond_C (the elements), all rattled
  test:     alloy_test (random alloys at compositions absent from training, 64 atoms),
            zb_BN_test / zb_BC_test / zb_CN_test (zincblende, 64 atoms, lattice constants between
            the training ones, other rattles), wz_BN / wz_BC / wz_CN (wurtzite: a stacking the
            fit never sees)

Seeded: the same seed gives byte-identical files.
"""
import argparse
import os

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.io import write

ELEMENTS = ("B", "N", "C")
LATTICE = (3.45, 3.55, 3.65, 3.75)            # Å, diamond/zincblende; BNC.tersoff's minima: c-BN 3.5, C 3.65
TEST_LATTICE = (3.50, 3.60, 3.70)
TRAIN_COMPOSITIONS = ((1, 1, 1), (2, 1, 1), (1, 2, 1), (1, 1, 2), (1, 1, 0), (1, 0, 1), (0, 1, 1), (3, 3, 2))
TEST_COMPOSITIONS = ((5, 2, 3), (2, 5, 3), (3, 2, 5), (4, 4, 1))
BINARIES = (("B", "N"), ("B", "C"), ("C", "N"))


def diamond_cell(a, repeat):
    return bulk("C", "diamond", a=a, cubic=True).repeat(repeat)


def random_species(n, composition, rng):
    """n symbols drawn with probabilities proportional to `composition` (B, N, C)."""
    p = np.array(composition, float) / sum(composition)
    return list(rng.choice(ELEMENTS, size=n, p=p))


def rattled(atoms, rng, sigma):
    atoms = atoms.copy()
    atoms.positions += rng.normal(0.0, sigma, atoms.positions.shape)
    return atoms


def strained(atoms, rng, max_strain=0.04):
    """A random symmetric strain (shears included): the cell becomes triclinic."""
    e = rng.uniform(-max_strain, max_strain, (3, 3))
    e = 0.5 * (e + e.T)
    atoms = atoms.copy()
    atoms.set_cell(atoms.cell[:] @ (np.eye(3) + e), scale_atoms=True)
    return atoms


def tagged(atoms, config_type):
    atoms.info = {"config_type": config_type}
    return atoms


def zincblende(pair, a, repeat):
    return bulk(pair[0] + pair[1], "zincblende", a=a, cubic=True).repeat(repeat)


def training_set(rng):
    frames = []
    for comp in TRAIN_COMPOSITIONS:
        for a in LATTICE:
            for repeat in ((1, 1, 1), (2, 1, 1), (1, 1, 1), (1, 2, 1)):
                s = diamond_cell(a, repeat)
                s.set_chemical_symbols(random_species(len(s), comp, rng))
                frames.append(tagged(rattled(s, rng, rng.uniform(0.05, 0.1)), "alloy"))
        s = diamond_cell(3.6, (2, 2, 2))  # one 64-atom cell per composition
        s.set_chemical_symbols(random_species(len(s), comp, rng))
        frames.append(tagged(rattled(s, rng, 0.07), "alloy"))
    for pair in BINARIES:
        for a in LATTICE:
            for k in range(3):
                frames.append(tagged(rattled(zincblende(pair, a, (1, 1, 1)), rng, 0.05 + 0.025 * k), "zb_" + "".join(pair)))
    for el in ELEMENTS:
        for a in LATTICE:
            for k in range(3):
                s = diamond_cell(a, (1, 1, 1))
                s.set_chemical_symbols([el] * len(s))
                frames.append(tagged(rattled(s, rng, 0.05 + 0.025 * k), "diamond_" + el))
    for k in range(48):  # strained: alloys of the training compositions and the ordered phases
        a = LATTICE[k % len(LATTICE)]
        if k % 3 == 0:
            s = zincblende(BINARIES[(k // 3) % 3], a, (1, 1, 1))
        else:
            s = diamond_cell(a, (1, 1, 1))
            s.set_chemical_symbols(random_species(len(s), TRAIN_COMPOSITIONS[k % len(TRAIN_COMPOSITIONS)], rng))
        frames.append(tagged(rattled(strained(s, rng), rng, 0.05), "strained"))
    return frames


def test_set(rng):
    frames = []
    for comp in TEST_COMPOSITIONS:
        for a in TEST_LATTICE:
            s = diamond_cell(a, (2, 2, 2))
            s.set_chemical_symbols(random_species(len(s), comp, rng))
            frames.append(tagged(rattled(s, rng, 0.07), "alloy_test"))
    for pair in BINARIES:
        name = "".join(pair)
        for a in TEST_LATTICE:
            frames.append(tagged(rattled(zincblende(pair, a, (2, 2, 2)), rng, 0.07), "zb_" + name + "_test"))
            # wurtzite with the same nearest-neighbour distance as zincblende of lattice constant a
            wz = bulk(name, "wurtzite", a=a / np.sqrt(2), c=a / np.sqrt(2) * np.sqrt(8.0 / 3.0)).repeat((2, 2, 2))
            frames.append(tagged(rattled(wz, rng, 0.07), "wz_" + name))
    return frames


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    train = training_set(rng)
    test = test_set(rng)
    for name, frames in (("train", train), ("test", test)):
        path = os.path.join(args.out_dir, name + ".xyz")
        write(path, frames, format="extxyz")
        print(f"{path}: {len(frames)} structures, {sum(len(f) for f in frames)} atoms")


if __name__ == "__main__":
    main()
