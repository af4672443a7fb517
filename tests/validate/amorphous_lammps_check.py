"""Cross-checks pestle's g(r) and MSD (validate/liquid.hpp, validate/amorphous.hpp) against LAMMPS's
`compute rdf` and `compute msd` on the same liquid-silicon trajectory.

Usage: amorphous_lammps_check.py AMORPHOUS_TOOL LMP POTENTIALS_DIR WORKDIR

Debian's LAMMPS runs 216 Si atoms (Stillinger-Weber, POTENTIALS_DIR/Si.sw) from diamond at 3000 K
(Nose-Hoover NVT, 1 fs) for 3 ps, then 2 ps more during which it dumps the wrapped positions every
100 steps (21 frames, %.15g), averages `compute rdf 100 cutoff 5.0` over the last 20 of them (fix
ave/time takes at most Nfreq/Nevery samples) and writes
`compute msd` (one origin, the first dumped frame; image flags) at each. The script turns the dump into
extended XYZ and runs AMORPHOUS_TOOL (tests/amorphous_tool.cpp) on it:
  g(r):  pestle normalises with rho = N/V, LAMMPS with (N-1)/V, so g_LAMMPS = g_pestle * N/(N-1);
         agreement: max |difference| <= 1e-8 over the 100 bins (measured 5e-10).
  MSD:   pestle unwraps the wrapped dump by minimum-image steps between frames; LAMMPS uses image flags;
         agreement: |difference| <= 1e-8 * (1 + MSD) at every frame (measured 3e-10).
  D:     the slope/6 of a least-squares line over 0.5-2 ps, from both MSD curves (same data: <= 1e-6
         relative), printed with pestle's multiple-origin estimate for information.
Prints "amorphous LAMMPS agreement OK" and exits 0 on agreement.
"""
import os
import subprocess
import sys

N_CELLS = 3  # 3x3x3 conventional diamond cells: 216 atoms
DUMP_EVERY = 100
FRAMES = 21
RDF_BINS = 100
RDF_CUT = 5.0

LAMMPS_INPUT = """units metal
atom_style atomic
boundary p p p
lattice diamond 5.431
region box block 0 {n} 0 {n} 0 {n}
create_box 1 box
create_atoms 1 box
mass 1 28.0855
pair_style sw
pair_coeff * * {pot}/Si.sw Si
velocity all create 3000 4928459 mom yes rot yes dist gaussian
timestep 0.001
fix md all nvt temp 3000 3000 0.1
thermo 1000
run 3000
reset_timestep 0
comm_modify cutoff 7.5
compute msd all msd
compute rdf all rdf {bins} cutoff {cut}
fix rdf all ave/time {every} {rdf_frames} {last} c_rdf[*] file rdf.txt mode vector format " %.15g"
fix msd all ave/time {every} 1 {every} c_msd[4] file msd.txt format " %.15g"
dump traj all custom {every} traj.dump id type x y z
dump_modify traj sort id format float %.15g
run {last}
"""


def read_dump(path):
    """Frames of a LAMMPS custom dump: (box lo, box lengths, positions sorted by id)."""
    lines = open(path).read().split("\n")
    frames, i = [], 0
    while i < len(lines):
        if lines[i].startswith("ITEM: TIMESTEP"):
            n = int(lines[i + 3])
            bounds = [list(map(float, lines[i + 5 + k].split()[:2])) for k in range(3)]
            cols = lines[i + 8].split()[2:]
            rows = sorted((lines[i + 9 + k].split() for k in range(n)), key=lambda r: int(r[cols.index("id")]))
            ix = cols.index("x")
            pos = [[float(r[ix + a]) - bounds[a][0] for a in range(3)] for r in rows]
            frames.append(([hi - lo for lo, hi in bounds], pos))
            i += 9 + n
        else:
            i += 1
    return frames


def write_extxyz(frames, path):
    with open(path, "w") as f:
        for lengths, pos in frames:
            f.write(f"{len(pos)}\n")
            f.write('Lattice="{0!r} 0 0 0 {1!r} 0 0 0 {2!r}" Properties=species:S:1:pos:R:3 pbc="T T T"\n'.format(*lengths))
            for r in pos:
                f.write("Si {0!r} {1!r} {2!r}\n".format(*r))


def table(text):
    return [list(map(float, l.split())) for l in text.splitlines() if l.strip() and not l.startswith("#")]


def ave_time_rows(path):
    """Data rows of a fix ave/time file (comment lines start with #; vector mode has a header row per block)."""
    rows = [l.split() for l in open(path) if l.strip() and not l.startswith("#")]
    return rows


