#!/bin/sh
# Builds QUIP's `quip` and `gap_fit` (serial, gfortran + OpenBLAS) the way
# ../shared/data/reference/quip-gap/README.md section 2 describes, for the side-by-side scripts
# benchmarks/gap_vs_quip.sh and benchmarks/quip_reads_written_xml.sh (QUIP_BIN).
#
#   sh benchmarks/build_quip.sh SRC DEST
#
# SRC holds the four source trees at the README's commits, as directories
#   SRC/QUIP (caff154), SRC/GAP (25e734c), SRC/soap_turbo (03f9d82), SRC/fox (b5b69ef)
# (e.g. `git archive` of each, or the search tools' `fetch` snapshots of libAtoms/QUIP, GAP, soap_turbo,
# fox). DEST is created; QUIP_BIN is then DEST/QUIP/build/linux_x86_64_gfortran. A clean serial build
# takes about 5 minutes on an idle 2-core machine (`make -j2` races on Fortran .mod files).
set -eu
src=${1:?usage: build_quip.sh SRC DEST}
dest=${2:?usage: build_quip.sh SRC DEST}
ref=$(cd "$(dirname "$0")/../../shared/data/reference/quip-gap/build" && pwd)
for p in gfortran libopenblas-dev liblapack-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    { echo "build_quip.sh: needs the Debian package $p (apt-get install $p)"; exit 1; }
done
mkdir -p "$dest"
cp -r "$src/QUIP" "$dest/QUIP"
rm -rf "$dest/QUIP/src/GAP" "$dest/QUIP/src/fox"
cp -r "$src/GAP" "$dest/QUIP/src/GAP"
rm -rf "$dest/QUIP/src/GAP/soap_turbo"
cp -r "$src/soap_turbo" "$dest/QUIP/src/GAP/soap_turbo"
cp -r "$src/fox" "$dest/QUIP/src/fox"
cd "$dest/QUIP"
printf 1767480561 > src/GAP/GAP_VERSION          # the GAP version the reference XML files carry
patch -p1 < "$ref/Makefile.rules.patch"           # a .F90 rule for GAP's renamed sources
mkdir -p build/linux_x86_64_gfortran
cp "$ref/Makefile.inc" build/linux_x86_64_gfortran/
QUIP_ARCH=linux_x86_64_gfortran make
echo "QUIP_BIN=$dest/QUIP/build/linux_x86_64_gfortran"
