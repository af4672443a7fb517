#!/usr/bin/env bash
# Regenerates the LAMMPS ML-PACE reference frames of this folder (README.md): the In/P potentials of
# make_potentials.py and FitSNAP's InP_pot.yace, evaluated by LAMMPS itself (pair_style pace product,
# run 0) on a random binary alloy with a vacancy, a triclinic cell and a close In-P pair whose
# core repulsion puts both atoms inside their rho_core switching window.
#
# usage: bash tests/data/ace_multi/make_reference.sh LMP_2021_10 LMP_CTILDE LMP_2021_4      (from the project root)
#   LMP_2021_10  LAMMPS with ML-PACE from lammps-user-pace v.2021.10.25.fix2 (the first that reads .yace)
#   LMP_CTILDE   the same with pair_style pace on ML-PACE's ACECTildeEvaluator: for InP_mixed.yace, whose
#                elements have different ndensity. pair_style pace always builds ACERecursiveEvaluator (also
#                for `pace product`), whose set-up strides every element's c-tilde by the largest ndensity
#                and rewrites them so (ace_recursive.cpp, acejlformat; still so in v.2025.12.4): it misreads
#                an element with fewer densities (README.md gives the numbers)
#   LMP_2021_4   LAMMPS with ML-PACE from lammps-user-pace v.2021.4.9 (what LAMMPS 20220106 pins)
# All are Debian's liblammps (20220106) plus its pair_pace.cpp (loading by file name, so that .yace is read)
# and the evaluator library; README.md gives the build commands.
# Writes <case>.xyz (extended XYZ: energy, virial, forces and per-atom energies from LAMMPS, %.17g).
set -euo pipefail
lmp_new="$(realpath "$1")"
lmp_ctilde="$(realpath "$2")"
lmp_old="$(realpath "$3")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# case | potential | LAMMPS (new/ctilde/old) | structure | elements of types 1 and 2
# (no ML-PACE version runs a multi-element .ace file, so InP_shared.ace has no case: README.md)
cases=(
  "mixed_alloy_vacancy|InP_mixed.yace|ctilde|alloy_vacancy|In P"
  "mixed_triclinic|InP_mixed.yace|ctilde|triclinic|In P"
  "mixed_close_pair|InP_mixed.yace|ctilde|close_pair|In P"
  "shared_yace_close_pair|InP_shared.yace|new|close_pair|In P"
  "shared_yace_triclinic|InP_shared.yace|new|triclinic|In P"
  "single_ace_close_pair_v2021_10|In_single.ace|new|close_pair|In In"
  "single_ace_close_pair_v2021_4|In_single.ace|old|close_pair|In In"
  "fitsnap_zincblende|InP_pot_fitsnap.yace|new|zincblende|In P"
  "fitsnap_triclinic|InP_pot_fitsnap.yace|new|triclinic|In P"
)

# LAMMPS commands that build each structure (types: 1 = In, 2 = P)
structure() {
  case "$1" in
    alloy_vacancy) cat <<'IN'
lattice fcc 4.3
region box block 0 2 0 2 0 2
create_box 2 box
create_atoms 1 box
set type 1 type/fraction 2 0.5 4242
group gone id 7
delete_atoms group gone compress no
displace_atoms all random 0.1 0.1 0.1 12345 units box
IN
      ;;
    triclinic) cat <<'IN'
lattice fcc 4.3
region box block 0 2 0 2 0 2
create_box 2 box
create_atoms 1 box
set type 1 type/fraction 2 0.4 777
change_box all triclinic
change_box all xy final 1.3 xz final -0.9 yz final 0.7 remap units box
displace_atoms all random 0.1 0.1 0.1 54321 units box
IN
      ;;
    close_pair) cat <<'IN'
