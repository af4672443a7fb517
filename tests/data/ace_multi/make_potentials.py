#!/usr/bin/env python3
"""Writes the small hand-made In/P ACE potentials of this folder (README.md): a few rank 1-3 functions
with rotation-invariant c-tilde (Wigner 3j couplings, real coefficients drawn from a fixed seed),
per-bond radial bases, cutoffs and core repulsion, and a rho_core cutoff per element that the close
pairs of make_reference.sh reach.

  InP_mixed.yace   per-element embeddings: In FinnisSinclairShiftedScaled with 2 densities, P
                   FinnisSinclair with 1; bonds ChebExpCos / ChebPow / SBessel / ChebLinear of
                   different sizes (what only .yace can hold)
  InP_shared.yace  one embedding for both elements, one radial base (ChebExpCos), per-bond
                   lambda / rcut / dcut / core repulsion: what the .ace format can hold
  InP_shared.ace   the same potential in .ace spelling, with the older header spellings that
                   ML-PACE's fscanf-based reader accepts (no space after "parameters:", "E0:" ...);
                   no ML-PACE version runs a multi-element .ace file (README.md)
  In_single.ace    a one-element (In) potential in the same older .ace spelling, which ML-PACE runs

usage: python3 tests/data/ace_multi/make_potentials.py     (needs sympy; deterministic)
"""
import itertools
import os
import random

from sympy.physics.wigner import wigner_3j

here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261206)
ELEMENTS = ["In", "P"]


def coefficient():
    return round(rng.uniform(-1.0, 1.0), 6)


def invariant_ms(ls):
    """m-combinations with sum 0 and their generalised Wigner-3j coupling (ranks 1-3)."""
    out = []
    for ms in itertools.product(*[range(-l, l + 1) for l in ls]):
        if sum(ms) != 0:
            continue
        if len(ls) == 1:
            w = 1.0
        elif len(ls) == 2:
            w = (-1) ** (ls[0] - ms[0]) / (2 * ls[0] + 1) ** 0.5
        else:
            w = float(wigner_3j(ls[0], ls[1], ls[2], ms[0], ms[1], ms[2]))
        if w != 0.0:
            out.append((ms, w))
    return out


def functions(mu0, ndensity, nradbase, nradmax, nelements=2):
    """A small basis of element mu0: rank 1 over every neighbour species, a few rank 2 and 3
    (with one element, every mu is 0)."""
    specs = [((mu,), (n,), (0,)) for mu in range(nelements) for n in range(1, nradbase + 1)]
    specs += [((0, 0), (1, 1), (0, 0)), ((0, 1), (1, 2), (1, 1)), ((1, 1), (2, 2), (2, 2)), ((0, 1), (1, 1), (2, 2))]
    specs += [((0, 0, 1), (1, 1, 1), (1, 1, 0)), ((0, 1, 1), (1, 2, 1), (1, 1, 2)), ((1, 1, 1), (1, 1, 2), (2, 2, 2))]
    specs = [(tuple(min(m, nelements - 1) for m in mus), ns, ls) for mus, ns, ls in specs]
    out = []
    for mus, ns, ls in specs:
        assert max(ns) <= (nradbase if len(mus) == 1 else nradmax)
        weights = [coefficient() for _ in range(ndensity)]
        combos = invariant_ms(ls)
        out.append(dict(mu0=mu0, rank=len(mus), ndensity=ndensity, mus=list(mus), ns=list(ns), ls=list(ls),
                        ms=[m for ms, _ in combos for m in ms],
                        ctildes=[w * c for _, w in combos for c in weights], num_ms=len(combos)))
    return out


def crad(nradmax, lmax, nradbase):
    return [[[coefficient() for _ in range(nradbase)] for _ in range(lmax + 1)] for _ in range(nradmax)]


def num(x):
    return repr(float(x))


def flow(v):
    return "[" + ", ".join(num(x) if isinstance(x, float) else str(x) for x in v) + "]"


