#!/usr/bin/env python3
"""Cross-check pestle's extended-XYZ reader and writer against ASE.

usage: ase_roundtrip.py EXTXYZ_TOOL WORKDIR

(a) ASE writes frames covering the dialect (triclinic periodic, non-periodic, slab; energy,
    forces, stress; info keys with strings, ints, floats, bools and arrays; extra per-atom
    arrays of every type); pestle reads them (`EXTXYZ_TOOL dump`) and every value is compared.
(b) pestle copies the ASE file with its own writer (`EXTXYZ_TOOL copy`); ASE reads pestle's
    file and must find exactly the values it finds in its own file.
Exit status 0 when everything agrees; a message on stderr otherwise.
"""
import json
import os
import subprocess
import sys

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
import ase.io

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def close(a, b, tol):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b, rtol=0.0, atol=tol)


def voigt_to_full(s):
    xx, yy, zz, yz, xz, xy = s
    return np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])


def make_frames():
    rng = np.random.default_rng(7)
    # 1. periodic triclinic, every label, every info type, extra arrays of every type
    cell = np.array([[5.1, 0.0, 0.0], [0.7, 4.9, 0.0], [-0.4, 0.3, 6.2]])
    a = Atoms("Si2O4", positions=rng.uniform(0, 4, (6, 3)), cell=cell, pbc=True)
    a.set_tags([1, 2, 3, 4, 5, 6])
    a.set_momenta(rng.normal(size=(6, 3)))
    a.new_array("fixed", np.array([True, False, True, False, False, True]))
    a.new_array("site", np.array(["s1", "s2", "s3", "s4", "s5", "s6"], dtype=object))
    a.info.update({
        "config_type": "bulk_quartz",
        "temperature": 300,
        "label": "hello world",
        "flag": True,
        "off": False,
        "scale": 1.2345678901234567,
        "vec": np.array([1.5, -2.25, 3.0]),
        "ivec": np.array([1, 2, 3]),
        "bvec": np.array([True, False, True]),
    })
    stress = rng.normal(scale=0.01, size=6)
    a.calc = SinglePointCalculator(a, energy=-123.456789012345, forces=rng.normal(size=(6, 3)), stress=stress)
    # 2. non-periodic molecule without a cell
    b = Atoms("H2O", positions=[[0.0, 0.0, 0.0], [0.96, 0.0, 0.0], [-0.24, 0.93, 0.0]])
    b.info["config_type"] = "molecule"
    b.calc = SinglePointCalculator(b, energy=-14.25, forces=rng.normal(size=(3, 3)))
    # 3. slab: periodic in x and y only, no labels
    c = Atoms("Cu3", positions=rng.uniform(0, 3, (3, 3)), cell=[[3.6, 0, 0], [1.8, 3.1, 0], [0, 0, 20.0]],
              pbc=[True, True, False])
    c.info["note"] = "slab"
    # a virial as QUIP writes it (ASE keeps it in info as a 3x3 matrix); not symmetric, so the
    # element order of the 9 written values is checked too
    c.info["virial"] = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.5]])
    return [a, b, c]


def compare_pestle_with_ase(frames, dumped):
    check(len(dumped) == len(frames), "frame count %d != %d" % (len(dumped), len(frames)))
    for i, (atoms, d) in enumerate(zip(frames, dumped)):
        tag = "frame %d: " % i
        check(d["numbers"] == list(atoms.numbers), tag + "numbers")
        check(close(d["positions"], atoms.positions, 1e-8), tag + "positions")
        check(close(d["cell"], np.array(atoms.cell), 1e-12), tag + "cell")
        check(d["pbc"] == [bool(x) for x in atoms.pbc], tag + "pbc")
        results = atoms.calc.results if atoms.calc is not None else {}
        if "energy" in results:
            check(d["energy"] is not None and abs(d["energy"] - results["energy"]) < 1e-9, tag + "energy")
        else:
            check(d["energy"] is None, tag + "energy should be absent")
        if "forces" in results:
            check(d["forces"] is not None and close(d["forces"], results["forces"], 1e-8), tag + "forces")
        else:
            check(d["forces"] is None, tag + "forces should be absent")
        if "stress" in results:
            check(d["stress"] is not None and close(d["stress"], voigt_to_full(results["stress"]), 1e-15), tag + "stress")
        else:
            check(d["stress"] is None, tag + "stress should be absent")
        check(d["config_type"] == atoms.info.get("config_type", ""), tag + "config_type")
        if "virial" in atoms.info:
            check(d["virial"] is not None and close(d["virial"], atoms.info["virial"], 0.0), tag + "virial")
        else:
            check(d["virial"] is None, tag + "virial should be absent")
        for key, value in atoms.info.items():
            if key in ("config_type", "virial"):
                continue
            got = d["info"].get(key)
            if isinstance(value, (bool, np.bool_)):
                ok = got is True if value else got is False
                check(ok and d["info_types"][key] == "bool", tag + "info bool " + key)
            elif isinstance(value, (int, np.integer)):
                check(got == value and d["info_types"][key] == "int", tag + "info int " + key)
            elif isinstance(value, float):
                check(got == value and d["info_types"][key] == "real", tag + "info real " + key)
            elif isinstance(value, str):
                check(got == value and d["info_types"][key] == "string", tag + "info string " + key)
            elif isinstance(value, np.ndarray):
                check(got is not None and list(got) == list(value.tolist()), tag + "info array " + key)
                kind = {"b": "bools", "i": "ints", "f": "reals"}[value.dtype.kind]
                check(d["info_types"].get(key) == kind, tag + "info array type " + key)
        for name, array in atoms.arrays.items():
            if name in ("numbers", "positions"):
                continue
            got = d["arrays"].get(name)
            check(got is not None, tag + "array %s missing" % name)
            if got is None:
                continue
            flat = np.asarray(array).reshape(len(atoms), -1)
            check(got["columns"] == flat.shape[1], tag + "array %s columns" % name)
            if flat.dtype.kind == "f":
                check(got["type"] == "R" and close(got["values"], flat.ravel(), 1e-8), tag + "array " + name)
            elif flat.dtype.kind == "i":
                check(got["type"] == "I" and got["values"] == flat.ravel().tolist(), tag + "array " + name)
            elif flat.dtype.kind == "b":
                check(got["type"] == "L" and got["values"] == [int(x) for x in flat.ravel()], tag + "array " + name)
            else:
                check(got["type"] == "S" and got["values"] == [str(x) for x in flat.ravel()], tag + "array " + name)


