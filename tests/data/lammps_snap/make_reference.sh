#!/usr/bin/env bash
# Regenerates the LAMMPS ML-SNAP reference frames of this folder: the published SNAP potentials that
# LAMMPS ships as .snap include files (SNAP overlaid on ZBL), evaluated by LAMMPS itself
# (`include X.snap`, run 0) on rattled multi-element cells with a close pair inside the ZBL range.
#
# usage: bash tests/data/lammps_snap/make_reference.sh LMP      (from the project root)
#   LMP  a LAMMPS binary with ML-SNAP: build/bin/pestle_snap_lmp, which benchmarks/ml_snap_race.sh
#        builds from Debian's lammps source package (Debian's own lmp lacks ML-SNAP).
# Writes <case>.xyz (extended XYZ: energy, virial, forces and per-atom energies from LAMMPS, %.17g).
set -euo pipefail
lmp="$(realpath "$1")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
potentials=/usr/share/lammps/potentials
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export LAMMPS_POTENTIALS="$potentials" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# case | .snap file | lattice | a (Å) | repeats | types | fraction of type 2 | atoms deleted
cases=(
  "ta06a_bcc|Ta06A.snap|bcc|3.316|3|1|0|0"
  "w2940_vacancy|W_2940_2017_2.snap|bcc|3.165|3|1|0|1"
  "wbe_alloy|WBe_Wood_PRB2019.snap|bcc|3.165|3|2|0.3|0"
  "inp_zincblende|InP_JCPA2020.snap|diamond|5.87|2|2|0.5|0"
)
for c in "${cases[@]}"; do
  IFS='|' read -r name snap lattice a n types fraction deleted <<< "$c"
  type2=""
  if [ "$types" = 2 ] && [ "$lattice" = diamond ]; then
    # zincblende: the (1/4,1/4,1/4) sublattice is type 2
    create="create_atoms 1 box basis 5 2 basis 6 2 basis 7 2 basis 8 2"
  else
    create="create_atoms 1 box"
    [ "$types" = 2 ] && type2="set type 1 type/fraction 2 $fraction 4242"
  fi
  delete=""
  [ "$deleted" = 1 ] && delete="group gone id 7
delete_atoms group gone compress no"
  cat > "$work/in.$name" <<IN
units metal
atom_style atomic
atom_modify map array sort 0 0.0
boundary p p p
lattice $lattice $a
region box block 0 $n 0 $n 0 $n
create_box $types box
$create
$type2
$delete
mass * 1.0
# a close pair deep inside the ZBL range: atom 2 pushed toward atom 1 (before the rattle, so that
# neither has been wrapped across the cell)
group pushed id 2
variable dx equal x[1]-x[2]
variable dy equal y[1]-y[2]
variable dz equal z[1]-z[2]
displace_atoms pushed move \$(0.55*v_dx) \$(0.55*v_dy) \$(0.55*v_dz) units box
displace_atoms all random 0.12 0.12 0.12 12345 units box
include $potentials/$snap
neighbor 1.0 bin
compute pe all pe/atom
compute v all pressure NULL virial
thermo_style custom step pe c_v[1] c_v[2] c_v[3] c_v[4] c_v[5] c_v[6]
dump d all custom 1 $name.dump id type x y z fx fy fz c_pe
dump_modify d format float %.17g sort id
run 0
print "RESULT \$(pe:%.17g) \$(c_v[1]:%.17g) \$(c_v[2]:%.17g) \$(c_v[3]:%.17g) \$(c_v[4]:%.17g) \$(c_v[5]:%.17g) \$(c_v[6]:%.17g) \$(vol:%.17g) \$(lx:%.17g) \$(ly:%.17g) \$(lz:%.17g)" file $name.result
IN
  (cd "$work" && "$lmp" -in "in.$name" -log "log.$name" -screen none) || { tail -20 "$work/log.$name"; exit 1; }
  python3 - "$work" "$name" "$snap" "$here/$name.xyz" <<'PY'
import sys
work, name, snap, out = sys.argv[1:]
nktv2p = 1.6021765e6  # LAMMPS's eV/Å³ → bar in metal units
r = open(f"{work}/{name}.result").read().split()
pe = r[1]; p = [float(x) for x in r[2:8]]; vol, lx, ly, lz = (float(x) for x in r[8:12])
w = [x * vol / nktv2p for x in p]  # virial W = Σ r⊗F, eV; LAMMPS order xx yy zz xy xz yz
virial = f"{w[0]!r} {w[3]!r} {w[4]!r} {w[3]!r} {w[1]!r} {w[5]!r} {w[4]!r} {w[5]!r} {w[2]!r}"
lines = open(f"{work}/{name}.dump").read().splitlines()
atoms = lines[lines.index("ITEM: ATOMS id type x y z fx fy fz c_pe") + 1:]
import re
elements = re.search(r"pair_coeff \* \* (?:snap )?\S+ \S+ (.*)", open(f"/usr/share/lammps/potentials/{snap}").read()).group(1).split()
with open(out, "w") as f:
    f.write(f"{len(atoms)}\n")
    f.write(f'Lattice="{lx!r} 0 0 0 {ly!r} 0 0 0 {lz!r}" Properties=species:S:1:pos:R:3:forces:R:3:energies:R:1 '
            f'energy={pe} virial="{virial}" potential={snap} pbc="T T T"\n')
    for a in atoms:
        i, t, *v = a.split()
        f.write(" ".join([elements[int(t) - 1]] + v) + "\n")
PY
  echo "$name: $(head -1 "$here/$name.xyz") atoms, E = $(sed -n 2p "$here/$name.xyz" | sed 's/.*energy=\([^ ]*\).*/\1/') eV"
done
