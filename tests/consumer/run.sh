#!/usr/bin/env bash
# Installs pestle from a configured build tree into a scratch prefix, then configures,
# builds and runs the consumer project against that prefix only.
set -euo pipefail
build_dir="$1"; source_dir="$2"; scratch="$3"
rm -rf "$scratch" && mkdir -p "$scratch"
cmake --install "$build_dir" --prefix "$scratch/prefix" > "$scratch/install.log"
cmake -S "$source_dir" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" -DCMAKE_BUILD_TYPE=Release
cmake --build "$scratch/build"
"$scratch/build/consumer"