def compare_ase_reads(mine, theirs):
    """ASE's reading of pestle's file must equal ASE's reading of its own file."""
    check(len(mine) == len(theirs), "ASE reads %d frames from pestle's file, %d from its own" % (len(mine), len(theirs)))
    for i, (m, t) in enumerate(zip(mine, theirs)):
        tag = "pestle-written frame %d: " % i
        check(list(m.numbers) == list(t.numbers), tag + "numbers")
        check(np.array_equal(m.positions, t.positions), tag + "positions")
        check(np.array_equal(np.array(m.cell), np.array(t.cell)), tag + "cell")
        check(list(m.pbc) == list(t.pbc), tag + "pbc")
        rm = m.calc.results if m.calc is not None else {}
        rt = t.calc.results if t.calc is not None else {}
        check(sorted(rm) == sorted(rt), tag + "calculator results %s vs %s" % (sorted(rm), sorted(rt)))
        for key in rt:
            if key in rm:
                check(np.array_equal(np.asarray(rm[key]), np.asarray(rt[key])), tag + "result " + key)
        check(sorted(m.info) == sorted(t.info), tag + "info keys %s vs %s" % (sorted(m.info), sorted(t.info)))
        for key, value in t.info.items():
            if key in m.info:
                check(np.array_equal(np.asarray(m.info[key]), np.asarray(value)), tag + "info " + key)
        check(sorted(m.arrays) == sorted(t.arrays), tag + "arrays %s vs %s" % (sorted(m.arrays), sorted(t.arrays)))
        for key, value in t.arrays.items():
            if key in m.arrays:
                check(np.array_equal(np.asarray(m.arrays[key]), np.asarray(value)), tag + "array " + key)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tool, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    ase_file = os.path.join(workdir, "written_by_ase.xyz")
    pestle_file = os.path.join(workdir, "written_by_pestle.xyz")
    frames = make_frames()
    ase.io.write(ase_file, frames, format="extxyz")

    dumped = json.loads(subprocess.run([tool, "dump", ase_file], check=True, capture_output=True, text=True).stdout)
    compare_pestle_with_ase(frames, dumped)

    subprocess.run([tool, "copy", ase_file, pestle_file], check=True)
    theirs = ase.io.read(ase_file, index=":", format="extxyz")
    mine = ase.io.read(pestle_file, index=":", format="extxyz")
    compare_ase_reads(mine, theirs)
    # and against the original objects, to the precision ASE's own file keeps
    for i, (m, a) in enumerate(zip(mine, frames)):
        check(close(m.positions, a.positions, 1e-8), "pestle-written frame %d: positions vs original" % i)
        if a.calc is not None and "energy" in a.calc.results:
            check(abs(m.get_potential_energy() - a.calc.results["energy"]) < 1e-9, "frame %d: energy vs original" % i)
        if a.calc is not None and "stress" in a.calc.results:
            check(close(m.get_stress(), a.calc.results["stress"], 1e-15), "frame %d: stress vs original" % i)

    if failures:
        for f in failures:
            print("MISMATCH:", f, file=sys.stderr)
        sys.exit(1)
    print("ASE and pestle agree on %d frames (both directions)" % len(frames))


if __name__ == "__main__":
    main()
