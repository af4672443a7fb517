# Speed of pair_style pestle: Mo SNAP on an n×n×n bcc block (2 n^3 atoms), NVE, 600 K.
#   pestle_lmp -in in.bench.mo -var n 8 -var steps 100
variable model index /usr/share/lammps/potentials/Mo_Zuo_JPCA2020.snapcoeff
variable n index 8
variable steps index 100

units           metal
atom_style      atomic
boundary        p p p
lattice         bcc 3.16
region          box block 0 ${n} 0 ${n} 0 ${n}
create_box      1 box
create_atoms    1 box
mass            1 95.95
pair_style      pestle ${model}
pair_coeff      * * Mo
velocity        all create 600.0 4928459 mom yes rot no dist gaussian
timestep        0.001
fix             integrate all nve
thermo          ${steps}
run             ${steps}
