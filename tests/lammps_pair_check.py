#!/usr/bin/env python3
"""pair_style pestle (build/bin/pestle_lmp) against pestle's own evaluation (lammps_reference).

  lammps_pair_check.py compare LMP REF WORKDIR MODEL ELEMENT LATTICE A REPS RATTLE SEED RANKS [TOL]
      energy, per-atom energies, forces and the virial (from the pressure tensor) of one rattled
      periodic cell agree to TOL (default 1e-10) relative. LATTICE: bcc, fcc (cubic cells) or bcc-prim (the
      one-atom primitive cell, triclinic in LAMMPS: a small cell whose atoms see their own images).
  lammps_pair_check.py nve LMP WORKDIR MODEL ELEMENT A REPS STEPS MAX_DRIFT
      NVE run of STEPS × 1 fs from 300 K; the total energy may wander by at most MAX_DRIFT eV/atom.
  lammps_pair_check.py gamma LMP REF PESTLE WORKDIR MODEL TRAIN ELEMENT A REPS RATTLE SEED RANKS
      compute pestle/gamma (pair_style pestle MODEL activeset FILE) against pestle's own grades of the
      same rattled cell (active set from TRAIN by pestle activeset; for a GAP MODEL.xml, TRAIN "-",
      pair_style pestle MODEL.xml variance yes and the GAP's local variance) to 1e-10, the scalar equal to the
      largest per-atom value, and fix halt on that scalar ending an NVE run in a squeezed cell at
      its first check.
  lammps_pair_check.py errors LMP WORKDIR MODEL
      a model file that does not exist and an element the model lacks end in a LAMMPS error
      (exit status 1 and an "ERROR: ... pair_style pestle" message), not a crash.

Prints "LAMMPS pair check passed" on success (the CTest pass expression).
"""
import os
import subprocess
import sys

import numpy as np

# LAMMPS metal units: pressure (bar) = virial (eV) / volume (Å^3) × NKTV2P
NKTV2P = 1.6021765e6
Z = {"Mo": 42, "Cu": 29, "W": 74, "Si": 14, "Ta": 73, "Ni": 28}
MASS = {"Mo": 95.95, "Cu": 63.546, "W": 183.84, "Si": 28.085, "Ta": 180.95, "Ni": 58.693}
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMPI_MCA_rmaps_base_oversubscribe": "1"}


def lammps_cell(cell):
    """Rows a, b, c turned into LAMMPS's lower-triangular form (a along x, b in the xy plane)."""
    a, b, c = cell
    lx = np.linalg.norm(a)
    ahat = a / lx
    xy = b @ ahat
    ly = np.sqrt(b @ b - xy * xy)
    xz = c @ ahat
    yz = (b @ c - xy * xz) / ly
    lz = np.sqrt(c @ c - xz * xz - yz * yz)
    return np.array([[lx, 0, 0], [xy, ly, 0], [xz, yz, lz]])


def make_structure(lattice, a, reps, rattle, seed):
    if lattice == "bcc-prim":
        prim = 0.5 * a * np.array([[-1.0, 1, 1], [1, -1, 1], [1, 1, -1]])
        basis = [np.zeros(3)]
    else:
        prim = a * np.eye(3)
        basis = [np.zeros(3), np.full(3, 0.5)] if lattice == "bcc" else \
            [np.zeros(3), np.array([0.5, 0.5, 0]), np.array([0.5, 0, 0.5]), np.array([0, 0.5, 0.5])]
    frac = []
    for i in range(reps[0]):
        for j in range(reps[1]):
            for k in range(reps[2]):
                for b in basis:
                    frac.append((np.array([i, j, k]) + b) / np.array(reps, dtype=float))
    cell = lammps_cell(prim * np.array(reps, dtype=float)[:, None])
    rng = np.random.default_rng(seed)
    pos = np.array(frac) @ cell + rng.uniform(-rattle, rattle, (len(frac), 3))
    return cell, pos


def write_data(path, cell, pos, element):
    with open(path, "w") as f:
        f.write("pestle test cell\n\n%d atoms\n1 atom types\n\n" % len(pos))
        f.write("0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n" % (cell[0, 0], cell[1, 1], cell[2, 2]))
        f.write("%.17g %.17g %.17g xy xz yz\n\nAtoms # atomic\n\n" % (cell[1, 0], cell[2, 0], cell[2, 1]))
        for i, r in enumerate(pos):
            f.write("%d 1 %.17g %.17g %.17g\n" % (i + 1, r[0], r[1], r[2]))