def fit_d(t, msd, t0, t1):
    pts = [(a, b) for a, b in zip(t, msd) if t0 <= a <= t1]
    n = len(pts)
    tm = sum(a for a, _ in pts) / n
    mm = sum(b for _, b in pts) / n
    slope = sum((a - tm) * (b - mm) for a, b in pts) / sum((a - tm) ** 2 for a, _ in pts)
    return slope / 6.0


def main(tool, lmp, potentials, work):
    os.makedirs(work, exist_ok=True)
    last = DUMP_EVERY * (FRAMES - 1)
    with open(os.path.join(work, "in.liquid"), "w") as f:
        f.write(LAMMPS_INPUT.format(n=N_CELLS, pot=potentials, bins=RDF_BINS, cut=RDF_CUT, every=DUMP_EVERY,
                                    frames=FRAMES, rdf_frames=FRAMES - 1, last=last))
    subprocess.run([lmp, "-in", "in.liquid", "-log", "log.lammps", "-screen", "none"], cwd=work, check=True)
    frames = read_dump(os.path.join(work, "traj.dump"))
    assert len(frames) == FRAMES, f"expected {FRAMES} frames, the dump has {len(frames)}"
    natoms = len(frames[0][1])
    xyz = os.path.join(work, "traj.xyz")
    write_extxyz(frames, xyz)
    ok = True

    # g(r)
    # fix ave/time averages at most Nfreq/Nevery steps: the 20 frames after the first
    xyz_rdf = os.path.join(work, "traj_rdf.xyz")
    write_extxyz(frames[1:], xyz_rdf)
    ours = table(subprocess.run([tool, "rdf", xyz_rdf, str(RDF_CUT), str(RDF_BINS)], check=True, capture_output=True,
                                text=True).stdout)
    rows = ave_time_rows(os.path.join(work, "rdf.txt"))
    theirs = [list(map(float, r)) for r in rows if len(r) >= 3]  # bin r g(r) coord
    assert len(theirs) == RDF_BINS, f"rdf.txt: {len(theirs)} rows"
    worst_r = max(abs(o[0] - t[1]) for o, t in zip(ours, theirs))
    worst_g = max(abs(o[1] * natoms / (natoms - 1) - t[2]) for o, t in zip(ours, theirs))
    peak = max(theirs, key=lambda t: t[2])
    print(f"g(r): {RDF_BINS} bins to {RDF_CUT} A over {FRAMES - 1} frames, first peak {peak[2]:.4f} at {peak[1]:.3f} A; "
          f"max |g_LAMMPS - g_pestle N/(N-1)| = {worst_g:.3e}, bin centres differ by <= {worst_r:.1e} A")
    ok &= worst_g <= 1e-8 and worst_r <= 1e-9

    # MSD
    ours = table(subprocess.run([tool, "msd", xyz, str(DUMP_EVERY)], check=True, capture_output=True,
                                text=True).stdout)
    theirs = [list(map(float, r)) for r in ave_time_rows(os.path.join(work, "msd.txt"))]  # step msd
    assert len(theirs) == FRAMES and len(ours) == FRAMES, "MSD: frame counts differ"
    worst_m = max(abs(o[1] - t[1]) / (1.0 + t[1]) for o, t in zip(ours, theirs))
    print(f"MSD: {FRAMES} frames, final {theirs[-1][1]:.4f} A^2 (LAMMPS) vs {ours[-1][1]:.4f} A^2 (pestle); "
          f"max |difference|/(1 + MSD) = {worst_m:.3e}")
    ok &= worst_m <= 1e-8 and all(abs(o[0] - t[0]) < 1e-9 for o, t in zip(ours, theirs))

    # D over 0.5-2 ps (times in fs)
    t = [o[0] for o in ours]
    d_ours = fit_d(t, [o[1] for o in ours], 500.0, 2000.0)
    d_theirs = fit_d(t, [r[1] for r in theirs], 500.0, 2000.0)
    multi = table(subprocess.run([tool, "msd", xyz, str(DUMP_EVERY), "1"], check=True, capture_output=True,
                                 text=True).stdout)
    d_multi = fit_d(t, [o[1] for o in multi], 500.0, 2000.0)
    print(f"D (0.5-2 ps): pestle {d_ours * 0.1:.4e} cm^2/s, from LAMMPS's MSD {d_theirs * 0.1:.4e} cm^2/s; "
          f"pestle with every frame as an origin {d_multi * 0.1:.4e} cm^2/s")
    ok &= abs(d_ours - d_theirs) <= 1e-6 * abs(d_theirs)

    if ok:
        print("amorphous LAMMPS agreement OK")
        return 0
    print("amorphous LAMMPS agreement FAILED")
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
