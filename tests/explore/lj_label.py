#!/usr/bin/env python3
"""A stand-in for a DFT code in the command-labeller tests: reads in.xyz (one frame), writes
out.xyz with Lennard-Jones energy, forces and stress (epsilon 0.1 eV, sigma 2.1 A, cutoff 5 A,
unshifted). numpy only; no ASE. An optional third argument makes it misbehave:
crash (exit 3), nan (NaN energy), unconverged (converged=F), hang (sleep forever)."""
import sys
import time

import numpy as np

EPS, SIG, RC = 0.1, 2.1, 5.0


def read_xyz(path):
    lines = open(path).read().splitlines()
    n = int(lines[0])
    head = lines[1]
    lat = head.split('Lattice="')[1].split('"')[0]
    cell = np.array([float(x) for x in lat.split()]).reshape(3, 3)
    symbols, pos = [], []
    for line in lines[2:2 + n]:
        parts = line.split()
        symbols.append(parts[0])
        pos.append([float(x) for x in parts[1:4]])
    return cell, symbols, np.array(pos)


def lj(cell, pos):
    n = len(pos)
    inv = np.linalg.inv(cell)
    reach = [int(np.ceil(RC * np.linalg.norm(inv[:, a]))) + 1 for a in range(3)]
    energy, forces, virial = 0.0, np.zeros((n, 3)), np.zeros((3, 3))
    for i in range(n):
        for j in range(n):
            for a in range(-reach[0], reach[0] + 1):
                for b in range(-reach[1], reach[1] + 1):
                    for c in range(-reach[2], reach[2] + 1):
                        if i == j and a == b == c == 0:
                            continue
                        d = pos[j] + np.array([a, b, c]) @ cell - pos[i]
                        r = np.linalg.norm(d)
                        if r >= RC:
                            continue
                        s6 = (SIG / r) ** 6
                        energy += 0.5 * 4 * EPS * (s6 * s6 - s6)
                        g = 0.5 * 4 * EPS * (-12 * s6 * s6 + 6 * s6) / r * d / r  # dE/dd, half per entry
                        forces[i] += g
                        forces[j] -= g
                        virial -= np.outer(d, g)
    stress = -virial / abs(np.linalg.det(cell))
    return energy, forces, stress


def main():
    inp, out = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else ""
    if mode == "crash":
        print("simulated crash", file=sys.stderr)
        sys.exit(3)
    if mode == "hang":
        time.sleep(1000)
    cell, symbols, pos = read_xyz(inp)
    energy, forces, stress = lj(cell, pos)
    if mode == "nan":
        energy = float("nan")
    conv = "F" if mode == "unconverged" else "T"
    with open(out, "w") as f:
        f.write(f"{len(pos)}\n")
        f.write('Lattice="' + " ".join(f"{x:.17g}" for x in cell.ravel()) + '" pbc="T T T" '
                f"energy={energy:.17g} converged={conv} "
                'stress="' + " ".join(f"{x:.17g}" for x in stress.ravel()) + '" '
                "Properties=species:S:1:pos:R:3:forces:R:3\n")
        for s, p, fo in zip(symbols, pos, forces):
            f.write(f"{s} {p[0]:.17g} {p[1]:.17g} {p[2]:.17g} {fo[0]:.17g} {fo[1]:.17g} {fo[2]:.17g}\n")


if __name__ == "__main__":
    main()
