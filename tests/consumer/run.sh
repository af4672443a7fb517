#!/usr/bin/env bash
# Installs pestle from a configured build tree into a scratch prefix, then configures,
# builds and runs the consumer project against that prefix only: the neighbour-list check, and a
# model loaded and evaluated header-only and through the compiled runtime.
set -euo pipefail
build_dir="$1"; source_dir="$2"; scratch="$3"; model="${4:-/usr/share/lammps/potentials/Mo_Zuo_JPCA2020.snapcoeff}"
rm -rf "$scratch" && mkdir -p "$scratch"
cmake --install "$build_dir" --prefix "$scratch/prefix" > "$scratch/install.log"
# -O0: this test checks that the installed package configures, compiles, links and runs; the
# optimised compile cost of the same unit is measured by benchmarks/unit_memory.sh (HEADER_ONLY=1).
cmake -S "$source_dir" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O0 -DNDEBUG"
cmake --build "$scratch/build" -j "$(nproc)"
"$scratch/build/consumer"
"$scratch/build/load_model_header_only" "$model"
"$scratch/build/load_model_compiled" "$model"