def run_lammps(lmp, ranks, workdir, script, check=True):
    cmd = [lmp, "-in", script, "-log", os.path.join(workdir, "log.lammps"), "-screen", "none"]
    if ranks > 1:
        cmd = ["mpirun", "--oversubscribe", "-np", str(ranks)] + cmd
    p = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env={**os.environ, **MPI_ENV})
    if check and p.returncode != 0:
        log = open(os.path.join(workdir, "log.lammps")).read() if os.path.exists(os.path.join(workdir, "log.lammps")) else ""
        sys.exit("pestle_lmp failed (%d):\n%s\n%s\n%s" % (p.returncode, p.stdout, p.stderr, log[-3000:]))
    return p


def thermo_rows(log_path, first_column="Step"):
    """The thermo table(s) of a LAMMPS log as lists of floats, with the header names."""
    rows, names, header = [], None, None
    for line in open(log_path):
        words = line.split()
        if words and words[0] == first_column:
            names = header = words
            continue
        if names and len(words) == len(names):
            try:
                rows.append([float(w) for w in words])
            except ValueError:
                names = None
        elif names and words and words[0] == "Loop":
            names = None
    return header, rows


def cutoff_of(workdir):
    """The model cutoff pair_style pestle logged."""
    for line in open(os.path.join(workdir, "log.lammps")):
        if line.startswith("pair_style pestle:") and "cutoff" in line:
            return float(line.split("cutoff")[1].split()[0])
    sys.exit("no cutoff line from pair_style pestle in the log")


def write_cell_files(workdir, cell, pos, element):
    write_data(os.path.join(workdir, "cell.data"), cell, pos, element)
    with open(os.path.join(workdir, "cell.txt"), "w") as f:
        f.write("%d\n" % len(pos))
        for row in cell:
            f.write("%.17g %.17g %.17g\n" % tuple(row))
        for r in pos:
            f.write("%d %.17g %.17g %.17g\n" % (Z[element], r[0], r[1], r[2]))


