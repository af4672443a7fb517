#!/usr/bin/env bash
# The headers (src/*.h, src/fmt/) and ML-SNAP sources of the LAMMPS version Debian installs, from
# Debian's source package, unpacked once into a cache: Debian's liblammps-dev leaves out
# neigh_request.h, which pair_style pestle needs to ask LAMMPS for a full neighbour list
# (lammps/CMakeLists.txt finds the cache by itself). Prints the source directory.
#   bash scripts/lammps_headers.sh            # -> ${PESTLE_CACHE:-~/.cache/pestle}/lammps-src/lammps-*/
set -euo pipefail
cache="${PESTLE_CACHE:-${HOME}/.cache/pestle}/lammps-src"
src="$(ls -d "$cache"/lammps-*/ 2>/dev/null | head -1 || true)"
if [ -n "$src" ] && [ -f "$src/src/neigh_request.h" ] && [ -f "$src/src/ML-SNAP/pair_snap.cpp" ]; then
  echo "$src"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! grep -rqs "^Types: deb-src\|^deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
    $SUDO tee /etc/apt/sources.list.d/pestle-deb-src.sources > /dev/null
  $SUDO apt-get update -qq
fi
mkdir -p "$cache"
(cd "$cache" && apt-get source --download-only lammps > /dev/null 2>&1 &&
   tar -xf lammps_*.orig.tar.xz --wildcards '*/src/*.h' '*/src/ML-SNAP/*' '*/src/fmt/*' &&
   rm -f lammps_*.orig.tar.xz lammps_*.debian.tar.xz lammps_*.dsc)
ls -d "$cache"/lammps-*/ | head -1