lattice fcc 4.3
region box block 0 2 0 2 0 2
create_box 2 box
create_atoms 1 box
set type 1 type/fraction 2 0.5 4242
set atom 1 type 1
set atom 2 type 2
# atom 2 pushed halfway toward atom 1 (3.04 -> 1.52 Å, before the rattle, so neither is wrapped)
group pushed id 2
variable dx equal x[1]-x[2]
variable dy equal y[1]-y[2]
variable dz equal z[1]-z[2]
displace_atoms pushed move $(0.5*v_dx) $(0.5*v_dy) $(0.5*v_dz) units box
displace_atoms all random 0.05 0.05 0.05 2468 units box
IN
      ;;
    zincblende) cat <<'IN'
lattice diamond 5.87
region box block 0 2 0 2 0 2
create_box 2 box
create_atoms 1 box basis 5 2 basis 6 2 basis 7 2 basis 8 2
displace_atoms all random 0.15 0.15 0.15 13579 units box
IN
      ;;
  esac
}

for c in "${cases[@]}"; do
  IFS='|' read -r name potential which shape elements <<< "$c"
  case "$which" in new) lmp="$lmp_new" ;; ctilde) lmp="$lmp_ctilde" ;; old) lmp="$lmp_old" ;; esac
  cp "$here/$potential" "$work/"
  {
    printf 'units metal\natom_style atomic\natom_modify map array sort 0 0.0\nboundary p p p\n'
    structure "$shape"
    cat <<IN
mass * 1.0
pair_style pace product
pair_coeff * * $potential $elements
neighbor 1.0 bin
compute pe all pe/atom
compute v all pressure NULL virial
thermo_style custom step pe c_v[1] c_v[2] c_v[3] c_v[4] c_v[5] c_v[6]
dump d all custom 1 $name.dump id type x y z fx fy fz c_pe
dump_modify d format float %.17g sort id
run 0
print "RESULT \$(pe:%.17g) \$(c_v[1]:%.17g) \$(c_v[2]:%.17g) \$(c_v[3]:%.17g) \$(c_v[4]:%.17g) \$(c_v[5]:%.17g) \$(c_v[6]:%.17g) \$(vol:%.17g) \$(lx:%.17g) \$(ly:%.17g) \$(lz:%.17g) \$(xy:%.17g) \$(xz:%.17g) \$(yz:%.17g)" file $name.result
IN
  } > "$work/in.$name"
  (cd "$work" && "$lmp" -in "in.$name" -log "log.$name" -screen none) || { tail -20 "$work/log.$name"; exit 1; }
  python3 - "$work" "$name" "$potential" "$here/$name.xyz" "$elements" <<'PY'
import sys
work, name, potential, out, elements = sys.argv[1:]
elements = elements.split()
nktv2p = 1.6021765e6  # LAMMPS's eV/Å³ → bar in metal units
r = open(f"{work}/{name}.result").read().split()
pe = r[1]; p = [float(x) for x in r[2:8]]; vol, lx, ly, lz, xy, xz, yz = (float(x) for x in r[8:15])
w = [x * vol / nktv2p for x in p]  # virial W = Σ r⊗F, eV; LAMMPS order xx yy zz xy xz yz
virial = f"{w[0]!r} {w[3]!r} {w[4]!r} {w[3]!r} {w[1]!r} {w[5]!r} {w[4]!r} {w[5]!r} {w[2]!r}"
lines = open(f"{work}/{name}.dump").read().splitlines()
atoms = lines[lines.index("ITEM: ATOMS id type x y z fx fy fz c_pe") + 1:]
with open(out, "w") as f:
    f.write(f"{len(atoms)}\n")
    f.write(f'Lattice="{lx!r} 0.0 0.0 {xy!r} {ly!r} 0.0 {xz!r} {yz!r} {lz!r}" '
            f'Properties=species:S:1:pos:R:3:forces:R:3:energies:R:1 '
            f'energy={pe} virial="{virial}" potential={potential} pbc="T T T"\n')
    for a in atoms:
        i, t, *v = a.split()
        f.write(" ".join([elements[int(t) - 1]] + v) + "\n")
PY
  echo "$name: $(head -1 "$here/$name.xyz") atoms, E = $(sed -n 2p "$here/$name.xyz" | sed 's/.*energy=\([^ ]*\).*/\1/') eV"
done
