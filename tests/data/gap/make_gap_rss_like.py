#!/usr/bin/env python3
"""Writes gap_rss_like.xml: a small GAP XML with the structure of libAtoms/testing-framework's
models/B/gap-rss-test-1/GAP.iter_6.xml (distance_Nb order=2 + distance_Nb order=3 + soap, an old
gap_version so that distance_Nb defaults to compact_clusters=F), but with a handful of made-up
sparse points given inline, so the test needs no sparseX files. Deterministic (seeded)."""
import math
import random

rng = random.Random(2018)


def fmt(x):
    return repr(float(x))


def sparse_block(points, alphas, cutoffs):
    out = []
    for i, (p, a, c) in enumerate(zip(points, alphas, cutoffs), 1):
        out.append(f'      <sparseX i="{i}" alpha="{fmt(a)}" sparseCutoff="{fmt(c)}">'
                   + " ".join(fmt(v) for v in p) + "</sparseX>")
    return "\n".join(out)


def coordinates(label, dims, delta, n_perm, cov, perms, theta, desc, points, alphas, cutoffs, zeta=None):
    attrs = (f'label="{label}" dimensions="{dims}" signal_variance="{fmt(delta)}" signal_mean="0.0" '
             f'sparsified="T" n_permutations="{n_perm}" covariance_type="{cov}"')
    if zeta is not None:
        attrs += f' zeta="{fmt(zeta)}"'
    attrs += f' n_sparseX="{len(points)}"'
    lines = [f"    <gpCoordinates {attrs}>"]
    if theta is not None:
        lines.append("      <theta> " + " ".join(fmt(t) for t in theta) + " </theta>")
    lines.append(f"      <descriptor> {desc}</descriptor>")
    for i, p in enumerate(perms, 1):
        lines.append(f'      <permutation i="{i}">' + " ".join(str(v) for v in p) + "  </permutation>")
    lines.append(sparse_block(points, alphas, cutoffs))
    lines.append("    </gpCoordinates>")
    return "\n".join(lines)


two = [[1.5 + 0.35 * k] for k in range(10)]
three = []
for k in range(8):
    a, b = 1.6 + 0.1 * rng.random(), 1.6 + 0.2 * rng.random()
    ang = math.radians(60 + 60 * rng.random())
    three.append([a, b, math.sqrt(a * a + b * b - 2 * a * b * math.cos(ang))])
soap_dim = 3 * 2 * 3 // 2 * 1 + 1  # (l_max+1) K(K+1)/2 + 1 with l_max=2, K=n_max=2 -> 10
soap = []
for k in range(6):
    v = [abs(rng.gauss(0, 1)) for _ in range(soap_dim - 1)]
    n = math.sqrt(sum(x * x for x in v))
    soap.append([x / n for x in v] + [0.0])

label = "GAP_2018_8_29_-240_17_25_55_151"
e0 = "\n".join(f'    <e0 Z="{z}" value="{fmt(-0.1 if z == 5 else 0.0)}"/>' for z in range(1, 117))
body = "\n".join([
    coordinates(label + "1", 1, 0.2981, 2, 1, [[1], [1]], [0.5],
                "distance_Nb order=2 cutoff=5.0 n_sparse=10 covariance_type=ard_se theta_uniform=0.5 "
                "sparse_method=uniform f0=0.0 delta=0.2981",
                two, [rng.uniform(-2, 2) for _ in two], [1.0] * len(two)),
    coordinates(label + "2", 3, 0.049, 6, 1, [[1, 2, 3], [2, 1, 3], [1, 3, 2], [3, 1, 2], [2, 3, 1], [3, 2, 1]],
                [1.0, 1.0, 1.0],
                "distance_Nb order=3 cutoff=2.6 n_sparse=8 covariance_type=ard_se theta_uniform=1.0 "
                "sparse_method=uniform f0=0.0 delta=0.049",
                three, [rng.uniform(-5, 5) for _ in three], [rng.uniform(0.5, 1.0) for _ in three]),
    coordinates(label + "3", soap_dim, 0.4126, 1, 2, [[1]], None,
                "soap l_max=2 n_max=2 atom_sigma=0.75 zeta=4 cutoff=5.0 cutoff_transition_width=1.0 "
                "central_weight=1.0 n_sparse=6 f0=0.0 covariance_type=dot_product sparse_method=cur_points "
                "print_sparse_index delta=0.4126",
                soap, [rng.uniform(-3, 3) for _ in soap], [1.0] * len(soap), zeta=4),
])
xml = f"""<GAP_rss_like>
<Potential label="GAP_rss_like" init_args="IP GAP label={label}"/>
<GAP_params label="{label}" gap_version="1527620619">
  <GAP_data do_core="F">
{e0}
  </GAP_data>
  <gpSparse label="{label}" n_coordinate="3">
{body}
  </gpSparse>
</GAP_params>
</GAP_rss_like>
"""
with open("gap_rss_like.xml", "w") as f:
    f.write(xml)
