#!/usr/bin/env bash
# Installs every Debian package pestle needs to build, test and run its examples.
# Non-interactive and idempotent: packages already present are skipped.
set -euo pipefail

packages=(
  build-essential cmake ninja-build   # ninja: keeps both cores busy across targets
  libeigen3-dev libxsimd-dev libboost-math-dev catch2 libbenchmark-dev libtbb-dev
  nlohmann-json3-dev
  libpugixml-dev        # QUIP/GAP XML potential files
  libyaml-cpp-dev       # pacemaker .yace potential files
  clang                 # libFuzzer for the extended-XYZ fuzzer
  python3 python3-ase python3-numpy   # ASE cross-check of the extended-XYZ dialect
  python3-sklearn python3-scipy       # cross-check of the Bayesian optimiser's GP surrogate
  lammps lammps-data    # reference potentials and the LAMMPS cross-checks
  python3-phonopy       # phonopy cross-check of pestle validate's phonons (run with /usr/bin/python3)
  liblammps-dev libopenmpi-dev openmpi-bin   # pestle_lmp: LAMMPS with pair_style pestle (lammps/)
  gpaw gpaw-data        # DFT labeller of the RSS loop (examples/rss/gpaw_label.py), run by a test
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

headers() {
  # LAMMPS's own headers for pair_style pestle's full neighbour-list request (not in liblammps-dev);
  # without them the pair style searches its own neighbours (lammps/CMakeLists.txt says which).
  bash "$(dirname "${BASH_SOURCE[0]}")/lammps_headers.sh" > /dev/null ||
    echo "setup: LAMMPS source headers not fetched; pair_style pestle will search its own neighbours"
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  headers
  exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
headers