def yace_text(embeddings, bonds, funcs, e0):
    lines = [f"elements: [{', '.join(ELEMENTS)}]", f"E0: {flow(e0)}", "deltaSplineBins: 0.001", "embeddings:"]
    for i, e in enumerate(embeddings):
        lines.append(f"  {i}: {{ndensity: {e['ndensity']}, FS_parameters: {flow(e['fs'])}, npoti: {e['npoti']}, "
                     f"rho_core_cutoff: {num(e['rho_cut'])}, drho_core_cutoff: {num(e['drho_cut'])}}}")
    lines.append("bonds:")
    for (i, j), b in bonds.items():
        c = "[" + ", ".join("[" + ", ".join(flow(k) for k in n) + "]" for n in b["crad"]) + "]"
        lines.append(f"  [{i}, {j}]: {{nradmax: {b['nradmax']}, lmax: {b['lmax']}, nradbasemax: {b['nradbase']}, "
                     f"radbasename: {b['name']}, radparameters: [{num(b['lambda'])}], radcoefficients: {c}, "
                     f"prehc: {num(b['prehc'])}, lambdahc: {num(b['lambdahc'])}, rcut: {num(b['rcut'])}, dcut: {num(b['dcut'])}, "
                     f"rcut_in: 0, dcut_in: 0, inner_cutoff_type: density}}")
    lines.append("functions:")
    for mu, fs in enumerate(funcs):
        lines.append(f"  {mu}:")
        for f in fs:
            lines.append(f"    - {{mu0: {f['mu0']}, rank: {f['rank']}, ndensity: {f['ndensity']}, num_ms_combs: {f['num_ms']}, "
                         f"mus: {flow(f['mus'])}, ns: {flow(f['ns'])}, ls: {flow(f['ls'])}, ms_combs: {flow(f['ms'])}, "
                         f"ctildes: {flow(f['ctildes'])}}}")
    return "\n".join(lines) + "\n"


def ace_text(embedding, rho_cuts, bonds, funcs, e0, lmax, nradbase, nradmax, elements=ELEMENTS):
    """.ace spelling; several keys glued to their values as older files have them."""
    ne = len(elements)
    pairs = [bonds[(i, j)] for i in range(ne) for j in range(ne)]
    out = ["# hand-made test potential (tests/data/ace_multi/make_potentials.py), older header spellings",
           f"nelements={ne}", f"elements: {' '.join(elements)}", "", f"lmax={lmax}", "",
           f"embedding-function: {embedding['npoti']}",
           f"{len(embedding['fs'])} FS parameters:" + "".join(f" {num(x)}" for x in embedding["fs"]),
           "core energy-cutoff parameters:" + " ".join(f"{num(a)} {num(b)}" for a, b in rho_cuts),
           "E0:" + " ".join(num(x) for x in e0), "",
           "radbasename=ChebExpCos", f"nradbase={nradbase}", f"nradmax={nradmax}",
           f"cutoffmax={num(max(b['rcut'] for b in pairs))}", "deltaSplineBins=0.001",
           "core repulsion parameters:" + "\n".join(f"{num(b['prehc'])} {num(b['lambdahc'])}" for b in pairs),
           "radparameter=" + " ".join(num(b["lambda"]) for b in pairs),
           "cutoff=" + " ".join(num(b["rcut"]) for b in pairs),
           "dcut= " + " ".join(num(b["dcut"]) for b in pairs)]
    values = [b["crad"][n][l][k] for b in pairs for k in range(nradbase) for n in range(nradmax) for l in range(lmax + 1)]
    out.append("crad=" + " ".join(num(x) for x in values))
    rank1 = [[f for f in fs if f["rank"] == 1] for fs in funcs]
    rest = [[f for f in fs if f["rank"] > 1] for fs in funcs]
    out += ["", f"rankmax={max(f['rank'] for fs in funcs for f in fs)}", f"ndensitymax={embedding['ndensity']}", "",
            f"num_c_tilde_max={max(f['num_ms'] for fs in funcs for f in fs)}",
            f"num_ms_combinations_max={max(f['num_ms'] for fs in funcs for f in fs)}"]
    for label, block in (("total_basis_size_rank1", rank1), ("total_basis_size", rest)):
        out.append(f"{label}: " + " ".join(str(len(fs)) for fs in block))
        for fs in block:
            for f in fs:
                r = f["rank"]
                out.append(f"ctilde_basis_func: rank={r} ndens={f['ndensity']} mu0={f['mu0']} mu=( {' '.join(map(str, f['mus']))} )")
                out.append(f"n=( {' '.join(map(str, f['ns']))} ) l=( {' '.join(map(str, f['ls']))} ) num_ms={f['num_ms']}")
                for k in range(f["num_ms"]):
                    ms = f["ms"][k * r:(k + 1) * r]
                    cs = f["ctildes"][k * f["ndensity"]:(k + 1) * f["ndensity"]]
                    out.append(f"<{' '.join(map(str, ms))} >:" + " ".join(num(c) for c in cs))
    return "\n".join(out) + "\n"


