#!/usr/bin/env bash
# Builds pestle_snap_lmp: one LAMMPS binary with both LAMMPS's own ML-SNAP (compiled from Debian's
# lammps source package, which Debian's binary package leaves out) and pair_style pestle.
# Prints the binary's absolute path on stdout (everything else goes to stderr).
#
# usage: bash benchmarks/ml_snap_driver.sh BUILD_DIR        (from the project root)
# Needs the packages of scripts/setup.sh; adds a deb-src line for bookworm to apt when none exists
# (root), downloads the source package (80 MB) into ~/.cache/pestle/ and unpacks src/ only.
set -euo pipefail
build="$1"
cache="${HOME}/.cache/pestle/lammps-src"

# 1. LAMMPS sources of the installed version (Debian bookworm: 20220106 = 29 Sep 2021 update 2)
src="$(ls -d "$cache"/lammps-*/ 2>/dev/null | head -1 || true)"
if [ -z "$src" ] || [ ! -f "$src/src/ML-SNAP/pair_snap.cpp" ]; then
  if ! grep -rqs "^Types: deb-src\|^deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      > /etc/apt/sources.list.d/pestle-deb-src.sources
    apt-get update -qq >&2
  fi
  mkdir -p "$cache"
  (cd "$cache" && apt-get source --download-only lammps >/dev/null 2>&1 &&
     tar -xf lammps_*.orig.tar.xz --wildcards '*/src/*.h' '*/src/ML-SNAP/*' '*/src/fmt/*')
  src="$(ls -d "$cache"/lammps-*/ | head -1)"
fi

# 2. the driver with both pair styles
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DPESTLE_BUILD_TESTS=OFF -DPESTLE_BUILD_BENCHMARKS=OFF \
      -DLAMMPS_SOURCE_DIR="$src" >&2
cmake --build "$build" -j "$(nproc)" --target pestle_snap_lmp >&2
echo "$(cd "$build/bin" && pwd)/pestle_snap_lmp"
