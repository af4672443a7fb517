# Melt and quench 2000 Mo atoms with the Zuo et al. (2020) SNAP through pair_style pestle.
#   pestle_lmp -in in.melt_quench.mo                       (1 rank)
#   mpirun -np 4 pestle_lmp -in in.melt_quench.mo           (4 ranks)
#   pestle_lmp -in in.melt_quench.mo -var model my.json -var steps 200   (other model, short run)
# Writes log.lammps (thermodynamics) and melt_quench.lammpstrj (trajectory, every 100 steps).
# Any model pestle reads works: .json, GAP .xml, .snapcoeff, .ace.

variable model index /usr/share/lammps/potentials/Mo_Zuo_JPCA2020.snapcoeff
variable steps index 5000          # steps per stage (1 fs each)
variable cells index 10            # 10^3 bcc cells = 2000 atoms

units           metal
atom_style      atomic
boundary        p p p
lattice         bcc 3.16
region          box block 0 ${cells} 0 ${cells} 0 ${cells}
create_box      1 box
create_atoms    1 box
mass            1 95.95

pair_style      pestle ${model}
pair_coeff      * * Mo

velocity        all create 600.0 87287 mom yes rot no dist gaussian
timestep        0.001
thermo          100
thermo_style    custom step time temp pe etotal press vol density
dump            traj all custom 100 melt_quench.lammpstrj id type x y z
dump_modify     traj sort id

# heat through the melting point (Mo melts at 2896 K) at zero pressure
fix             heat all npt temp 600.0 4500.0 0.1 iso 0.0 0.0 1.0
run             ${steps}
unfix           heat
# hold the liquid
fix             hold all npt temp 4500.0 4500.0 0.1 iso 0.0 0.0 1.0
run             ${steps}
unfix           hold
# quench to room temperature
fix             quench all npt temp 4500.0 300.0 0.1 iso 0.0 0.0 1.0
run             ${steps}