def compare(lmp, ref, workdir, model, element, lattice, a, reps, rattle, seed, ranks, tol):
    os.makedirs(workdir, exist_ok=True)
    cell, pos = make_structure(lattice, a, reps, rattle, seed)
    write_cell_files(workdir, cell, pos, element)
    script = os.path.join(workdir, "in.compare")
    with open(script, "w") as f:
        f.write(f"""units metal
atom_style atomic
boundary p p p
read_data cell.data
mass 1 {MASS[element]}
pair_style pestle {model}
pair_coeff * * {element}
compute pea all pe/atom
thermo_style custom step pe pxx pyy pzz pxy pxz pyz vol
thermo_modify format float %.17g
dump forces all custom 1 forces.dump id c_pea fx fy fz
dump_modify forces format float %.17g sort id
run 0
""")
    run_lammps(lmp, ranks, workdir, script)
    r = subprocess.run([ref, model, "cell.txt", "reference.txt"], cwd=workdir, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("lammps_reference failed: " + r.stderr)

    lines = open(os.path.join(workdir, "reference.txt")).read().split("\n")
    e_ref = float(lines[0].split()[1])
    w_ref = np.array([float(x) for x in lines[1].split()[1:]])
    per_atom_ref = np.array([[float(x) for x in l.split()] for l in lines[2:] if l.strip()])
    names, rows = thermo_rows(os.path.join(workdir, "log.lammps"))
    th = dict(zip(names, rows[-1]))
    e_lmp = th["PotEng"]
    w_lmp = np.array([th[k] for k in ("Pxx", "Pyy", "Pzz", "Pxy", "Pxz", "Pyz")]) * th["Volume"] / NKTV2P
    dump = open(os.path.join(workdir, "forces.dump")).read().split("ITEM: ATOMS")[-1].split("\n")[1:]
    per_atom_lmp = np.array([[float(x) for x in l.split()[1:]] for l in dump if l.strip()])

    fmax = np.abs(per_atom_ref[:, 1:]).max()
    errors = {
        "energy": abs(e_lmp - e_ref) / abs(e_ref),
        "atom energies": np.abs(per_atom_lmp[:, 0] - per_atom_ref[:, 0]).max() / np.abs(per_atom_ref[:, 0]).max(),
        "forces": np.abs(per_atom_lmp[:, 1:] - per_atom_ref[:, 1:]).max() / fmax,
        # the virial of a few-atom cell is a sum of image terms of size ~ r_cut |F| that largely
        # cancel; their size, not the (small) total, sets the round-off
        "virial": np.abs(w_lmp - w_ref).max() / max(np.abs(w_ref).max(), len(pos) * cutoff_of(workdir) * fmax),
    }
    print("%s %s %s x%s, %d atoms, %d rank(s): E = %.12f eV, max |F| = %.4f eV/A" %
          (os.path.basename(model), element, lattice, reps, len(pos), ranks, e_ref, fmax))
    for k, v in errors.items():
        print("  relative difference %-13s %.3g" % (k, v))
    if fmax < 1e-3:
        sys.exit("forces are all ~0: the cell is not rattled enough for a meaningful check")
    bad = [k for k, v in errors.items() if not v <= tol]
    if bad:
        sys.exit("differences above %g in: %s" % (tol, ", ".join(bad)))


def nve(lmp, workdir, model, element, a, reps, steps, max_drift):
    os.makedirs(workdir, exist_ok=True)
    cell, pos = make_structure("bcc", a, reps, 0.0, 0)
    write_data(os.path.join(workdir, "cell.data"), cell, pos, element)
    script = os.path.join(workdir, "in.nve")
    with open(script, "w") as f:
        f.write(f"""units metal
atom_style atomic
boundary p p p
read_data cell.data
mass 1 {MASS[element]}
pair_style pestle {model}
pair_coeff * * {element}
velocity all create 600.0 4928459 mom yes rot no dist gaussian
timestep 0.001
fix integrate all nve
thermo 50
thermo_style custom step temp pe etotal press
thermo_modify format float %.17g
run {steps}
""")
    run_lammps(lmp, 1, workdir, script)
    names, rows = thermo_rows(os.path.join(workdir, "log.lammps"))
    etot = np.array([r[names.index("TotEng")] for r in rows])
    temp = np.array([r[names.index("Temp")] for r in rows])
    n = len(pos)
    drift = (etot - etot[0]) / n
    print("NVE %d atoms, %d steps of 1 fs: T %.0f-%.0f K, max |E(t) - E(0)| = %.3g eV/atom, E(end) - E(0) = %.3g eV/atom"
          % (n, steps, temp.min(), temp.max(), np.abs(drift).max(), drift[-1]))
    if not temp.max() > 100:
        sys.exit("the system did not move")
    if not np.abs(drift).max() <= max_drift:
        sys.exit("energy drift above %g eV/atom" % max_drift)


def gamma(lmp, ref, pestle, workdir, model, train, element, a, reps, rattle, seed, ranks):
    """γ with an active set from TRAIN; for a GAP (MODEL.xml, TRAIN "-") its local variance instead."""
    os.makedirs(workdir, exist_ok=True)
    gap = model.endswith(".xml")
    asi = "-"  # lammps_reference: no active set (the GAP's variance)
    if not gap:
        asi = os.path.join(workdir, "model.asi")
        r = subprocess.run([pestle, "activeset", model, train, "-o", asi], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("pestle activeset failed: " + r.stderr)
    header = f"""units metal
atom_style atomic
boundary p p p
read_data cell.data
mass 1 {MASS[element]}
pair_style pestle {model} {"variance yes" if gap else "activeset " + asi}
pair_coeff * * {element}
compute gamma all pestle/gamma
"""
    # 1. per-atom γ and its maximum in one rattled cell
    cell, pos = make_structure("bcc", a, reps, rattle, seed)
    write_cell_files(workdir, cell, pos, element)
    script = os.path.join(workdir, "in.gamma")
    with open(script, "w") as f:
        f.write(header + """thermo_style custom step pe c_gamma
thermo_modify format float %.17g
dump grades all custom 1 gamma.dump id c_gamma
dump_modify grades format float %.17g sort id
run 0
""")
    run_lammps(lmp, ranks, workdir, script)
    r = subprocess.run([ref, model, "cell.txt", "reference.txt", asi], cwd=workdir, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("lammps_reference failed: " + r.stderr)
    lines = open(os.path.join(workdir, "reference.txt")).read().split("\n")
    g_ref = np.array([float(l.split()[4]) for l in lines[2:] if l.strip()])
    dump = open(os.path.join(workdir, "gamma.dump")).read().split("ITEM: ATOMS")[-1].split("\n")[1:]
    g_lmp = np.array([float(l.split()[1]) for l in dump if l.strip()])
    names, rows = thermo_rows(os.path.join(workdir, "log.lammps"))
    g_max = dict(zip(names, rows[-1]))["c_gamma"]
    diff = np.abs(g_lmp - g_ref).max() / g_ref.max()
    print("%s %s bcc x%s rattled %.2f A, %d atoms, %d rank(s): max gamma %.6f (pestle %.6f), "
          "per-atom relative difference %.3g" % (os.path.basename(model), element, reps, rattle, len(pos), ranks,
                                                 g_max, g_ref.max(), diff))
    # a GAP variance is δ² − kᵀK⁻¹k ≪ δ²: its round-off is ~1e-16 δ², up to ~1e-11 of the value itself
    tolerance = 1e-9 if gap else 1e-10
    if not (diff <= tolerance and abs(g_max - g_ref.max()) <= tolerance * g_ref.max()):
        sys.exit("compute pestle/gamma differs from pestle's grades")
    if not (g_ref.max() > (1e-6 if gap else 0.1) and g_ref.max() > 1.01 * g_ref.min()):
        sys.exit("the grades are all ~0 or all equal: the check would not notice a wrong value")

    # 2. fix halt: a cell squeezed to 85 % extrapolates at once; the run must stop at the first check
    squeezed, spos = make_structure("bcc", 0.85 * a, reps, 0.0, seed)
    write_cell_files(workdir, squeezed, spos, element)
    r = subprocess.run([ref, model, "cell.txt", "reference.txt", asi], cwd=workdir, capture_output=True, text=True)
    g0 = max(float(l.split()[4]) for l in open(os.path.join(workdir, "reference.txt")).read().split("\n")[2:] if l.strip())
    limit = 0.5 * g0 if gap else max(2.0, 0.5 * g0)
    with open(script, "w") as f:
        f.write(header + f"""variable max_gamma equal c_gamma
velocity all create 300.0 4928459 mom yes rot no dist gaussian
timestep 0.001
fix integrate all nve
fix stop all halt 5 v_max_gamma > {limit} error soft
thermo 5
thermo_style custom step pe c_gamma
run 100
""")
    run_lammps(lmp, ranks, workdir, script)
    log = open(os.path.join(workdir, "log.lammps")).read()
    names, rows = thermo_rows(os.path.join(workdir, "log.lammps"))
    last = int(rows[-1][0])
    print("squeezed cell (max gamma %.3g at step 0): fix halt at gamma > %.3g stopped the 100-step run at step %d"
          % (g0, limit, last))
    if "Fix halt condition" not in log or last != 5:
        sys.exit("fix halt did not stop the run at its first check (step 5)")


def errors(lmp, workdir, model):
    os.makedirs(workdir, exist_ok=True)
    cell, pos = make_structure("bcc", 3.16, (2, 2, 2), 0.0, 0)
    write_data(os.path.join(workdir, "cell.data"), cell, pos, "Mo")
    not_an_active_set = os.path.join(workdir, "not_an_active_set.asi")
    with open(not_an_active_set, "w") as f:
        f.write('{"format": "something else"}')
    gamma = "compute g all pestle/gamma\nthermo_style custom step c_g\n"
    cases = [("missing model", "/nonexistent/model.snapcoeff", "Mo", "", "does not exist"),
             ("element not in the model", model, "Cu", "", "element Cu"),
             ("not an element", model, "Xx", "", "not an element symbol"),
             ("gamma without active set", model, "Mo", gamma, "needs an active set"),
             ("not an active-set file", model + " activeset " + not_an_active_set, "Mo", gamma, "not a pestle active-set file")]
    for name, m, el, extra, expect in cases:
        script = os.path.join(workdir, "in.error")
        with open(script, "w") as f:
            f.write(f"units metal\natom_style atomic\nboundary p p p\nread_data cell.data\nmass 1 95.95\n"
                    f"pair_style pestle {m}\npair_coeff * * {el}\n{extra}run 0\n")
        p = run_lammps(lmp, 1, workdir, script, check=False)
        text = p.stdout + p.stderr + open(os.path.join(workdir, "log.lammps")).read()
        message = [l for l in text.split("\n") if l.startswith("ERROR")]
        print("%-26s exit %d: %s" % (name, p.returncode, message[0] if message else "(no ERROR line)"))
        if p.returncode != 1 or not message or "pestle" not in message[0] or expect not in message[0]:
            sys.exit("expected a LAMMPS error mentioning '%s' and exit status 1" % expect)


def main(argv):
    mode = argv[1]
    if mode == "compare":
        lmp, ref, workdir, model, element, lattice, a, reps, rattle, seed, ranks = argv[2:13]
        tol = float(argv[13]) if len(argv) > 13 else 1e-10
        compare(lmp, ref, workdir, model, element, lattice, float(a), [int(x) for x in reps.split("x")],
                float(rattle), int(seed), int(ranks), tol)
    elif mode == "nve":
        lmp, workdir, model, element, a, reps, steps, max_drift = argv[2:10]
        nve(lmp, workdir, model, element, float(a), [int(x) for x in reps.split("x")], int(steps), float(max_drift))
    elif mode == "gamma":
        lmp, ref, pestle, workdir, model, train, element, a, reps, rattle, seed, ranks = argv[2:14]
        gamma(lmp, ref, pestle, workdir, model, train, element, float(a), [int(x) for x in reps.split("x")],
              float(rattle), int(seed), int(ranks))
    elif mode == "errors":
        errors(argv[2], argv[3], argv[4])
    else:
        sys.exit("unknown mode " + mode)
    print("LAMMPS pair check passed")


if __name__ == "__main__":
    main(sys.argv)