def mixed():
    embeddings = [dict(ndensity=2, fs=[1.0, 1.0, 0.8, 0.5], npoti="FinnisSinclairShiftedScaled", rho_cut=3.0, drho_cut=2.8),
                  dict(ndensity=1, fs=[1.2, 0.75], npoti="FinnisSinclair", rho_cut=2.0, drho_cut=1.9)]
    bonds = {(0, 0): dict(name="ChebExpCos", **{"lambda": 5.25}, nradbase=4, nradmax=2, lmax=2, rcut=5.0, dcut=0.05, prehc=100.0, lambdahc=1.0),
             (0, 1): dict(name="ChebPow", **{"lambda": 2.0}, nradbase=3, nradmax=2, lmax=2, rcut=4.6, dcut=0.01, prehc=60.0, lambdahc=1.5),
             (1, 0): dict(name="SBessel", **{"lambda": 1.0}, nradbase=3, nradmax=1, lmax=1, rcut=4.4, dcut=0.01, prehc=60.0, lambdahc=1.5),
             (1, 1): dict(name="ChebLinear", **{"lambda": 1.0}, nradbase=2, nradmax=2, lmax=2, rcut=4.2, dcut=0.01, prehc=40.0, lambdahc=2.0)}
    for b in bonds.values():
        b["crad"] = crad(b["nradmax"], b["lmax"], b["nradbase"])
    funcs = [functions(mu, embeddings[mu]["ndensity"], 4, 2) for mu in (0, 1)]
    return yace_text(embeddings, bonds, funcs, [-1.25, -2.5])


def shared():
    embedding = dict(ndensity=2, fs=[1.0, 1.0, 0.8, 0.5], npoti="FinnisSinclairShiftedScaled")
    rho_cuts = [(3.0, 2.8), (2.0, 1.9)]
    lmax, nradbase, nradmax = 2, 4, 2
    bonds = {(0, 0): dict(**{"lambda": 5.25}, rcut=5.0, dcut=0.05, prehc=100.0, lambdahc=1.0),
             (0, 1): dict(**{"lambda": 3.5}, rcut=4.6, dcut=0.02, prehc=60.0, lambdahc=1.5),
             (1, 0): dict(**{"lambda": 3.0}, rcut=4.4, dcut=0.03, prehc=60.0, lambdahc=1.5),
             (1, 1): dict(**{"lambda": 2.5}, rcut=4.2, dcut=0.01, prehc=40.0, lambdahc=2.0)}
    for b in bonds.values():
        b.update(name="ChebExpCos", nradbase=nradbase, nradmax=nradmax, lmax=lmax, crad=crad(nradmax, lmax, nradbase))
    funcs = [functions(mu, 2, nradbase, nradmax) for mu in (0, 1)]
    e0 = [-1.25, -2.5]
    emb = [dict(embedding, rho_cut=a, drho_cut=b) for a, b in rho_cuts]
    return yace_text(emb, bonds, funcs, e0), ace_text(embedding, rho_cuts, bonds, funcs, e0, lmax, nradbase, nradmax)


def single():
    """One element (In), the .ace spelling that every ML-PACE version runs."""
    embedding = dict(ndensity=2, fs=[1.0, 1.0, 0.8, 0.5], npoti="FinnisSinclairShiftedScaled")
    lmax, nradbase, nradmax = 2, 4, 2
    bond = dict(**{"lambda": 5.25}, rcut=5.0, dcut=0.05, prehc=100.0, lambdahc=1.0, name="ChebExpCos", nradbase=nradbase,
                nradmax=nradmax, lmax=lmax, crad=crad(nradmax, lmax, nradbase))
    funcs = [functions(0, 2, nradbase, nradmax, nelements=1)]
    return ace_text(embedding, [(8.0, 6.0)], {(0, 0): bond}, funcs, [-1.25], lmax, nradbase, nradmax, elements=["In"])


if __name__ == "__main__":
    texts = {"InP_mixed.yace": mixed()}
    texts["InP_shared.yace"], texts["InP_shared.ace"] = shared()
    texts["In_single.ace"] = single()
    for name, text in texts.items():
        with open(os.path.join(here, name), "w") as f:
            f.write(text)
        print(name, len(text), "bytes")
