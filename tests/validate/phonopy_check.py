"""Cross-checks pestle's phonon frequencies against phonopy's on the same force constants.

Usage: phonopy_check.py PHONONS.json
PHONONS.json is written by `pestle validate` (phonons_<tag>.json): the unit cell, its supercell,
pestle's force constants Φ[unit atom][supercell atom][3][3] (eV/Å²), q-points (reduced coordinates
of the unit cell's reciprocal lattice) and pestle's frequencies (THz) there. phonopy (Debian's
python3-phonopy, run with /usr/bin/python3) builds its own supercell; atoms are matched by position.
Agreement: |Δν| ≤ 1e-6·|ν| for |ν| ≥ 1 THz and |Δν| ≤ 1e-6·ν_max below (acoustic modes near Γ,
whose frequencies are square roots of eigenvalues near round-off).
"""
import json
import sys

import numpy as np
from phonopy import Phonopy
from phonopy.structure.atoms import PhonopyAtoms


def main(path):
    d = json.load(open(path))
    uc, sc = d["unit_cell"], d["supercell"]
    cell = np.array(uc["cell"])
    unit = PhonopyAtoms(numbers=uc["numbers"], cell=cell, positions=np.array(uc["positions"]), masses=uc["masses"])
    ph = Phonopy(unit, supercell_matrix=np.diag(d["supercell_multiples"]), primitive_matrix=None)
    our_pos = np.array(sc["positions"])
    our_cell = np.array(sc["cell"])
    inv = np.linalg.inv(our_cell)

    def find(r):  # our supercell atom at Cartesian r (modulo the supercell lattice)
        f = (np.array(our_pos) - r) @ inv
        f -= np.round(f)
        k = np.argmin(np.linalg.norm(f @ our_cell, axis=1))
        assert np.linalg.norm(f[k] @ our_cell) < 1e-6, "no pestle atom at phonopy position"
        return k

    their = ph.supercell.positions
    unit_pos = np.array(uc["positions"])
    phi = np.array(d["force_constants"])
    p2s = ph.primitive.p2s_map
    fc = np.zeros((len(p2s), len(their), 3, 3))
    for p, s0 in enumerate(p2s):
        i = find(their[s0])  # our supercell atom there; in cell 0 it is unit atom i
        i_unit = int(i) % len(unit_pos)
        shift = unit_pos[i_unit] - their[s0]
        for s in range(len(their)):
            fc[p, s] = phi[i_unit][find(their[s] + shift)]
    ph.force_constants = fc
    ours = np.array(d["frequencies_THz"])
    numax = np.abs(ours).max()
    worst = 0.0
    for q, f in zip(d["qpoints_reduced"], ours):
        g = ph.get_frequencies(q)
        scale = np.maximum(np.abs(g), 1.0)
        scale[np.abs(g) < 1.0] = numax
        worst = max(worst, np.max(np.abs(np.sort(g) - np.sort(f)) / scale))
    print(f"{len(ours)} q-points, {ours.shape[1]} modes, largest scaled difference {worst:.3e}")
    if worst > 1e-6:
        print("FAIL: pestle and phonopy disagree")
        return 1
    print("phonopy agreement OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
